#include "agents/params.hpp"

#include <array>
#include <string_view>

#include "sim/errors.hpp"

namespace biocluster::agents {

using sim::Meta;

namespace {
constexpr double kBig = 1e15;  // upper bound for money amounts (USD)
constexpr std::array<std::string_view, 3> kCurrencies{"USD", "KRW", "EUR"};

void describe_region(sim::ParamVisitor& v, RegionParams& r) {
  v.flag("capital_area", r.capital_area, "true if the region lies in the capital area");
  v.real("x_km", r.x_km, {"km", 0, 1e5, "x of the region's centre on the grid"});
  v.real("y_km", r.y_km, {"km", 0, 1e5, "y of the region's centre on the grid"});
  v.real("radius_km", r.radius_km, {"km", 0.1, 1e4, "agents are placed within this radius of the centre"});
  v.real("rent_usd_per_m2_month", r.rent_usd_per_m2_month, {"USD/m2/month", 0, 1e4, "base rent for lab and office space"});
  v.real("amenity_index", r.amenity_index, {"index", 0, 1, "living conditions: 0 poor .. 1 best"});
  v.real("travel_time_to_capital_h", r.travel_time_to_capital_h, {"h", 0, 100, "travel time to the capital"});
  v.integer("universities", r.universities, {"count", 0, 1e5, "universities at start"});
  v.integer("hospitals", r.hospitals, {"count", 0, 1e5, "hospitals at start (research hospitals included)"});
  v.integer("research_hospitals", r.research_hospitals, {"count", 0, 1e5, "of which designated research hospitals"});
  v.integer("vc_firms", r.vc_firms, {"count", 0, 1e6, "venture-capital firms at start"});
  v.integer("pharma_firms", r.pharma_firms, {"count", 0, 1e5, "pharma firms with a site here at start"});
  v.integer("startups", r.startups, {"count", 0, 1e7, "startups at start"});
  v.real("talent_pool_persons", r.talent_pool_persons, {"persons", 0, 1e8, "life-science workers available at start"});
}
}  // namespace

void describe(sim::ParamVisitor& v, Params& p) {
  v.begin_section("run");
  v.date("start", p.run.start, "calendar month of step 0");
  v.integer("steps", p.run.steps, {"months", 1, 12000, "number of monthly steps"});
  v.integer("seed", p.run.seed, {"", 0, 9.0e18, "random seed (the CLI's --seed overrides it)"});
  v.text("currency", p.run.currency, "model currency of all money amounts", kCurrencies);
  v.integer("price_year", p.run.price_year, {"year", 1950, 2100, "price year of all money amounts"});
  v.end_section();

  v.begin_section("grid");
  v.integer("width", p.grid.width, {"cells", 1, 20000, "grid cells along x"});
  v.integer("height", p.grid.height, {"cells", 1, 20000, "grid cells along y"});
  v.real("cell_km", p.grid.cell_km, {"km", 0.01, 100, "side of a grid cell"});
  v.end_section();

  sim::visit_map(v, "regions", p.regions, describe_region);

  v.begin_section("university");
  v.real("research_budget_usd_per_year", p.university.research_budget_usd_per_year,
         {"USD/year", 0, kBig, "research spending of one university (before public basic-research funding)"});
  v.real("discoveries_per_100m_usd", p.university.discoveries_per_100m_usd,
         {"1/(100M USD)", 0, 1000, "invention disclosures per 100M USD of research (AUTM: 35-40)"});
  v.real("startups_per_100m_usd", p.university.startups_per_100m_usd,
         {"1/(100M USD)", 0, 100, "spin-off startups per 100M USD of research (AUTM: 1.1-1.5)"});
  v.real("graduates_per_year", p.university.graduates_per_year,
         {"persons/year", 0, 1e6, "life-science graduates entering the local talent pool"});
  v.real("knowledge_per_100m_usd", p.university.knowledge_per_100m_usd,
         {"units/(100M USD)", 0, 1e3, "knowledge stock added per 100M USD of research"});
  v.end_section();

  v.begin_section("hospital");
  v.integer("beds", p.hospital.beds, {"beds", 0, 1e5, "beds per hospital"});
  v.real("trial_slots_per_year", p.hospital.trial_slots_per_year,
         {"trials/year", 0, 1e4, "clinical trials a research hospital can start per year (others: a quarter)"});
  v.real("research_funding_usd_per_year", p.hospital.research_funding_usd_per_year,
         {"USD/year", 0, kBig, "public funding of a designated research hospital"});
  v.real("startups_per_year", p.hospital.startups_per_year,
         {"1/year", 0, 100, "hospital-originated startups per research hospital per year"});
  v.real("trial_fee_usd", p.hospital.trial_fee_usd,
         {"USD", 0, kBig, "fee a startup pays the hospital when its trial starts"});
  v.real("trial_reach_km", p.hospital.trial_reach_km,
         {"km", 0, 1e4, "startups use trial slots of hospitals within this distance"});
  v.end_section();

  v.begin_section("startup");
  v.real("founding_cash_usd", p.startup.founding_cash_usd, {"USD", 0, kBig, "founders' and angel cash at founding"});
  v.integer("founding_headcount", p.startup.founding_headcount, {"persons", 1, 1000, "employees at founding"});
  v.real("cost_per_employee_usd_month", p.startup.cost_per_employee_usd_month,
         {"USD/month", 0, 1e7, "all-in burn per employee (Pillar VC survey: ~20k)"});
  v.real("office_m2_per_employee", p.startup.office_m2_per_employee, {"m2", 0, 1000, "lab and office space per employee"});
  v.real("runway_trigger_months", p.startup.runway_trigger_months,
         {"months", 0, 120, "a startup seeks a round when its cash covers fewer months than this"});
  v.real("preclinical_years", p.startup.preclinical_years, {"years", 0.1, 30, "mean duration of discovery + preclinical"});
  v.real("phase1_years", p.startup.phase1_years, {"years", 0.1, 30, "mean duration of phase I (BIO 2021: 2.3)"});
  v.real("phase2_years", p.startup.phase2_years, {"years", 0.1, 30, "mean duration of phase II (BIO 2021: 3.6)"});
  v.real("phase3_years", p.startup.phase3_years, {"years", 0.1, 30, "mean duration of phase III (BIO 2021: 3.3)"});
  v.real("filing_years", p.startup.filing_years, {"years", 0.1, 30, "mean duration of review (BIO 2021: 1.3)"});
  v.real("p_preclinical", p.startup.p_preclinical, {"probability", 0, 1, "preclinical -> phase I success"});
  v.real("p_phase1", p.startup.p_phase1, {"probability", 0, 1, "phase I -> II success (BIO 2021: 0.520)"});
  v.real("p_phase2", p.startup.p_phase2, {"probability", 0, 1, "phase II -> III success (BIO 2021: 0.289)"});
  v.real("p_phase3", p.startup.p_phase3, {"probability", 0, 1, "phase III -> filing success (BIO 2021: 0.578)"});
  v.real("p_filing", p.startup.p_filing, {"probability", 0, 1, "filing -> approval success (BIO 2021: 0.906)"});
  v.real("max_headcount", p.startup.max_headcount, {"persons", 1, 1e5, "headcount cap of a startup"});
  v.real("knowledge_boost", p.startup.knowledge_boost,
         {"1/unit", 0, 10, "relative rise of stage success per unit of local knowledge (capped at +50%)"});
  v.end_section();

  v.begin_section("vc");
  v.real("fund_size_usd", p.vc.fund_size_usd, {"USD", 0, kBig, "committed capital of a VC firm's fund"});
  v.real("search_radius_km", p.vc.search_radius_km, {"km", 0, 1e5, "a VC considers startups within this distance"});
  v.real("distance_half_km", p.vc.distance_half_km,
         {"km", 1, 1e5, "distance at which a VC's deal preference halves (Sorenson & Stuart 2001: ~145)"});
  v.real("seed_round_usd", p.vc.seed_round_usd, {"USD", 0, kBig, "size of a first round (seed)"});
  v.real("round_growth", p.vc.round_growth, {"ratio", 1, 20, "each later round is this multiple of the one before"});
  v.real("max_share_per_deal", p.vc.max_share_per_deal, {"fraction", 0.001, 1, "largest fraction of a fund in one round"});
  v.real("screening_noise", p.vc.screening_noise, {"sd", 0, 10, "noise on the quality signal a VC screens on"});
  v.real("accept_threshold", p.vc.accept_threshold, {"signal", -10, 10, "a VC funds a startup whose signal exceeds this"});
  v.end_section();

  v.begin_section("pharma");
  v.real("revenue_usd_per_year", p.pharma.revenue_usd_per_year, {"USD/year", 0, kBig, "sales of one pharma firm"});
  v.real("rd_share", p.pharma.rd_share, {"fraction", 0, 1, "R&D budget as a share of revenue"});
  v.real("acquisition_share_of_rd", p.pharma.acquisition_share_of_rd,
         {"fraction", 0, 1, "share of the R&D budget spent on acquisitions (seed: top-10 pharma 35%)"});
  v.real("discount_rate", p.pharma.discount_rate, {"1/year", 0, 1, "pharma's cost of capital (DiMasi 2016: 10.5%)"});
  v.real("peak_sales_median_usd", p.pharma.peak_sales_median_usd,
         {"USD/year", 0, kBig, "median peak sales of an approved drug (log-normal)"});
  v.real("acquisition_premium", p.pharma.acquisition_premium, {"fraction", 0, 10, "premium over the last post-money value"});
  v.end_section();

  v.begin_section("policy");
  v.real("public_rd_usd_per_year", p.policy.public_rd_usd_per_year,
         {"USD/year", 0, kBig, "national public bio R&D budget"});
  v.real("basic_research_share", p.policy.basic_research_share,
         {"fraction", 0, 1, "share of public R&D spent on basic research at universities (Korea ~0.40)"});
  v.end_section();

  v.begin_section("fields");
  v.real("knowledge_decay_per_year", p.fields.knowledge_decay_per_year, {"1/year", 0, 1, "knowledge stock depreciation"});
  v.real("diffusion_per_month", p.fields.diffusion_per_month,
         {"fraction", 0, 0.25, "share of a cell's knowledge and talent spreading to its 4 neighbours each month"});
  v.real("talent_attrition_per_year", p.fields.talent_attrition_per_year,
         {"1/year", 0, 1, "share of the unemployed talent pool leaving the field each year"});
  v.real("rent_pressure_per_firm", p.fields.rent_pressure_per_firm,
         {"1/firm", 0, 10, "relative rise of a cell's rent per firm located in it"});
  v.end_section();

  v.begin_section("output");
  v.integer("snapshot_every_steps", p.output.snapshot_every_steps, {"steps", 0, 1e6, "agent-state snapshot interval (0: none)"});
  v.integer("field_snapshot_every_steps", p.output.field_snapshot_every_steps,
            {"steps", 0, 1e6, "grid-field snapshot interval (0: none)"});
  v.integer("flush_every_steps", p.output.flush_every_steps, {"steps", 1, 1e6, "flush the output file every N steps"});
  v.end_section();
}

Params load_params(const sim::ScenarioDoc& doc) {
  Params p;
  sim::ApplyVisitor v(doc);
  describe(v, p);
  // Cross-field checks: contradictory parameters.
  if (p.regions.empty())
    v.error_at("regions", "the scenario defines no region; add at least one [regions.NAME] table");
  for (const auto& r : p.regions) {
    const std::string base = "regions." + r.name + ".";
    if (r.x_km >= p.grid.width * p.grid.cell_km || r.y_km >= p.grid.height * p.grid.cell_km)
      v.error_at(base + "x_km", "region '" + r.name + "' centre (" + sim::format_double(r.x_km) + ", " +
                                    sim::format_double(r.y_km) + ") km lies outside the grid (" +
                                    sim::format_double(p.grid.width * p.grid.cell_km) + " x " +
                                    sim::format_double(p.grid.height * p.grid.cell_km) +
                                    " km); move it or enlarge [grid]");
    if (r.research_hospitals > r.hospitals)
      v.error_at(base + "research_hospitals", "region '" + r.name + "' has research_hospitals = " +
                                                  std::to_string(r.research_hospitals) + " > hospitals = " +
                                                  std::to_string(r.hospitals) + "; research hospitals are counted among hospitals");
  }
  if (p.regions.size() > 30000) v.error_at("regions", "at most 30000 regions");
  v.finish();
  return p;
}

std::string to_toml(const Params& p) {
  Params copy = p;
  return sim::print_parameters(copy, [](sim::ParamVisitor& v, Params& q) { describe(v, q); });
}

std::string to_markdown(const Params& p) {
  Params copy = p;
  return "| key | default | unit | range | description |\n|---|---|---|---|---|\n" +
         sim::print_parameters(copy, [](sim::ParamVisitor& v, Params& q) { describe(v, q); }, true);
}

}  // namespace biocluster::agents
