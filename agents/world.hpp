#pragma once
/// @file The world: all agents, fields, regions, accounts, metrics, and the work buffers each
/// market owns (declared in its own header under agents/markets/). Building it at step 0:
/// docs/MODEL.md §5 (initialisation); state variables: §2.
#include <cstdint>
#include <utility>
#include <vector>

#include "agents/hospital.hpp"
#include "agents/lifecycle.hpp"
#include "agents/location.hpp"
#include "agents/markets/acquisitions.hpp"
#include "agents/markets/alliances.hpp"
#include "agents/markets/funds.hpp"
#include "agents/markets/licences.hpp"
#include "agents/markets/rounds.hpp"
#include "agents/markets/trials.hpp"
#include "agents/params.hpp"
#include "agents/pharma.hpp"
#include "agents/recording.hpp"
#include "agents/startup.hpp"
#include "agents/types.hpp"
#include "agents/university.hpp"
#include "agents/valuation.hpp"
#include "agents/venture_capital.hpp"
#include "sim/calendar.hpp"
#include "sim/events.hpp"
#include "sim/grid.hpp"
#include "sim/ledger.hpp"
#include "sim/metrics.hpp"
#include "sim/rng.hpp"
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

/// Per-region state that is not a field: labour market, amenity, incubator use, public spending.
struct RegionState {
  double wage_index = 1.0;
  double amenity = 0.5;
  double vacancies = 0;                      ///< openings left unfilled after this month's hiring (persons)
  double seekers = 0;                        ///< job seekers in the region's cells before this month's hiring
  double employed = 0;                       ///< staff of every employer placed in the region after hiring
  double hires = 0;                          ///< persons hired this month
  double migrants_in = 0, migrants_out = 0;  ///< job seekers who moved in / out this month (persons)
  double startup_staff = 0;
  int incubator_used = 0;
  double public_spend_total = 0;  ///< cumulative public spending in the region
  double vc_proceeds_year =
      0;  ///< exit proceeds received by the region's private VC firms since last January (VC entry)
  double vc_invested_year = 0;      ///< VC money invested in the region's startups since last January (VC entry)
  sim::AccountId founder_pool = 0;  ///< founders' and angels' capital of the region (MODEL.md §7.3, "Founding")
  double loan_budget_left = 0;      ///< the loan programme's budget left this year
  int loan_year = -1;               ///< calendar year of that budget
};

/// A production plant being built (agents/production.cpp): it adds `litres` at `ready_step`.
struct PlantBuild {
  sim::AgentId plant = -1;
  std::int32_t ready_step = 0;
  double litres = 0;
};

struct World {
  Params params;
  std::uint64_t seed = 0;
  std::int64_t step = 0;  ///< the step being (or next to be) simulated
  sim::Calendar calendar{sim::YearMonth{}};
  sim::Grid grid;
  std::vector<std::int16_t> cell_region;  ///< region of each cell, -1 outside every region
  std::vector<std::vector<std::uint32_t>> region_cells;
  std::vector<double> base_rent;                     ///< base rent per cell (USD/m2/month), discounts applied
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
  struct {
    RateTable vc, pharma, market;  ///< valuation tables at the VC, pharma and public-market rates
  } rates;
  double production_base_litres = 0;     ///< contract demand at step 0 (agents/production.cpp)
  std::vector<PlantBuild> plant_builds;  ///< plants being built, in order of decision
  double market_log_index = 0;  ///< log of the public market's valuation index (agents/markets/public_markets.cpp)
  double applied_grant_usd_month = 0;    ///< applied grants paid this month / SME-eligible startups (a mean)
  double public_equity_left_usd = 0;     ///< public investors' budget left this year for IPOs and offerings
  double follow_on_left_usd = 0;         ///< of market.follow_on_equity_usd_per_year, left this year
  CapitalState capital;                  ///< the national limited-partner pool (agents/markets/funds.cpp)
  std::vector<FundRecord> fund_records;  ///< every fund ever raised, in order of raising

  // Work buffers kept between steps (no allocation in a step once they have grown), each owned by
  // one mechanism and used only in its file; contents are meaningless between uses.
  LicenceBuyers licence_buyers;            ///< agents/markets/licences.cpp
  TrialBuffers trial_buffers;              ///< agents/markets/trials.cpp
  AllianceBuffers alliance_buffers;        ///< agents/markets/alliances.cpp
  RoundBuffers round_buffers;              ///< agents/markets/rounds.cpp
  AcquisitionBuffers acquisition_buffers;  ///< agents/markets/acquisitions.cpp
  FundBuffers fund_buffers;                ///< agents/markets/funds.cpp
  SpinoutDraws spinout_draws;              ///< agents/lifecycle.cpp
  SiteFactors site_factors;                ///< agents/location.cpp
  std::vector<float> field_buffer;         ///< diffusion's second buffer (agents/fields.cpp)

  int region_count() const { return static_cast<int>(params.regions.size()); }
  const RegionPolicy& policy_of(int region) const;
};

/// Estimated memory of a world at step 0 with these parameters, in bytes: grid fields and their
/// work buffers, agents, accounts, metric frames (agent growth during the run is not included).
double estimate_memory_bytes(const Params& params);

/// Builds the world at step 0 from validated parameters and a seed.
World make_world(const Params& params, std::uint64_t seed);

/// If the scenario's schedule changes parameters at this step, they take effect now (before the
/// step's decisions), and what the world derives from them is derived again (MODEL.md §8.1).
void apply_schedule(World& w);

/// Rebuilds the spatial indexes of VC firms and hospitals (after firms are born).
void rebuild_indexes(World& w);

/// Random point in a disc around (x, y), clamped onto the grid.
std::pair<float, float> place_near(const World& w, double x, double y, double radius_km, sim::Rng& rng);

/// RNG key parts as integers.
constexpr std::uint32_t ph(PhaseKey k) { return static_cast<std::uint32_t>(k); }
constexpr std::uint32_t pu(Purpose p) { return static_cast<std::uint32_t>(p); }

/// Stable RNG key of an agent: its type in the top byte, its id below.
inline std::int64_t agent_key(AgentType t, sim::AgentId id) { return (static_cast<std::int64_t>(t) << 56) | id; }
/// The stream for one (step, phase, agent, purpose[, counterpart]) of this world.
inline sim::Rng rng_for(const World& w, PhaseKey phase, AgentType t, sim::AgentId id, Purpose purpose,
                        std::uint64_t counterpart = 0) {
  return sim::Rng(w.seed, w.step, static_cast<std::uint32_t>(phase), agent_key(t, id),
                  static_cast<std::uint32_t>(purpose), counterpart);
}

}  // namespace biocluster::agents
