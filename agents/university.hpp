#pragma once
/// @file University: public and own research money -> discoveries -> a technology-transfer office
/// (TTO) of limited capacity -> licensable technologies, licensed to spin-offs, pharma or existing
/// startups; graduates into the talent pool. docs/MODEL.md §7.1.
#include <cstdint>
#include <vector>

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
  double own_research_usd_per_year = 0;   ///< own and local sources
  double basic_funding_usd_per_year = 0;  ///< share of national basic-research funding
  double tto_capacity_per_year = 0;
  double tto_queue = 0;                    ///< disclosures waiting for the TTO
  double tto_credit = 0;                   ///< fractional processing capacity carried over
  std::vector<std::int32_t> technologies;  ///< licensable technologies (step each became available)
  // outbox of the current step (decide phase)
  double staff = -1;   ///< research staff (persons); < 0 until first staffed (MODEL.md §7.7)
  double staffed = 1;  ///< (staff / staff its money pays for, at most 1)^market.understaffing_elasticity
  std::int32_t discoveries = 0;
  std::int32_t new_technologies = 0;
  // totals
  std::int64_t discoveries_total = 0;
  std::int64_t licences_total = 0;
};

/// Research spending per month, in model currency.
inline double research_usd_per_month(const University& u) {
  return (u.own_research_usd_per_year + u.basic_funding_usd_per_year) / 12.0;
}

/// Draws this month's discoveries (Poisson in research money, raised by local knowledge) and runs
/// the TTO: processes up to capacity/12 disclosures, each licensable with `licensable_share`.
void decide_research(University& u, const UniversityParams& p, double local_knowledge, sim::Rng& rng);

/// Drops technologies older than the shelf life.
void expire_technologies(University& u, const UniversityParams& p, std::int64_t step);

}  // namespace biocluster::agents
