#pragma once
/// @file Pharma firm: revenue from the world market, an R&D budget of which a share buys startups
/// valued by risk-adjusted NPV (rNPV) of their lead asset. MODEL.md §7.5.
#include <cstdint>

#include "agents/params.hpp"
#include "agents/startup.hpp"
#include "sim/ledger.hpp"
#include "sim/store.hpp"

namespace biocluster::agents {

struct Pharma {
  sim::AgentId id = -1;
  bool alive = true;
  std::int16_t region = -1;
  float x_km = 0, y_km = 0;
  sim::AccountId account = 0;
  double revenue_usd_per_year = 0;
  std::int32_t acquisitions = 0;
  // outbox: this month's flows
  double revenue_due = 0, rd_salary_due = 0, operating_cost_due = 0;
};

/// Cumulative probability that an asset now at stage s reaches approval.
double probability_of_approval(Stage s, const StartupParams& p);
/// Expected years from stage s to launch (mean stage durations).
double years_to_launch(Stage s, const StartupParams& p);
/// rNPV of a startup's lead asset to a pharma firm (Stewart et al. 2001; FORMS.md §4): 10 years of
/// median peak sales at a 25% margin, times the probability of approval, discounted to today.
double rnpv_usd(const Startup& s, const StartupParams& sp, const PharmaParams& pp);

/// Sets this month's revenue, R&D and operating flows (acquisition budget stays in cash).
void plan_pharma_month(Pharma& f, const PharmaParams& p);

}  // namespace biocluster::agents
