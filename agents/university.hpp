#pragma once
/// @file University: public research funding -> discoveries, spin-offs (via its licensing office)
/// and graduates into the local talent pool. docs/MODEL.md §7.1.
#include <cstdint>

#include "agents/params.hpp"
#include "sim/ledger.hpp"
#include "sim/rng.hpp"
#include "sim/store.hpp"

namespace biocluster::agents {

struct University {
  sim::AgentId id = -1;
  bool alive = true;
  std::int16_t region = -1;
  float x_km = 0, y_km = 0;
  sim::AccountId account = 0;
  double own_research_usd_per_year = 0;    ///< research budget from its own sources
  double basic_funding_usd_per_year = 0;   ///< share of national basic-research funding
  // outbox of the current step (decide phase)
  std::int32_t discoveries = 0;
  std::int32_t spinouts = 0;
  // totals
  std::int64_t discoveries_total = 0;
  std::int64_t spinouts_total = 0;
};

/// Research spending per month, in model currency.
inline double research_usd_per_month(const University& u) {
  return (u.own_research_usd_per_year + u.basic_funding_usd_per_year) / 12.0;
}

/// Draws this month's discoveries and spin-offs (Poisson in research money). MODEL.md §7.1.
void decide_research(University& u, const UniversityParams& p, double local_knowledge, sim::Rng& rng);

}  // namespace biocluster::agents
