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
#include "sim/prefix_argmax.hpp"
#include "sim/rng.hpp"
#include "sim/schedule.hpp"
#include "sim/snapshot.hpp"
#include "sim/spatial_index.hpp"
#include "sim/store.hpp"

namespace biocluster::agents {

/// Outside sources and sinks, as explicit ledger accounts.
struct ExternalAccounts {
  sim::AccountId government = 0;         ///< national and local public budgets
  sim::AccountId outside_investors = 0;  ///< VC limited partners, public-market buyers
  sim::AccountId world_market = 0;       ///< drug buyers; equipment makers; pharma's costs and payouts
  sim::AccountId households = 0;         ///< employees, founders, fund managers (fees, carry)
  sim::AccountId landlords = 0;          ///< owners of lab and office space, incubators, builders
};

/// Ids of the registered metrics (sim::MetricTable), one per recorded series.
struct MetricIds {
  sim::MetricId universities, hospitals, startups, vc_firms, pharma_firms;
  std::array<sim::MetricId, kStageCount> startups_by_stage;  ///< drug developers only
  sim::MetricId startups_service;
  std::array<sim::MetricId, kOriginCount> founded_by_origin;
  sim::MetricId founded, failed, acquired, acquired_local, acquired_other_region, acquired_outside, acquired_large_group,
      listed, approvals, trial_starts, licences, serial_founders, alliances;
  sim::MetricId employment_startups, employment_pharma, employment_universities, employment_hospitals, employment_total;
  sim::MetricId talent_pool, talent_pool_phd, wage, knowledge_stock, mean_rent, amenity;
  sim::MetricId vc_invested, vc_raised, vc_distributed, vc_cash;
  sim::MetricId government_spend, public_cost_per_job;
  std::vector<std::pair<Flow, sim::MetricId>> spend_by_lever;
};

/// A request to found a startup, collected during the step and served in births_deaths.
struct FoundingRequest {
  Origin origin;
  AgentType parent_type;
  sim::AgentId parent_id;
  std::int16_t region;
  float x_km, y_km;
  std::int32_t index;       ///< n-th founding of this parent in this step
  double quality_bonus = 0;
};

/// Per-region state that is not a field: labour market, amenity, incubator use, public spending.
struct RegionState {
  double wage_index = 1.0;
  double amenity = 0.5;
  double vacancies = 0;
  double startup_staff = 0;
  int incubator_used = 0;
  double public_spend_total = 0;  ///< cumulative public spending in the region
  double vc_proceeds_year = 0;    ///< exit proceeds received by the region's private VC firms since last January (VC entry)
};

/// Reusable work buffers of the step's hot loops (kept between steps: no allocation in a step once
/// they have grown). Contents are meaningless between uses.
struct StepScratch {
  struct Acquisition {
    std::vector<std::uint32_t> order, perm, index;
    std::vector<double> price, sorted_price, value, surplus, value_large, surplus_large;
    sim::PrefixArgmax tree, tree_large;
  };
  Acquisition acquisition;
  /// Pharma firms ranked by distance from each university (licence offers; markets.cpp).
  struct LicenceBuyers {
    std::vector<std::int64_t> key;  ///< what the ranking was built for: firm positions and ids, university ids
    std::vector<std::int64_t> key_now;
    std::vector<std::uint32_t> offsets, ranked;
  };
  LicenceBuyers licence_buyers;
  struct Rounds {
    struct Screened {
      std::uint32_t vc;  ///< index in the VC store
      bool follow_on;
      double weight;
    };
    std::vector<std::uint32_t> seekers;              ///< startups seeking a round (store indices)
    std::vector<std::uint8_t> vc_state;              ///< per VC at the start of matching
    std::vector<std::vector<Screened>> screened;     ///< per seeker: VCs that would consider it
    std::vector<std::size_t> accepting, order;
    std::vector<double> weights;
    std::vector<std::pair<std::size_t, double>> commitments;
  };
  Rounds rounds;
  struct Alliances {
    std::vector<std::uint32_t> candidates;
    std::vector<double> value;
  };
  Alliances alliances;
  std::vector<double> vc_holdings;  ///< per VC firm (run_vc_funds)
  struct Trials {
    std::vector<std::uint32_t> open;  ///< hospitals with a free slot
    std::vector<float> x, y;
    sim::SpatialIndex index;
  };
  Trials trials;
  struct Spinouts {
    std::vector<std::size_t> first, open;  ///< per region: first draw; draws not yet resolved
    std::vector<double> residual;           ///< per draw
    std::vector<std::ptrdiff_t> parent;
    std::vector<std::uint8_t> done;
  };
  Spinouts spinouts;
  std::vector<float> field_buffer;  ///< diffusion's second buffer
};

struct World {
  Params params;
  std::uint64_t seed = 0;
  std::int64_t step = 0;  ///< the step being (or next to be) simulated
  sim::Calendar calendar{sim::YearMonth{}};
  sim::Grid grid;
  std::vector<std::int16_t> cell_region;     ///< region of each cell, -1 outside every region
  std::vector<std::vector<std::uint32_t>> region_cells;
  std::vector<double> base_rent;             ///< base rent per cell (USD/m2/month), discounts applied
  std::vector<std::pair<int, int>> commute_offsets;  ///< cell offsets within commuting reach, nearest first
  sim::Field talent, talent_phd, knowledge, rent;
  std::vector<float> firms_per_cell;
  std::vector<RegionState> regions;

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
  StepScratch scratch;

  int region_count() const { return static_cast<int>(params.regions.size()); }
  const RegionPolicy& policy_of(int region) const;
};

/// Estimated memory of a world at step 0 with these parameters, in bytes: grid fields and their
/// work buffers, agents, accounts, metric frames (agent growth during the run is not included).
double estimate_memory_bytes(const Params& params);

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
/// The stream for one (step, phase, agent, purpose[, counterpart]) of this world.
inline sim::Rng rng_for(const World& w, PhaseKey phase, AgentType t, sim::AgentId id, Purpose purpose,
                        std::uint64_t counterpart = 0) {
  return sim::Rng(w.seed, w.step, static_cast<std::uint32_t>(phase), agent_key(t, id), static_cast<std::uint32_t>(purpose),
                  counterpart);
}

// ---- markets (agents/markets.cpp, agents/labour.cpp); each is one part of a phase, MODEL.md §7 ----

/// All-in monthly cost of one startup employee in a region (wage index, PhD mix, overhead).
double cost_per_employee(const World& w, int region);
/// Logs an event (subject/object types and ids, amount, value, detail).
void log_event(World& w, EventKind k, AgentType st, sim::AgentId sid, std::int16_t region, AgentType ot = AgentType::startup,
               sim::AgentId oid = -1, double amount = 0, double value = 0, int detail = 0);
/// Adds v to metric m of a region (ignored for region -1).
void count(World& w, sim::MetricId m, std::int16_t region, double v = 1.0);
/// Pays `amount` from `payer` to a startup's shareholders: public loan first, VC stakes pro rata,
/// the rest to founders (households).
void pay_shareholders(World& w, sim::AccountId payer, Startup& s, double amount, Flow flow);

void match_trials(World& w);
void match_rounds(World& w);
void match_alliances(World& w);
void match_public_markets(World& w);
void match_acquisitions(World& w);
void match_licences(World& w);
void run_vc_funds(World& w);
void hire_staff(World& w);
void update_labour_market(World& w);
void migrate_talent(World& w);

}  // namespace biocluster::agents
