#pragma once
/// @file Production and contract-manufacturing (CDMO) plants: capacity, the contract demand they
/// serve, the staff that run them, and the owners' decision to build more. docs/MODEL.md §7.5,
/// "Production plants". Plants are Pharma records with `production` set; they do no R&D, make no
/// deals and are counted apart.
namespace biocluster::agents {

struct World;

/// Contract demand the grid's plants serve at `step` (litres of capacity in use): the step-0 demand
/// grown at production.demand_growth_per_year for demand_growth_years, then at
/// long_run_growth_per_year (a demand rule of the world market).
double production_demand_litres(const World& w, double step);
/// Litres the public demand programme buys this month's parameters: policy.demand_programme_usd_per_year /
/// production.price_usd_per_litre_year (paid by the government, booked as public_purchase).
double programme_demand_litres(const World& w);
/// Apply phase: capacity that finished building starts; demand is shared in proportion to
/// capacity; each plant sets its staff need, its output (as far as its staff allow), revenue,
/// salaries, tax and its payout to the owners.
void plan_production(World& w);
/// January (births_deaths_hiring): when the demand expected once a new plant would be running
/// exceeds the capacity in operation and being built, the owner of the cheapest plant to run builds
/// one more there if its value at production.discount_rate exceeds its cost (import duty on the
/// equipment included unless the region exempts it).
void expand_production(World& w);

}  // namespace biocluster::agents
