#pragma once
/// @file What a run records: the metric declarations and their per-region values each month, the
/// invariant guard, and the agent-snapshot and field schema of the output. docs/MODEL.md §7.10
/// (metrics), docs/OUTPUT.md (file layout).
#include <array>
#include <string>
#include <utility>
#include <vector>

#include "agents/startup.hpp"
#include "agents/types.hpp"
#include "sim/grid.hpp"
#include "sim/metrics.hpp"
#include "sim/snapshot.hpp"

namespace biocluster::agents {

struct World;

/// Ids of the registered metrics (sim::MetricTable), one per recorded series.
struct MetricIds {
  sim::MetricId universities, hospitals, startups, vc_firms, pharma_firms;
  std::array<sim::MetricId, kStageCount> startups_by_stage;  ///< drug developers only
  sim::MetricId startups_service;
  std::array<sim::MetricId, kOriginCount> founded_by_origin;
  sim::MetricId founded, failed, acquired, acquired_local, acquired_other_region, acquired_outside,
      acquired_large_group, alliances_outside, group_funding, listed, listing_applications, listing_rejections,
      approvals, rounds_failed, delisted, public_follow_on, rounds_failed_worthless, rounds_failed_unseen,
      rounds_failed_no_room, rounds_failed_target, rounds_failed_short, listed_firms, programmes_promoted, drug_sales,
      public_index, trial_starts, licences, serial_founders, alliances;
  /// Constraints that bound and channels that carried (the experiments' mechanism trace, MODEL.md §7.10).
  sim::MetricId acquisition_no_bid, acquisition_declined, acquired_on_grace, ipo_blocked_window, ipo_blocked_budget,
      trial_waits, grants_awarded, grants_unfunded;
  sim::MetricId employment_startups, employment_pharma, employment_universities, employment_hospitals, employment_total;
  sim::MetricId employment_market, employment_budget, employment_local_services, employment_production;
  sim::MetricId production_plants, production_capacity, production_revenue;
  sim::MetricId founded_moved_in, founded_moved_out, relocations_in, relocations_out;
  sim::MetricId talent_pool, talent_pool_phd, wage, vacancies, hires, unemployment_rate, migrants_in, migrants_out,
      knowledge_stock, mean_rent, amenity;
  sim::MetricId vc_invested, vc_raised, vc_distributed, vc_cash, crossover_invested;
  sim::MetricId government_spend, public_cost_per_job, public_revenue_forgone;
  std::vector<std::pair<Flow, sim::MetricId>> spend_by_lever;
  sim::MetricId lp_committed, lp_pool, lp_unallocated, fof_committed, fof_pool, fof_unallocated, vc_raise_failed,
      vc_firms_active, founder_pool, foundings_unfunded;
};

/// Declares every metric (name, unit, description) in output order; make_world.
void register_metrics(World& w);
/// The stock metrics of the month and the per-region totals (record phase; flows were counted as
/// they happened).
void record_metrics(World& w);
/// Numeric guard: a non-finite metric or startup state stops the run, naming what and where.
void check_invariants(const World& w);

/// One row of a run's summary table (batch::print_summary): a metric, its label, and how its
/// regions add up to the total column.
struct SummaryRow {
  std::string metric;
  std::string label;
  bool mean_over_regions = false;  ///< a rate such as the wage: the total column is the regions' mean
};
/// The rows of the run's summary table, in table order.
const std::vector<SummaryRow>& summary_rows();

/// Agent-state snapshot tables, one per agent type, in AgentType order.
std::vector<sim::AgentTable> agent_snapshot(const World& w);
/// Grid fields written to the output, in a fixed order.
std::vector<const sim::Field*> output_fields(const World& w);

}  // namespace biocluster::agents
