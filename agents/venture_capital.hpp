#pragma once
/// @file Venture-capital firm: a fund raised from outside investors, deal flow from startups within
/// a search radius with distance decay, noisy screening, rounds, returns at exits. MODEL.md §7.4.
#include <cstdint>

#include "agents/params.hpp"
#include "sim/ledger.hpp"
#include "sim/rng.hpp"
#include "sim/store.hpp"

namespace biocluster::agents {

struct VentureCapital {
  sim::AgentId id = -1;
  bool alive = true;
  std::int16_t region = -1;
  float x_km = 0, y_km = 0;
  sim::AccountId account = 0;
  double fund_size_usd = 0;
  std::int32_t vintage_step = 0;
  double invested_usd = 0;     ///< paid into startups so far
  double distributed_usd = 0;  ///< received back at exits so far
  std::int32_t deals = 0;
  double fee_due = 0;          ///< outbox: management fee this month
};

/// Weight of a deal at distance d: exp(-ln2 d / d_half) (FORMS.md §2, Sorenson & Stuart 2001).
double deal_weight(double distance_km, const VcParams& p);

/// The quality signal a VC sees for a startup of quality q: q + noise.
double screening_signal(double quality, const VcParams& p, sim::Rng& rng);

/// Size of round number `round` (1 = seed): seed * growth^(round-1).
double round_size(int round, const VcParams& p);

/// Management fee per month: 2% of committed capital per year (Metrick & Yasuda 2010).
inline double management_fee_per_month(const VentureCapital& v) { return 0.02 * v.fund_size_usd / 12.0; }

}  // namespace biocluster::agents
