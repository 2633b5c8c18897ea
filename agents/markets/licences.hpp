#pragma once
/// @file Technology licences: each new university technology founds a spin-off or is offered to the
/// nearest pharma firm that can pay; otherwise it waits. docs/MODEL.md §7.1 (match phase).
/// (A failed startup in-licensing a waiting technology is relicensing, agents/lifecycle.cpp.)
#include <cstdint>
#include <vector>

namespace biocluster::agents {

struct World;

/// Pharma firms ranked by distance from each university (licence offers), kept between steps.
struct LicenceBuyers {
  std::vector<std::int64_t> key;  ///< what the ranking was built for: firm positions and ids, university ids
  std::vector<std::int64_t> key_now;
  std::vector<std::uint32_t> offsets, ranked;
};

void match_licences(World& w);

}  // namespace biocluster::agents
