#include "batch/plan.hpp"

#include "sim/rng.hpp"

namespace biocluster::batch {

namespace {
// Key of the plan's seed stream (sim::Rng phase field): never used by the model.
constexpr std::uint32_t kSeedPhase = 0x53454544;  // "SEED"
}  // namespace

std::uint64_t replicate_seed(std::uint64_t plan_seed, std::int64_t replicate) {
  sim::Rng r(plan_seed, 0, kSeedPhase, replicate, 0);
  return r.bits() >> 2;
}

Run Plan::run(std::int64_t index) const {
  Run r;
  r.index = index;
  r.point = index / replicates;
  r.replicate = index % replicates;
  r.seed = replicate_seed(seed, r.replicate);
  return r;
}

std::vector<Run> Plan::runs() const {
  std::vector<Run> out;
  out.reserve(size());
  for (std::int64_t i = 0; i < static_cast<std::int64_t>(size()); ++i) out.push_back(run(i));
  return out;
}

std::vector<std::uint64_t> Plan::seeds() const {
  std::vector<std::uint64_t> s;
  for (std::int64_t r = 0; r < replicates; ++r) s.push_back(replicate_seed(seed, r));
  return s;
}

}  // namespace biocluster::batch
