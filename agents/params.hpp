#pragma once
/// @file The typed scenario: every parameter with its default (here), unit, range and doc (params.cpp).
/// docs/MODEL.md §7 lists them all with sources; `biocluster check --defaults` prints them.
#include <cstdint>
#include <string>
#include <vector>

#include "sim/calendar.hpp"
#include "sim/config.hpp"

namespace biocluster::agents {

struct RunParams {
  sim::YearMonth start{2020, 1};
  std::int64_t steps = 120;
  std::int64_t seed = 1;
  std::string currency = "USD";
  std::int64_t price_year = 2019;
};

struct GridParams {
  int width = 64;
  int height = 48;
  double cell_km = 1.0;
};

/// A named site (cluster) with its attributes and initial population.
struct RegionParams {
  std::string name;
  bool capital_area = false;
  double x_km = 10.0;
  double y_km = 10.0;
  double radius_km = 8.0;
  double rent_usd_per_m2_month = 30.0;
  double amenity_index = 0.5;
  double travel_time_to_capital_h = 0.0;
  int universities = 1;
  int hospitals = 1;
  int research_hospitals = 0;
  int vc_firms = 2;
  int pharma_firms = 1;
  int startups = 5;
  double talent_pool_persons = 2000.0;
};

struct UniversityParams {
  double research_budget_usd_per_year = 200e6;
  double discoveries_per_100m_usd = 37.0;
  double startups_per_100m_usd = 1.3;
  double graduates_per_year = 1500.0;
  double knowledge_per_100m_usd = 1.0;
};

struct HospitalParams {
  int beds = 600;
  double trial_slots_per_year = 12.0;
  double research_funding_usd_per_year = 15e6;
  double startups_per_year = 0.5;
  double trial_fee_usd = 2e6;
  double trial_reach_km = 30.0;
};

struct StartupParams {
  double founding_cash_usd = 1.5e6;
  int founding_headcount = 3;
  double cost_per_employee_usd_month = 20e3;
  double office_m2_per_employee = 25.0;
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
  double max_headcount = 120.0;
  double knowledge_boost = 0.15;
};

struct VcParams {
  double fund_size_usd = 150e6;
  double search_radius_km = 60.0;
  double distance_half_km = 145.0;
  double seed_round_usd = 4e6;
  double round_growth = 2.5;
  double max_share_per_deal = 0.15;
  double screening_noise = 0.3;
  double accept_threshold = 0.35;
};

struct PharmaParams {
  double revenue_usd_per_year = 5e9;
  double rd_share = 0.18;
  double acquisition_share_of_rd = 0.35;
  double discount_rate = 0.10;
  double peak_sales_median_usd = 300e6;
  double acquisition_premium = 0.5;
};

struct PolicyParams {
  double public_rd_usd_per_year = 2.0e9;
  double basic_research_share = 0.40;
};

struct FieldParams {
  double knowledge_decay_per_year = 0.10;
  double diffusion_per_month = 0.05;
  double talent_attrition_per_year = 0.03;
  double rent_pressure_per_firm = 0.02;
};

struct OutputParams {
  std::int64_t snapshot_every_steps = 12;
  std::int64_t field_snapshot_every_steps = 12;
  std::int64_t flush_every_steps = 12;
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
  PolicyParams policy;
  FieldParams fields;
  OutputParams output;
};

/// Describes every parameter to a visitor (apply, print, list defaults).
void describe(sim::ParamVisitor& v, Params& p);

/// Loads and validates a scenario (with --set overrides already applied to `doc`).
/// @throws ConfigError listing every problem (file:line, key path, allowed range, hint).
Params load_params(const sim::ScenarioDoc& doc);

/// The resolved parameters as loadable TOML, with unit/range/doc comments.
std::string to_toml(const Params& p);

/// The parameters as Markdown table rows: | key | default | unit | range | description |.
std::string to_markdown(const Params& p);

}  // namespace biocluster::agents
