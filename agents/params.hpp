#pragma once
/// @file The typed scenario: every parameter with its default (here), unit, range and doc (params.cpp).
/// docs/MODEL.md §8 lists them all with sources; `biocluster check --defaults` prints them.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "sim/calendar.hpp"
#include "sim/config.hpp"

namespace biocluster::agents {

struct RunParams {
  sim::YearMonth start{2020, 1};
  std::int64_t steps = 360;
  std::int64_t seed = 1;
  std::string currency = "USD";
  std::int64_t price_year = 2019;
  double krw_per_usd = 1165.7;  ///< 2019 average exchange rate, for inputs given in KRW
};

/// Latitude/longitude that mean "not given" (the grid is abstract, not placed on the Earth).
inline constexpr double kNoCoordinate = -999.0;
/// km per degree of latitude in the grid's projection (and per degree of longitude x cos(latitude)).
inline constexpr double kKmPerDegree = 111.3;

struct GridParams {
  int width = 64;
  int height = 48;
  double cell_km = 1.0;
  /// Where the grid's (0, 0) corner lies on the Earth (degrees; kNoCoordinate: an abstract grid).
  double origin_lat_deg = kNoCoordinate;
  double origin_lon_deg = kNoCoordinate;
};

/// A point's km east and north of the grid origin: a local equirectangular projection,
/// x = (lon - lon0) * 111.3 * cos(lat), y = (lat - lat0) * 111.3 (MODEL.md §8, "grid").
double projected_x_km(const GridParams& g, double lat_deg, double lon_deg);
double projected_y_km(const GridParams& g, double lat_deg);

/// Regional policy levers (one place in the code each; MODEL.md §7.9).
struct RegionPolicy {
  double rent_discount = 0.0;                      ///< land/rent at cost: fraction off the market rent
  double rd_tax_credit = 0.0;                      ///< local R&D tax credit on firms' R&D spending
  double investment_tax_credit = 0.0;              ///< local credit on lab equipment spending
  double training_grant_usd_per_hire = 0.0;        ///< paid to a firm per hire
  double infrastructure_grant_usd_per_year = 0.0;  ///< roads, water, housing: raises the amenity index
  int incubator_capacity = 0;                      ///< startups the region's incubators can host
  double incubator_fee_usd_month = 4000.0;         ///< fee per resident startup (LabCentral: $4,000)
  double incubator_public_share =
      0.0;                            ///< share of a resident's space and equipment cost above its fee the public pays
  double public_fund_usd = 0.0;       ///< public start-up fund (Korea: 30B KRW)
  double public_fund_matching = 1.0;  ///< public dollars per private dollar in eligible rounds
  double public_fund_hospital_share = 0.0;  ///< at least this share of the fund for hospital-origin firms
  double public_fund_young_share = 0.0;     ///< at least this share of the fund for firms under a year old
  double tto_capacity_per_year = 200.0;     ///< disclosures a university's TTO can process per year
  double tax_exemption_years = 0.0;         ///< corporate-tax holiday for firms here, from founding
  double customs_exemption_years = 0.0;     ///< no import duty on lab equipment for this long after founding
  double loan_usd = 0.0;                    ///< low-cost public loan offered to each new startup
  double loan_budget_usd_per_year = 0.0;    ///< the loan programme's lending budget a year
  double founder_capital_usd = -1.0;        ///< founders' and angels' pool at step 0 (< 0: capital.founder_capital_usd)
  /// A go-between organisation (San Diego's CONNECT): the share of the distance between the region's
  /// startups and an investor it bridges when the investor hears of a new company (MODEL.md §7.4).
  double go_between = 0.0;
};

/// A named site (cluster) with its attributes, policies and initial population.
struct RegionParams {
  std::string name;
  bool capital_area = false;
  double x_km = 10.0;
  double y_km = 10.0;
  /// The centre on the Earth (degrees; kNoCoordinate: not given). Given, it places the region:
  /// x_km and y_km are its projection (or, if also written, must agree with it within 0.5 km).
  double lat_deg = kNoCoordinate;
  double lon_deg = kNoCoordinate;
  double radius_km = 8.0;
  double rent_usd_per_m2_month = 30.0;
  double amenity_index = 0.5;
  double travel_time_to_capital_h = 0.0;
  int universities = 1;
  int hospitals = 1;
  int research_hospitals = 0;
  int vc_firms = 2;
  int pharma_firms = 1;
  int large_group_firms = 0;
  int production_plants = 0;       ///< contract/biologics manufacturing plants here at start (MODEL.md §7.5)
  double plant_litres = 100000.0;  ///< bioreactor capacity of each of them at start
  int startups = 5;
  int listed_startups = 0;  ///< of them, listed at start (clinical-stage drug developers; MODEL.md §5)
  double talent_pool_persons = 2000.0;
  double phd_share_of_talent = 0.15;
  double university_research_usd_per_year =
      -1.0;  ///< per university here (< 0: university.research_budget_usd_per_year)
  RegionPolicy policy;
};

struct UniversityParams {
  double research_budget_usd_per_year = 200e6;
  double discoveries_per_100m_usd = 37.0;
  double licensable_share = 0.25;
  double spinout_share = 0.15;
  double licence_fee_usd = 0.45e6;
  double technology_shelf_life_years = 2.0;
  double graduates_per_year = 500.0;
  double phd_share_of_graduates = 0.1;
  double knowledge_per_100m_usd = 1.0;
};

struct HospitalParams {
  int beds = 600;
  double trial_slots_per_year = 12.0;
  double research_funding_usd_per_year = 15e6;
  double startups_per_year = 0.5;
  double trial_fee_usd = 2e6;
  double trial_reach_km = 60.0;
  double trial_travel_cost_per_km = 0.01;
};

struct StartupParams {
  double founding_cash_usd = 1.5e6;
  int founding_headcount = 3;
  double office_m2_per_employee = 25.0;
  double equipment_usd = 2e6;
  double equipment_life_years = 5.0;
  double incubator_max_headcount = 12.0;
  double rd_share_of_costs = 0.75;
  double runway_trigger_months = 9.0;
  double preclinical_years = 2.5;
  double phase1_years = 2.3;
  double phase2_years = 3.6;
  double phase3_years = 3.3;
  double filing_years = 1.3;
  double p_preclinical = 0.45;
  double p_phase1 = 0.52;
  double p_phase2 = 0.289;
  double p_phase3 = 0.578;
  double p_filing = 0.906;
  double preclinical_cost_usd = 15e6;  ///< lead optimisation + IND-enabling studies, paid to CROs (Paul et al. 2010)
  double phase1_cost_usd = 15e6;
  double phase2_cost_usd = 40e6;
  double phase3_cost_usd = 150e6;
  /// Staff of the funded plan by the stage a round pays for (FORMS.md 6: seed 2-10, A 10-30, B 30-60,
  /// phase II company 50-120); indexed by Stage, approved = a company selling its own drug.
  double plan_headcount_preclinical = 8.0;
  double plan_headcount_phase1 = 25.0;
  double plan_headcount_phase2 = 50.0;
  double plan_headcount_phase3 = 90.0;
  double plan_headcount_filing = 60.0;
  double plan_headcount_approved = 60.0;
  double filing_cost_usd = 40e6;  ///< out-of-pocket cost of the filing stage (Paul et al. 2010), in valuations
  double knowledge_boost = 0.15;
  double staff_spinouts_per_1000_per_year = 2.0;
  double serial_founding_probability = 0.5;
  double serial_quality_bonus = 0.15;
  double location_candidates = 4.0;
  double location_radius_km = 5.0;
  double initial_headcount_max = 3.0;  ///< startups present at step 0: headcount uniform in [founding, this]
  bool initial_stage_spread =
      false;  ///< startups present at step 0: lead asset spread over the pipeline, ages 0-10 years
  double layoff_runway_months =
      0.0;  ///< below this many months of bills in cash, a private startup cuts staff (0: never)
  double layoff_share_per_month = 0.1;  ///< share of staff beyond the founders let go per month while cutting
  double service_share = 0.0;  ///< share of staff spin-offs (and of firms present at step 0) that are service firms
  double service_price_markup = 1.3;  ///< a service firm's sales per employee / the region's all-in cost per employee
  double service_growth_per_year =
      0.3;  ///< a service firm with cash for runway_trigger_months raises its target headcount at this rate
  double service_max_headcount = 200.0;  ///< a service firm grows no larger
  double service_exit_per_year = 0.05;   ///< yearly probability that a service firm closes (sale, merger, retirement)
};

struct VcParams {
  double fund_size_usd = 150e6;
  double fund_life_years = 10.0;
  double investment_period_years = 5.0;
  double reserve_share = 0.5;
  double management_fee = 0.02;
  double carry = 0.20;
  double next_fund_min_multiple = 0.8;
  double search_radius_km = 60.0;
  double distance_half_km = 145.0;
  double max_share_per_deal = 0.15;
  double screening_noise = 0.3;          ///< sd of an outside investor's signal of asset quality before any readout
  double noise_shrink_per_stage = 0.7;   ///< the signal's sd is multiplied by this at each stage passed
  double insider_noise_factor = 0.5;     ///< an existing investor's signal sd relative to an outsider's
  double discount_rate = 0.20;           ///< VC discount rate in valuations (Cockburn & Lerner 2009: >= 20%)
  double target_multiple = 1.3;          ///< a VC invests only if the buyer's valuation / its price reaches this
  double round_margin = 0.2;             ///< a round raises the burn to the next milestone plus this share
  double round_max_months = 30.0;        ///< a round funds at most this many months of burn (FORMS.md 2: 18-30)
  double min_round_fill = 0.5;           ///< a round closes if investors commit at least this share of its size
  double exit_pressure_per_year = 0.15;  ///< past its investment period, a fund values continuing this much less a year
  double proceeds_recycled_share =
      1.0;  ///< share of exit proceeds a fund keeps for new deals; the rest goes to its investors at once
  double recycle_cap_share =
      0.2;  ///< a fund recycles proceeds only in its investment period, up to this share of its commitments
  double call_buffer_share =
      0.0;  ///< with staged calls, a fund calls capital to hold this share of commitments in cash
  double capital_call_years = 5.0;  ///< commitments are called evenly over this many years (0: all at the fund's start)
  double entry_per_billion_usd = 1.0;  ///< > 0: new managers enter on unallocated LP commitments (MODEL.md §7.4)
};

struct PharmaParams {
  double revenue_usd_per_year = 5e9;
  double outside_revenue_usd_per_year = -1.0;  ///< sales of a pharma firm outside the grid (< 0: revenue_usd_per_year)
  double rd_share = 0.18;
  double acquisition_share_of_rd = 0.35;
  double patent_life_years = 12.0;
  double generic_erosion = 0.9;
  double discount_rate = 0.10;
  double peak_sales_median_usd = 640e6;
  double peak_sales_sigma = 1.28;
  double peak_signal_sd = 1.0;  ///< log sd of the market's read of an asset's peak sales before any readout
  double margin = 0.25;
  double drug_margin = 0.55;      ///< contribution margin of a launched drug (sales less COGS, selling, distribution)
  double drug_life_years = 20.0;  ///< a drug sells for this long after launch (the tail after exclusivity included)
  double bid_margin = 0.15;       ///< a bidder offers its valuation less this share
  double upfront_share = 0.5;     ///< share of an acquisition's headline value paid upfront (Booth 2015: ~50%)
  double diligence_noise = 0.2;   ///< sd of a pharma firm's quality signal before any readout
  double outside_firms = 3.0;
  double compliance_cost_usd_per_year = 1e6;
  double site_opening_probability_per_year = 0.05;
  double site_rd_share = 0.05;
  double alliance_share_of_rd =
      0.0;  ///< share of the R&D budget a firm may pay in licence upfronts per year (0: no licensing deals)
  double licence_share = 0.6;  ///< share of a licensed asset's sales the licensee buys (the startup keeps the rest)
  double licence_upfront_share = -1.0;  ///< share of a licence's headline paid at signing (< 0: upfront_share)
};

struct MarketParams {
  double wage_usd_month = 13400.0;
  double phd_wage_premium = 1.4;
  double overhead = 1.5;
  double phd_share_of_staff = 0.25;
  double wage_elasticity = 0.5;
  double wage_adjustment_per_month = 0.05;
  double wage_curve_elasticity = 0.1;  ///< wage ~ (unemployment rate / natural rate)^-this (Blanchflower & Oswald)
  double natural_unemployment = 0.05;  ///< unemployment rate at which the wage curve gives the base wage
  double commute_km = 15.0;
  double separation_per_year = 0.1;       ///< share of every employer's staff leaving the sector a year
  double understaffing_elasticity = 1.0;  ///< a startup's stage hazard x (staffed share)^this
  double migration_rate_per_year = 0.2;
  double local_multiplier = 5.0;
  double migration_wage_weight = 2.0;
  double migration_amenity_weight = 2.0;
  double migration_jobs_weight = 1.0;
  double migration_distance_weight = 1.0;
  double migration_stay_bonus = 2.0;
  double migration_distance_km = 100.0;  ///< distance scale: the logit weighs ln(1 + km / this)
  double outside_movers_per_year = 1e4;  ///< workers outside the grid who weigh a move each year
  double outside_distance_km = 1000.0;   ///< their typical distance to the grid's regions
  double outside_amenity = 0.5;          ///< the amenity index of where they are
  double amenity_gain_per_billion_usd = 0.1;
  bool ipo_window_open = true;
  double ipo_min_value_usd = 150e6;   ///< smallest public valuation that can list
  double ipo_raise_usd = 50e6;        ///< smallest amount an IPO raises (seed: 2012 average ~$51M)
  double ipo_margin = 0.2;            ///< list only when the public value exceeds the insiders' by this share
  std::int64_t ipo_min_stage = 1;     ///< earliest stage of the lead asset at listing (1 = phase I)
  bool tech_listing = false;          ///< listing needs a passed technology evaluation (KOSDAQ special listing)
  double tech_eval_min_odds = 0.05;   ///< an agency grades the asset A when its odds of approval reach this
  double tech_eval_noise = 0.3;       ///< sd of an evaluating agency's signal of the asset's quality
  std::int64_t tech_eval_months = 4;  ///< from application to the listing decision (KRX review)
  std::int64_t tech_eval_reapply_months = 12;  ///< a company waits this long after an application to apply again
  double crossover_max_share = 0.0;            ///< crossover investors take at most this share of a late private round
  std::int64_t crossover_min_stage = 2;        ///< stage from which they invest (2 = phase II)
  double public_discount_rate = 0.125;         ///< public investors' discount rate for biotech
  double public_noise = 0.25;                  ///< sd of the public market's quality signal before any readout
  double market_index_volatility = 0.15;       ///< yearly sd of the log public-valuation index
  double market_index_persistence = 0.95;      ///< monthly AR(1) persistence of the log index
  double public_equity_usd_per_year = 20e9;    ///< new money public investors put into IPOs and offerings a year
  double follow_on_equity_usd_per_year =
      -1;                              ///< of listed firms' offerings, a budget of their own (< 0: the one above)
  double delist_value_usd = 30e6;      ///< a listed firm whose market value falls below this is delisted
  std::int64_t lockup_months = 0;      ///< VCs sell their stakes this long after the listing (0: at the listing)
  std::int64_t listed_programmes = 1;  ///< programmes a listed firm holds: its lead asset + discovery programmes
  double corporate_tax_rate = 0.21;
  double capital_goods_duty = 0.08;
};

/// Weights of one conditional-logit location choice (FORMS.md §5; MODEL.md §7.11). A chooser weighs
/// each region whose centre lies within `reach_km` of its home: U = -cost·ln(monthly cost net of the
/// incentives it would receive there) + talent·ln(1 + job seekers/1000) + hospitals·ln(1 + research
/// hospitals within trial reach) + vc·ln(1 + distance-weighted VC firms) + knowledge·ln(1 +
/// knowledge) + startups·ln(1 + startups) + deals·ln(1 + VC deal money of the past year in M USD) +
/// amenity·amenity - travel·hours to the capital - distance·ln(1 + km from home) + home·[home].
struct LocationWeights {
  double reach_km = 400.0;
  double home = 3.0;
  double distance = 0.5;
  double cost = 2.0;
  double talent = 0.5;
  double hospitals = 0.5;
  double vc = 0.5;
  double knowledge = 0.25;
  double startups = 0.0;
  double deals = 0.0;
  double amenity = 2.0;
  double travel = 0.5;
};

/// Who chooses a region, each with its own weights (MODEL.md §7.11).
struct LocationParams {
  LocationWeights founder{};  ///< a new startup's founders
  /// a startup that has just closed a priced round weighs moving (home: the cost of moving a team)
  LocationWeights relocation{400.0, 5.0, 0.5, 2.0, 0.5, 0.5, 0.5, 0.25, 0.0, 0.0, 2.0, 0.5};
  /// a pharma firm opening an R&D site (no home region: it comes from outside the grid)
  LocationWeights rd_site{1e4, 0.0, 0.0, 1.0, 0.5, 0.5, 0.0, 1.0, 1.0, 0.0, 2.0, 0.5};
  /// a new VC manager choosing its office: where deals and exits happened (no home region)
  LocationWeights vc_office{1e4, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0};
};

/// Production and contract manufacturing (CDMO) plants (MODEL.md §7.5, "Production plants").
struct ProductionParams {
  double price_usd_per_litre_year = 4800.0;  ///< revenue per litre of capacity in use a year
  double staff_per_litre = 0.008;            ///< staff per litre of capacity in use
  double materials_share = 0.3;              ///< share of revenue paid for materials and services
  double demand_growth_per_year = 0.10;      ///< growth of the contract demand the grid's plants serve
  double demand_growth_years = 15.0;         ///< ... for this many years from step 0
  double long_run_growth_per_year = 0.03;    ///< ... and this after
  double initial_utilisation = 0.8;          ///< demand at step 0 / capacity at step 0
  double plant_litres = 180000.0;            ///< capacity of a new plant
  double capex_usd_per_litre = 6600.0;       ///< building and equipping a new plant, per litre
  double build_years = 2.0;                  ///< from decision to operation
  double discount_rate = 0.08;               ///< the owner's rate for a new plant
  double life_years = 20.0;                  ///< a plant's working life in the valuation
};

/// National policy levers (MODEL.md §7.9).
struct PolicyParams {
  double public_rd_usd_per_year = 2.0e9;
  double basic_research_share = 0.40;
  double applied_grant_max_usd_per_year = 1e6;  ///< one award, per year of its term
  double sme_grant_share = 1.0;                 ///< share of the non-basic budget for the applied-grant programme
  double applied_grant_years = 1.0;             ///< term of an award
  double grant_review_noise = 0.3;              ///< sd of the reviewers' signal of asset quality before any readout
  double grace_period_years = 7.0;
  double sme_grace_years = -1.0;  ///< years a large group's venture keeps SME status (< 0: grace_period_years)
  double sme_rd_tax_credit = 0.25;
  double data_exclusivity_years = 12.0;
  double drug_price_index = 1.0;
  double world_sales_share = 0.0;         ///< share of a drug's sales made on world markets at world prices
  double world_exclusivity_years = 12.0;  ///< exclusivity of those sales (US biologics: 12 years)
  bool acquisitions_allowed = true;
  bool serial_founders = true;
  /// Public purchase of contract-manufacturing output (an Operation Warp Speed-type programme):
  /// extra demand for the grid's plants, paid by the government (MODEL.md §7.5).
  double demand_programme_usd_per_year = 0.0;
};

struct FieldParams {
  double knowledge_decay_per_year = 0.10;
  double diffusion_per_month = 0.05;
  double talent_attrition_per_year = 1.0;
  double rent_pressure_per_firm = 0.02;
};

/// Finite capital (MODEL.md §7.4 "Funds", §7.3 "Founding"): a national limited-partner pool per
/// year allocated across the VC managers raising, and a founders' and angels' pool per region.
struct CapitalParams {
  double lp_commitments_usd_per_year = 300e6;  ///< new LP commitments offered each January, nationally
  double lp_recycle_share = 0.5;               ///< share of last year's distributions to LPs recommitted
  double first_fund_usd = 100e6;               ///< size a first-time manager asks for (and gets at entry)
  double ask_elasticity = 0.5;                 ///< next-fund ask = last fund size x TVPI^this (concave)
  double ask_max_growth = 2.0;                 ///< the ask is at most this multiple of the last fund
  double weight_elasticity = 1.0;              ///< allocation weight = ask x TVPI^this
  double min_close_share = 0.5;                ///< a raise allocated less than this share of its ask fails
  int max_raise_attempts = 3;                  ///< after this many failed Januaries a firm fades
  double raise_deployed_share = 0.7;           ///< LPs commit to a next fund once this share of the last is placed
  int max_entrants_per_year = 3;               ///< new managers per year from unallocated commitments
  double regional_share = 0.0;          ///< share of the year's LP pool reserved for managers outside the capital area
  double founder_capital_usd = 150e6;   ///< default founders' and angels' pool per region at step 0
  double founder_reinvest_share = 0.5;  ///< share of founders' exit proceeds returned to the pool
  // The government fund-of-funds (Korea: KVIC's mother fund), an LP beside the private pool.
  double fof_budget_usd_per_year = 0.0;  ///< new fund-of-funds commitments offered each January
  double fof_share = 0.5;                ///< its share of each fund it backs (the matching ratio)
  double fof_regional_share = 0.0;       ///< share of its pool reserved for managers outside the capital area
  double fof_recycle_share = 1.0;        ///< share of last year's fund-of-funds distributions recommitted
};

struct OutputParams {
  /// What a run file holds (docs/OUTPUT.md, "Output levels"): "summary" (run totals per metric and
  /// region), "series" (+ monthly time series), "events" (+ event table), "full" (+ snapshots).
  std::string level = "full";
  std::string report_currency = "USD";  ///< what reports show amounts in (output.report_currency)
  std::int64_t snapshot_every_steps = 12;
  std::int64_t field_snapshot_every_steps = 12;
  std::int64_t flush_every_steps = 12;
};

/// One scheduled change of a parameter (MODEL.md §8.1, "Schedules"): from step `from` the key takes
/// `value`; for a ramp (to > from) it moves linearly from the value in force before `from` to
/// `value` at step `to`. Written in a scenario as [schedule."YYYY-MM"] or [schedule."YYYY-MM..YYYY-MM"].
struct ScheduledValue {
  std::string window;  ///< as written: "2025-01" or "2025-01..2029-12"
  std::string key;     ///< the parameter, e.g. "policy.basic_research_share"
  sim::ScalarValue value;
  std::int64_t from = 0, to = 0;  ///< steps (to == from: a step change)
  sim::SourcePos pos;
};

struct Params;
/// The parameters in force from each step where a schedule changes them (built once at load).
struct ScheduleSnapshots {
  std::vector<std::int64_t> steps;
  std::vector<Params> params;
};

struct Params {
  RunParams run;
  GridParams grid;
  std::vector<RegionParams> regions;
  UniversityParams university;
  HospitalParams hospital;
  StartupParams startup;
  VcParams vc;
  PharmaParams pharma;
  ProductionParams production;
  MarketParams market;
  PolicyParams policy;
  FieldParams fields;
  OutputParams output;
  CapitalParams capital;
  LocationParams location;
  /// Scheduled changes, in the order written; `snapshots` holds the parameters they put in force
  /// (null without a schedule). Both are copied with the parameters; the snapshots are shared.
  std::vector<ScheduledValue> schedule;
  std::shared_ptr<const ScheduleSnapshots> snapshots;
};

/// Describes every parameter to a visitor (apply, print, list defaults).
void describe(sim::ParamVisitor& v, Params& p);

/// Loads and validates a scenario (with --set overrides already applied to `doc`).
/// @throws ConfigError listing every problem (file:line, key path, allowed range, hint).
Params load_params(const sim::ScenarioDoc& doc);

/// A scheduled value as text (a number as `check` prints it, true/false, or the string itself).
std::string scalar_text(const sim::ScalarValue& v);

/// The parameters a schedule puts in force at `step` (null if none changes there).
const Params* scheduled_params(const Params& p, std::int64_t step);

/// The resolved parameters as loadable TOML, with unit/range/doc comments.
std::string to_toml(const Params& p);

/// The parameters as Markdown table rows: | key | default | unit | range | description |.
std::string to_markdown(const Params& p);

/// An uncertain parameter and its plausible range, as factors of the value a scenario resolves it to
/// (experiment --robust samples each log-uniformly over [low_factor, high_factor]; MODEL.md §8.2).
struct PlausibleRange {
  std::string_view key;
  double low_factor, high_factor;
  std::string_view why;
};
/// Every uncertain parameter, declared once (agents/params.cpp).
const std::vector<PlausibleRange>& plausible_ranges();

}  // namespace biocluster::agents
