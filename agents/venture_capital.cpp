#include "agents/venture_capital.hpp"

#include <cmath>
#include <numbers>

namespace biocluster::agents {

double deal_weight(double distance_km, const VcParams& p) {
  return std::exp(-std::numbers::ln2 * distance_km / p.distance_half_km);
}

double screening_signal(double quality, const VcParams& p, sim::Rng& rng) {
  return quality + p.screening_noise * rng.normal();
}

double round_size(int round, const VcParams& p) { return p.seed_round_usd * std::pow(p.round_growth, round - 1); }

}  // namespace biocluster::agents
