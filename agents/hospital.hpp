#pragma once
/// @file Hospital: beds, research-hospital designation and funding, clinical-trial slots offered to
/// nearby startups, hospital-originated startups. docs/MODEL.md §7.2.
#include <cstdint>

#include "agents/params.hpp"
#include "sim/ledger.hpp"
#include "sim/rng.hpp"
#include "sim/store.hpp"

namespace biocluster::agents {

struct Hospital {
  sim::AgentId id = -1;
  bool alive = true;
  std::int16_t region = -1;
  float x_km = 0, y_km = 0;
  sim::AccountId account = 0;
  int beds = 0;
  bool research_hospital = false;
  double trial_slots_per_year = 0;
  double slots_free = 0;      ///< trial slots left this year (refilled each January)
  double staff = -1;          ///< research staff (persons); < 0 until first staffed (MODEL.md §7.7)
  std::int32_t spinouts = 0;  ///< outbox: startups to found this step
  std::int64_t trials_started_total = 0;
};

/// Trial slots per year of a hospital under the given parameters. MODEL.md §7.2.
double trial_slots_per_year(bool research_hospital, const HospitalParams& p);

/// Draws this month's hospital-originated startups (research hospitals only).
void decide_hospital(Hospital& h, const HospitalParams& p, sim::Rng& rng);

}  // namespace biocluster::agents
