#pragma once
/// @file The world (all agents, fields, accounts) and the step as a named list of phases.
/// docs/MODEL.md §3 (process overview) describes each phase; docs/ARCHITECTURE.md the engine.
#include <array>
#include <cstdint>
#include <vector>

#include "agents/hospital.hpp"
#include "agents/params.hpp"
#include "agents/pharma.hpp"
#include "agents/startup.hpp"
#include "agents/types.hpp"
#include "agents/university.hpp"
#include "agents/venture_capital.hpp"
#include "sim/calendar.hpp"
#include "sim/events.hpp"
#include "sim/grid.hpp"
#include "sim/ledger.hpp"
#include "sim/metrics.hpp"
#include "sim/schedule.hpp"
#include "sim/snapshot.hpp"
#include "sim/spatial_index.hpp"
#include "sim/store.hpp"

namespace biocluster::agents {

/// Outside sources and sinks, as explicit ledger accounts.
struct ExternalAccounts {
  sim::AccountId government = 0;         ///< national and local public budgets
  sim::AccountId outside_investors = 0;  ///< VC limited partners, public-market buyers
  sim::AccountId world_market = 0;       ///< drug buyers; pharma's operating costs and payouts
  sim::AccountId households = 0;         ///< employees (salaries), founders (equity in, exit proceeds out)
  sim::AccountId landlords = 0;          ///< owners of lab and office space
};

/// Ids of the registered metrics (sim::MetricTable), one per recorded series.
struct MetricIds {
  sim::MetricId universities, hospitals, startups, vc_firms, pharma_firms;
  std::array<sim::MetricId, kStageCount> startups_by_stage;
  sim::MetricId founded, founded_university, founded_hospital, failed, acquired, approvals, trial_starts, licences;
  sim::MetricId employment_startups, talent_pool, knowledge_stock, mean_rent;
  sim::MetricId vc_invested, vc_distributed, vc_cash, government_spend;
};

/// A request to found a startup, collected in the decide phase and served in births.
struct FoundingRequest {
  Origin origin;
  AgentType parent_type;
  sim::AgentId parent_id;
  std::int16_t region;
  float x_km, y_km;
  std::int32_t index;  ///< n-th founding of this parent in this step
};

struct World {
  Params params;
  std::uint64_t seed = 0;
  std::int64_t step = 0;  ///< the step being (or next to be) simulated
  sim::Calendar calendar{sim::YearMonth{}};
  sim::Grid grid;
  std::vector<std::int16_t> cell_region;  ///< region of each cell, -1 outside every region
  std::vector<double> base_rent;          ///< base rent per cell (USD/m2/month)
  sim::Field talent, knowledge, rent;
  std::vector<float> firms_per_cell;

  sim::AgentStore<University> universities;
  sim::AgentStore<Hospital> hospitals;
  sim::AgentStore<Startup> startups;
  sim::AgentStore<VentureCapital> vcs;
  sim::AgentStore<Pharma> pharmas;
  sim::SpatialIndex vc_index, hospital_index;

  sim::Ledger ledger{kFlowNames, 1};
  ExternalAccounts ext;
  sim::EventLog events;
  sim::MetricTable metrics{1};
  MetricIds m{};
  std::vector<FoundingRequest> founding_requests;

  int region_count() const { return static_cast<int>(params.regions.size()); }
};

/// Builds the world at step 0 from validated parameters and a seed.
World make_world(const Params& params, std::uint64_t seed);

/// The phases of one step, in order: decide -> match -> apply -> births_deaths -> account -> record.
const std::array<sim::Phase<World>, 6>& step_phases();
/// Runs one step (all phases) and advances w.step.
template <std::size_t N>
void run_step(World& w, sim::PhaseTimes<N>& times) {
  sim::run_phases(w, step_phases(), times);
  ++w.step;
}

/// Agent-state snapshot tables, one per agent type, in AgentType order.
std::vector<sim::AgentTable> agent_snapshot(const World& w);
/// Grid fields written to the output, in a fixed order.
std::vector<const sim::Field*> output_fields(const World& w);

/// Stable RNG key of an agent: its type in the top byte, its id below.
inline std::int64_t agent_key(AgentType t, sim::AgentId id) {
  return (static_cast<std::int64_t>(t) << 56) | id;
}

}  // namespace biocluster::agents
