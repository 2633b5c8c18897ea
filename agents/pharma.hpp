#pragma once
/// @file Pharma firm: revenue from the world market eroded by patent expiries (the pipeline gap),
/// an R&D budget of which a share buys startups valued by risk-adjusted NPV (agents/valuation.hpp) plus, for a
/// large business group, the value of SME benefits kept during the M&A grace period
/// (agents/markets/acquisitions.hpp). MODEL.md §7.5.
#include <cstdint>

#include "agents/params.hpp"
#include "agents/startup.hpp"
#include "sim/ledger.hpp"
#include "sim/store.hpp"

namespace biocluster::agents {

struct Pharma {
  sim::AgentId id = -1;
  bool alive = true;
  std::int16_t region = -1;  ///< -1: an acquirer outside the grid
  float x_km = 0, y_km = 0;
  sim::AccountId account = 0;
  bool large_group = false;  ///< a large business group (grace-period rule applies)
  double revenue_usd_per_year = 0;
  double expiring_share = 0.3;  ///< share of revenue losing exclusivity within 5 years at start (pipeline gap)
  std::int32_t founded_step = 0;
  std::int32_t acquisitions = 0;
  double alliance_spent_year = 0;       ///< alliance upfronts paid since January
  sim::AgentId site_of = -1;            ///< an R&D site of this parent firm (outside the grid), -1 for a firm
  double site_budget_usd_per_year = 0;  ///< R&D budget of a site, paid by its parent
  double staff = -1;                    ///< local R&D staff (persons); < 0 until first staffed (MODEL.md §7.7)
  // A production plant (MODEL.md §7.5, "Production plants"): no R&D, no deals; staff run capacity.
  bool production = false;
  double capacity_litres = 0;  ///< bioreactor capacity in operation
  double pending_litres = 0;   ///< capacity being built (World::plant_builds)
  double staff_needed = 0;     ///< staff the capacity in use needs this month
  // outbox: this month's flows
  double revenue_due = 0, rd_salary_due = 0, operating_cost_due = 0, tax_due = 0;
  double public_revenue_due = 0;  ///< a plant: the part of revenue_due the demand programme pays (§7.5)
};

/// Cumulative probability that an asset now at stage s reaches approval.
double probability_of_approval(Stage s, const StartupParams& p);
/// Expected years from stage s to launch (mean stage durations).
double years_to_launch(Stage s, const StartupParams& p);

/// Revenue erosion per month at step `step` (faster in the first 5 years for firms with a gap).
double erosion_per_month(const Pharma& f, const PharmaParams& p, std::int64_t step);
/// Sets this month's revenue, R&D, operating and tax flows (the acquisition budget stays in cash).
void plan_pharma_month(Pharma& f, const PharmaParams& p, double tax_rate, bool tax_exempt, std::int64_t step);
/// Share of the R&D budget for acquisitions, scaled by the pipeline gap (0.3 = average).
double acquisition_share(const Pharma& f, const PharmaParams& p);

}  // namespace biocluster::agents
