#include "agents/params.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdlib>
#include <numbers>
#include <string_view>
#include <tuple>

#include "sim/errors.hpp"

namespace biocluster::agents {

using sim::Meta;

namespace {
constexpr double kBig = 1e15;  // upper bound for money amounts
constexpr std::array<std::string_view, 1> kCurrencies{"USD"};
constexpr std::array<std::string_view, 4> kOutputLevels{"summary", "series", "events", "full"};
constexpr std::array<std::string_view, 2> kReportCurrencies{"USD", "KRW"};

void describe_region_policy(sim::ParamVisitor& v, RegionPolicy& p) {
  v.begin_section("policy");
  v.real("rent_discount", p.rent_discount,
         {"fraction", 0, 1, "land/rent at cost: share taken off market rent (Songdo)"});
  v.real("rd_tax_credit", p.rd_tax_credit, {"fraction", 0, 1, "local R&D tax credit (Massachusetts: 0.10)"});
  v.real("investment_tax_credit", p.investment_tax_credit,
         {"fraction", 0, 1, "local credit on lab-equipment spending (Massachusetts: 0.03-0.10)"});
  v.real("training_grant_usd_per_hire", p.training_grant_usd_per_hire,
         {"USD", 0, 1e7, "training grant per hire (Massachusetts: $2k)"});
  v.real("infrastructure_grant_usd_per_year", p.infrastructure_grant_usd_per_year,
         {"USD/year", 0, kBig, "roads, water, housing: raises the amenity index (MODEL.md 7.8)"});
  v.integer("incubator_capacity", p.incubator_capacity, {"startups", 0, 1e6, "startups the region's incubators host"});
  v.real("incubator_fee_usd_month", p.incubator_fee_usd_month,
         {"USD/month", 0, 1e7, "incubator fee per resident startup (LabCentral: $4,000)"});
  v.real("incubator_public_share", p.incubator_public_share,
         {"fraction", 0, 1,
          "share of what a resident's lab space and equipment cost at market prices, above its fee, that the "
          "government pays the incubator's landlord and suppliers each month (0: sponsors and the fees carry it, "
          "as LabCentral, a non-profit with 154 sponsors, facts.csv ids 430, 434; 1: a public incubator)"});
  v.real("public_fund_usd", p.public_fund_usd, {"USD", 0, kBig, "public start-up fund (Korea: 30B KRW)"});
  v.real("public_fund_matching", p.public_fund_matching,
         {"ratio", 0, 10, "public dollars per private dollar in rounds of startups under 5 years old"});
  v.real("public_fund_hospital_share", p.public_fund_hospital_share,
         {"fraction", 0, 1,
          "targeting: at least this share of the public fund's endowment goes to hospital-origin startups (Korea's "
          "early-stage fund: 30%, seed digest §d); it keeps what the target still lacks in reserve"});
  v.real("public_fund_young_share", p.public_fund_young_share,
         {"fraction", 0, 1,
          "targeting: at least this share of the endowment goes to startups under one year old (Korea: 30%)"});
  v.real("tto_capacity_per_year", p.tto_capacity_per_year,
         {"disclosures/year", 0, 1e6, "disclosures each university's technology-transfer office processes per year"});
  v.real("tax_exemption_years", p.tax_exemption_years,
         {"years", 0, 100, "corporate-tax holiday for firms in the region, counted from founding (Songdo)"});
  v.real("customs_exemption_years", p.customs_exemption_years,
         {"years", 0, 100, "no import duty on a startup's lab equipment for this long after founding (Songdo: 5)"});
  v.real("loan_budget_usd_per_year", p.loan_budget_usd_per_year,
         {"USD/year", 0, kBig,
          "the loan programme's budget a year (reset each January): new startups get loan_usd in founding order "
          "while it covers a whole loan"});
  v.real("loan_usd", p.loan_usd,
         {"USD", 0, kBig, "low-cost public loan to each new startup (Massachusetts: up to $2.5M)"});
  v.real("founder_capital_usd", p.founder_capital_usd,
         {"USD", -1, kBig,
          "founders' and angels' capital available for foundings in the region at step 0 (-1: "
          "capital.founder_capital_usd)"});
  v.real("go_between", p.go_between,
         {"fraction", 0, 1,
          "a go-between organisation introducing the region's founders to investors (San Diego's CONNECT, 1985): "
          "share of the distance it bridges in a VC's deal flow (1: every VC on the grid hears of "
          "each new company as if next door; assumption)"});
  v.end_section();
}

void describe_region(sim::ParamVisitor& v, RegionParams& r) {
  v.flag("capital_area", r.capital_area, "true if the region lies in the capital area");
  v.real("x_km", r.x_km, {"km", 0, 1e5, "x of the region's centre on the grid"});
  v.real("y_km", r.y_km, {"km", 0, 1e5, "y of the region's centre on the grid"});
  v.real("lat_deg", r.lat_deg,
         {"degrees N", kNoCoordinate, 90,
          "latitude of the region's centre (-999: not given); with lon_deg and grid.origin_*, x_km and y_km are its "
          "projection"});
  v.real("lon_deg", r.lon_deg, {"degrees E", kNoCoordinate, 180, "longitude of the region's centre (-999: not given)"});
  v.real("radius_km", r.radius_km, {"km", 0.1, 1e4, "agents are placed within this radius of the centre"});
  v.real("rent_usd_per_m2_month", r.rent_usd_per_m2_month,
         {"USD/m2/month", 0, 1e4, "base rent for lab and office space"});
  v.real("amenity_index", r.amenity_index, {"index", 0, 1, "living conditions: 0 poor .. 1 best"});
  v.real("travel_time_to_capital_h", r.travel_time_to_capital_h, {"h", 0, 100, "travel time to the capital"});
  v.integer("universities", r.universities, {"count", 0, 1e5, "universities at start"});
  v.integer("hospitals", r.hospitals, {"count", 0, 1e5, "hospitals at start (research hospitals included)"});
  v.integer("research_hospitals", r.research_hospitals, {"count", 0, 1e5, "of which designated research hospitals"});
  v.integer("vc_firms", r.vc_firms, {"count", 0, 1e6, "venture-capital firms at start"});
  v.integer("pharma_firms", r.pharma_firms, {"count", 0, 1e5, "pharma firms with a site here at start"});
  v.integer("large_group_firms", r.large_group_firms,
            {"count", 0, 1e5, "of which large business groups (subject to the M&A grace-period rule)"});
  v.integer("production_plants", r.production_plants,
            {"count", 0, 1e4, "biologics production / contract manufacturing (CDMO) plants here at start"});
  v.real("plant_litres", r.plant_litres, {"litres", 0, 1e8, "bioreactor capacity of each of those plants at start"});
  v.integer("startups", r.startups, {"count", 0, 1e7, "startups at start"});
  v.integer("listed_startups", r.listed_startups,
            {"count", 0, 1e7,
             "of the startups at start, this many are listed companies: the first of the region's drug developers "
             "placed at a clinical stage (phase I or later; needs startup.initial_stage_spread), each with "
             "market.ipo_raise_usd of cash raised and the public holding the shares it sold"});
  v.real("talent_pool_persons", r.talent_pool_persons,
         {"persons", 0, 1e8, "life-science workers looking for work at start"});
  v.real("phd_share_of_talent", r.phd_share_of_talent, {"fraction", 0, 1, "PhD share of the starting talent pool"});
  v.real("university_research_usd_per_year", r.university_research_usd_per_year,
         {"USD/year", -1, kBig,
          "research money of each university here from its own and local sources; also its weight in the national "
          "basic-research budget (-1: university.research_budget_usd_per_year)"});
  describe_region_policy(v, r.policy);
}
/// One chooser's location-choice weights (MODEL.md §7.11; the key path says who chooses).
void describe_location(sim::ParamVisitor& v, const char* name, LocationWeights& l) {
  v.begin_section(name);
  v.real("reach_km", l.reach_km, {"km", 0, 1e5, "regions whose centre lies within this distance of home are weighed"});
  v.real("home", l.home,
         {"", 0, 100, "logit bonus of the home region (ties to home: Dahl & Sorenson 2012; moving cost)"});
  v.real("distance", l.distance, {"", 0, 100, "logit weight per ln(1 + km from home)"});
  v.real("cost", l.cost, {"", 0, 100, "logit weight per ln(monthly cost there, net of the incentives received there)"});
  v.real("talent", l.talent, {"", 0, 100, "logit weight per ln(1 + the region's job seekers / 1000)"});
  v.real("hospitals", l.hospitals,
         {"", 0, 100, "logit weight per ln(1 + research hospitals within hospital.trial_reach_km)"});
  v.real("vc", l.vc, {"", 0, 100, "logit weight per ln(1 + VC firms, each weighted by deal flow's distance decay)"});
  v.real("knowledge", l.knowledge, {"", 0, 100, "logit weight per ln(1 + the region's knowledge stock)"});
  v.real("startups", l.startups, {"", 0, 100, "logit weight per ln(1 + the region's startups)"});
  v.real("deals", l.deals,
         {"", 0, 100, "logit weight per ln(1 + VC money invested and exit proceeds there in the past year, M USD)"});
  v.real("amenity", l.amenity, {"", 0, 100, "logit weight per unit of the amenity index"});
  v.real("travel", l.travel, {"", 0, 100, "logit weight per hour of travel to the capital"});
  v.end_section();
}

}  // namespace

void describe(sim::ParamVisitor& v, Params& p) {
  v.begin_section("run");
  v.date("start", p.run.start, "calendar month of step 0");
  v.integer("steps", p.run.steps, {"months", 1, 12000, "number of monthly steps (360 = 30 years)"});
  v.integer("seed", p.run.seed, {"", 0, 9.0e18, "random seed (the CLI's --seed overrides it)"});
  v.text("currency", p.run.currency, "model currency of all money amounts (outputs are in it)", kCurrencies);
  v.integer("price_year", p.run.price_year, {"year", 1950, 2100, "price year of all money amounts"});
  v.real("krw_per_usd", p.run.krw_per_usd,
         {"KRW/USD", 1, 1e5, "rate for amounts written as \"<number> KRW\" (2019 average, Bank of Korea)"});
  v.end_section();

  v.begin_section("grid");
  v.integer("width", p.grid.width, {"cells", 1, 20000, "grid cells along x"});
  v.integer("height", p.grid.height, {"cells", 1, 20000, "grid cells along y"});
  v.real("cell_km", p.grid.cell_km, {"km", 0.01, 100, "side of a grid cell"});
  v.real("origin_lat_deg", p.grid.origin_lat_deg,
         {"degrees N", kNoCoordinate, 90,
          "latitude of the grid's (0, 0) corner (-999: an abstract grid, not placed on the Earth; maps then have no "
          "coastline)"});
  v.real("origin_lon_deg", p.grid.origin_lon_deg,
         {"degrees E", kNoCoordinate, 180, "longitude of the grid's (0, 0) corner (-999: an abstract grid)"});
  v.end_section();

  sim::visit_map(v, "regions", p.regions, describe_region);

  auto& u = p.university;
  v.begin_section("university");
  v.real("research_budget_usd_per_year", u.research_budget_usd_per_year,
         {"USD/year", 0, kBig, "research money of one university from its own and local sources"});
  v.real("discoveries_per_100m_usd", u.discoveries_per_100m_usd,
         {"1/(100M USD)", 0, 1000, "invention disclosures per 100M USD of research (AUTM: 35-40)"});
  v.real("licensable_share", u.licensable_share,
         {"fraction", 0, 1,
          "share of processed disclosures that become licensable (AUTM: ~9 licences per 37 disclosures)"});
  v.real("spinout_share", u.spinout_share,
         {"fraction", 0, 1, "share of licences that go to a new spin-off (AUTM: 1.3 startups per 9 licences)"});
  v.real("licence_fee_usd", u.licence_fee_usd,
         {"USD", 0, kBig, "upfront fee of a licence to a firm (AUTM: licence income ~4% of research)"});
  v.real("technology_shelf_life_years", u.technology_shelf_life_years,
         {"years", 0.1, 100, "a licensable technology not licensed within this time lapses"});
  v.real("graduates_per_year", u.graduates_per_year,
         {"persons/year", 0, 1e6,
          "life-science graduates entering the local talent pool (Boston: 4,359 over 8 universities, ~545 each)"});
  v.real("phd_share_of_graduates", u.phd_share_of_graduates,
         {"fraction", 0, 1, "PhD share of graduates (Boston: 408/4,359)"});
  v.real("knowledge_per_100m_usd", u.knowledge_per_100m_usd,
         {"units/(100M USD)", 0, 1e3, "knowledge stock added per 100M USD of research"});
  v.end_section();

  auto& h = p.hospital;
  v.begin_section("hospital");
  v.integer("beds", h.beds, {"beds", 0, 1e5, "beds per hospital"});
  v.real("trial_slots_per_year", h.trial_slots_per_year,
         {"trials/year", 0, 1e4, "trials a research hospital can start per year (others: a quarter)"});
  v.real(
      "research_funding_usd_per_year", h.research_funding_usd_per_year,
      {"USD/year", 0, kBig, "public funding of a designated research hospital (Korea: 141.1B KRW over 9 hospitals)"});
  v.real("startups_per_year", h.startups_per_year,
         {"1/year", 0, 100, "startups founded per research hospital per year (Korea: 47 from 9 in 2017)"});
  v.real("trial_fee_usd", h.trial_fee_usd, {"USD", 0, kBig, "fee a sponsor pays the hospital when a trial starts"});
  v.real("trial_reach_km", h.trial_reach_km,
         {"km", 0, 1e4, "sponsors use trial slots of hospitals within this distance"});
  v.real("trial_travel_cost_per_km", h.trial_travel_cost_per_km,
         {"1/km", 0, 1, "extra trial cost per km between sponsor and hospital, as a share of the fee"});
  v.end_section();

  auto& s = p.startup;
  v.begin_section("startup");
  v.real("founding_cash_usd", s.founding_cash_usd, {"USD", 0, kBig, "founders' and angels' cash at founding"});
  v.integer("founding_headcount", s.founding_headcount, {"persons", 1, 1000, "employees at founding"});
  v.real("office_m2_per_employee", s.office_m2_per_employee,
         {"m2", 0, 1000, "lab and office space per employee (200-300 sq ft)"});
  v.real("equipment_usd", s.equipment_usd, {"USD", 0, kBig, "lab equipment outside an incubator (seed: at least $2M)"});
  v.real("equipment_life_years", s.equipment_life_years, {"years", 0.1, 100, "equipment is paid off over this time"});
  v.real("incubator_max_headcount", s.incubator_max_headcount,
         {"persons", 1, 1e4, "a startup leaves its incubator above this"});
  v.real("rd_share_of_costs", s.rd_share_of_costs,
         {"fraction", 0, 1, "share of staff costs that counts as R&D for tax credits"});
  v.real("runway_trigger_months", s.runway_trigger_months,
         {"months", 0, 120, "a startup seeks money when its cash covers fewer months than this"});
  v.real("preclinical_years", s.preclinical_years, {"years", 0.1, 30, "mean duration of discovery + preclinical"});
  v.real("phase1_years", s.phase1_years, {"years", 0.1, 30, "mean duration of phase I (BIO 2021: 2.3)"});
  v.real("phase2_years", s.phase2_years, {"years", 0.1, 30, "mean duration of phase II (BIO 2021: 3.6)"});
  v.real("phase3_years", s.phase3_years, {"years", 0.1, 30, "mean duration of phase III (BIO 2021: 3.3)"});
  v.real("filing_years", s.filing_years, {"years", 0.1, 30, "mean duration of regulatory review (BIO 2021: 1.3)"});
  v.real("p_preclinical", s.p_preclinical, {"probability", 0, 1, "preclinical -> phase I success"});
  v.real("p_phase1", s.p_phase1, {"probability", 0, 1, "phase I -> II success (BIO 2021: 0.520)"});
  v.real("p_phase2", s.p_phase2, {"probability", 0, 1, "phase II -> III success (BIO 2021: 0.289)"});
  v.real("p_phase3", s.p_phase3, {"probability", 0, 1, "phase III -> filing success (BIO 2021: 0.578)"});
  v.real("p_filing", s.p_filing, {"probability", 0, 1, "filing -> approval success (BIO 2021: 0.906)"});
  v.real("preclinical_cost_usd", s.preclinical_cost_usd,
         {"USD", 0, kBig,
          "out-of-pocket cost of the preclinical stage, paid to contract research organisations over its duration "
          "(Paul et al. 2010: lead optimisation $10M + preclinical $5M)"});
  v.real("phase1_cost_usd", s.phase1_cost_usd,
         {"USD", 0, kBig, "out-of-pocket cost of phase I (Paul et al. 2010: $15M)"});
  v.real("phase2_cost_usd", s.phase2_cost_usd,
         {"USD", 0, kBig, "out-of-pocket cost of phase II (Paul et al. 2010: $40M)"});
  v.real("phase3_cost_usd", s.phase3_cost_usd,
         {"USD", 0, kBig, "out-of-pocket cost of phase III (Paul et al. 2010: $150M)"});
  const std::pair<const char*, double*> plans[] = {{"plan_headcount_preclinical", &s.plan_headcount_preclinical},
                                                   {"plan_headcount_phase1", &s.plan_headcount_phase1},
                                                   {"plan_headcount_phase2", &s.plan_headcount_phase2},
                                                   {"plan_headcount_phase3", &s.plan_headcount_phase3},
                                                   {"plan_headcount_filing", &s.plan_headcount_filing},
                                                   {"plan_headcount_approved", &s.plan_headcount_approved}};
  for (const auto& [key, x] : plans)
    v.real(key, *x,
           {"persons", 1, 1e5,
            "staff of the funded plan of a drug developer at this stage (FORMS.md 6: seed 2-10, A 10-30, B 30-60, "
            "phase II company 50-120); hiring reaches it as money allows"});
  v.real("filing_cost_usd", s.filing_cost_usd,
         {"USD", 0, kBig, "out-of-pocket cost of filing, counted in valuations (Paul et al. 2010: $40M)"});
  v.real("knowledge_boost", s.knowledge_boost,
         {"1/unit", 0, 10, "relative rise of stage success per unit of local knowledge (capped at +50%)"});
  v.real("staff_spinouts_per_1000_per_year", s.staff_spinouts_per_1000_per_year,
         {"1/(1000 persons year)", 0, 1000, "startups founded by experienced staff of startups and pharma"});
  v.real("serial_founding_probability", s.serial_founding_probability,
         {"probability", 0, 1, "chance that the founders of an exited startup found another (Hybritech effect)"});
  v.real("serial_quality_bonus", s.serial_quality_bonus,
         {"quality", 0, 1, "quality added to a serial founder's asset (experience)"});
  v.real("location_candidates", s.location_candidates, {"sites", 1, 100, "candidate sites weighed at founding"});
  v.real("location_radius_km", s.location_radius_km,
         {"km", 0, 1e4, "candidate sites lie within this distance of the origin"});
  v.real("initial_headcount_max", s.initial_headcount_max,
         {"persons", 0, 1e5,
          "startups present at step 0 start with a headcount drawn uniformly between founding_headcount and this "
          "(an established cluster; calibrated scenarios set it)"});
  v.flag("initial_stage_spread", s.initial_stage_spread,
         "startups present at step 0 have ages 0-10 years and lead assets spread over the pipeline (preclinical 53%, "
         "phase I "
         "20%, phase II 20%, phase III 7%: approx. Citeline Pharma R&D Annual Review 2019) instead of all starting at "
         "founding");
  v.real("layoff_runway_months", s.layoff_runway_months,
         {"months", 0, 120,
          "an independent, unlisted startup whose cash covers fewer months of its bills than this lets staff go "
          "(biotech layoffs follow failed financings; 0 = never: headcount only grows)"});
  v.real("layoff_share_per_month", s.layoff_share_per_month,
         {"1/month", 0, 1, "while cutting, the share of its staff beyond the founders a startup lets go each month"});
  v.real("service_share", s.service_share,
         {"fraction", 0, 1,
          "share of staff spin-offs, and of the firms present at step 0, that are service firms (tools, devices, "
          "CRO and other services sold to the world market; no drug pipeline, no VC): JLL's cluster counts "
          "include them (0 = drug developers only)"});
  v.real("service_price_markup", s.service_price_markup,
         {"ratio", 0, 100,
          "a service firm's sales per employee over its region's all-in cost per employee (services are priced "
          "at cost plus a margin; assumed: 1.3 gives ~$345k per employee in Boston, within the $200-450k that "
          "life-science tools and CRO firms report, and a thin margin after rent and equipment)"});
  v.real("service_growth_per_year", s.service_growth_per_year,
         {"1/year", 0, 10,
          "a service firm holding runway_trigger_months of bills in cash raises its target headcount at this "
          "rate (assumed; fitted with service_share in the US scenarios)"});
  v.real("service_max_headcount", s.service_max_headcount,
         {"persons", 1, 1e6, "a service firm grows no larger (assumed)"});
  v.real("service_exit_per_year", s.service_exit_per_year,
         {"1/year", 0, 1,
          "yearly probability that a service firm closes (sale to a larger firm, merger, retirement; assumed: "
          "about a 20-year mean life)"});
  v.end_section();

  auto& c = p.vc;
  v.begin_section("vc");
  v.real("fund_size_usd", c.fund_size_usd, {"USD", 0, kBig, "committed capital of a VC firm's first fund"});
  v.real("fund_life_years", c.fund_life_years, {"years", 1, 50, "fund life (standard: 10)"});
  v.real("investment_period_years", c.investment_period_years,
         {"years", 0.5, 50, "new deals only in this period; then follow-ons from reserves (standard: 5)"});
  v.real("reserve_share", c.reserve_share, {"fraction", 0, 1, "share of a fund kept for follow-on rounds"});
  v.real("management_fee", c.management_fee,
         {"1/year", 0, 0.2, "fee on committed capital (Metrick & Yasuda 2010: 2%)"});
  v.real("carry", c.carry, {"fraction", 0, 1, "carried interest on profits (Metrick & Yasuda 2010: 20%)"});
  v.real("next_fund_min_multiple", c.next_fund_min_multiple,
         {"x", 0, 100,
          "limited partners commit to a next fund only when the manager's TVPI reaches this (assumption: interim TVPIs "
          "at year 5 sit near 1, the J-curve)"});
  v.real("search_radius_km", c.search_radius_km, {"km", 0, 1e5, "a VC considers startups within this distance"});
  v.real("distance_half_km", c.distance_half_km,
         {"km", 1, 1e5, "distance at which a VC's deal preference halves (Sorenson & Stuart 2001: ~145)"});
  v.real("max_share_per_deal", c.max_share_per_deal,
         {"fraction", 0.001, 1, "largest fraction of a fund in one round; larger rounds are syndicated"});
  v.real("screening_noise", c.screening_noise,
         {"sd", 0, 10, "sd of an outside investor's signal of an asset's quality (0..1) before any trial readout"});
  v.real("noise_shrink_per_stage", c.noise_shrink_per_stage,
         {"ratio", 0, 1, "the signal's sd is multiplied by this for each stage the asset has passed"});
  v.real("insider_noise_factor", c.insider_noise_factor,
         {"ratio", 0, 10, "an existing investor's signal sd relative to an outsider's (board seat, data room)"});
  v.real("discount_rate", c.discount_rate,
         {"1/year", 0, 2, "VC discount rate in valuations (Cockburn & Lerner 2009: >= 20% for early biotech)"});
  v.real("target_multiple", c.target_multiple,
         {"x", 0, 100,
          "a VC invests only if a pharma buyer's valuation of the company is at least this multiple of the price "
          "(the gap between the 10% and >= 20% rates that makes selling worthwhile, FORMS.md 4)"});
  v.real("round_margin", c.round_margin,
         {"fraction", 0, 10, "a round raises the burn to the next milestone plus this share (FORMS.md 2)"});
  v.real("round_max_months", c.round_max_months,
         {"months", 1, 240, "a round funds at most this many months of burn (FORMS.md 2: 18-30)"});
  v.real("min_round_fill", c.min_round_fill,
         {"fraction", 0, 1, "a round closes when investors commit at least this share of its size, else it fails"});
  v.real("exit_pressure_per_year", c.exit_pressure_per_year,
         {"1/year", 0, 1,
          "past its investment period a fund values continuing this much less per year, so older funds sell "
          "(capped at 60%)"});
  v.real("proceeds_recycled_share", c.proceeds_recycled_share,
         {"fraction", 0, 1,
          "share of exit proceeds a fund keeps for new deals; the rest is paid to its investors when received "
          "(1 = all kept until the fund closes; practice: recycling capped near 20% of commitments; calibrated "
          "scenarios set 0.2)"});
  v.real("recycle_cap_share", c.recycle_cap_share,
         {"fraction", 0, 10,
          "a fund keeps proceeds for new deals only during its investment period and up to this share of its "
          "commitments in all (recycling provisions of limited partnership agreements: typically up to 20% of "
          "commitments, ILPA Principles 3.0 [recalled]); everything else goes to its investors when received"});
  v.real("call_buffer_share", c.call_buffer_share,
         {"fraction", 0, 1,
          "with staged calls a fund also calls capital to hold this share of its commitments in cash, no faster "
          "than evenly over capital_call_years (0 = no buffer: capital is called only when the fund pays a deal or "
          "its fee, as in practice)"});
  v.real("capital_call_years", c.capital_call_years,
         {"years", 0, 50,
          "0 = all commitments paid in when the fund is raised; > 0 = staged calls: the fund calls what it needs "
          "when it pays a deal or its fee, up to its commitments, and a fund present at the start has called the "
          "elapsed share of this period before the run (practice: capital is called as the fund invests, mostly in "
          "its 5-year investment period, PARAMETERS.md fund life)"});
  v.real("entry_per_billion_usd", c.entry_per_billion_usd,
         {"switch", 0, 1000,
          "> 0: new VC managers enter each January while limited partners' commitments are left unallocated "
          "(capital.max_entrants_per_year, placed where VC deals and exits happened, MODEL.md 7.4); 0 = no entry"});
  v.end_section();

  auto& f = p.pharma;
  auto& prod = p.production;
  v.begin_section("production");
  v.real("price_usd_per_litre_year", prod.price_usd_per_litre_year,
         {"USD/(litre year)", 0, kBig,
          "contract revenue per litre of bioreactor capacity in use (Samsung Biologics 2024: 4.0T KRW over ~604,000 L, "
          "k 632-633)"});
  v.real("staff_per_litre", prod.staff_per_litre,
         {"persons/litre", 0, 10,
          "staff per litre of capacity in use (Samsung Biologics 5,000 / 784,000 L, Celltrion 1,950 / 190,000 L: k "
          "631-632, 635-638)"});
  v.real("materials_share", prod.materials_share,
         {"fraction", 0, 1, "share of a plant's revenue paid for materials and services (assumption)"});
  v.real("demand_growth_per_year", prod.demand_growth_per_year,
         {"1/year", -0.5, 2,
          "growth of the contract-manufacturing demand the grid's plants serve, for demand_growth_years (assumption)"});
  v.real("demand_growth_years", prod.demand_growth_years,
         {"years", 0, 1000, "years from step 0 during which demand grows at demand_growth_per_year (assumption)"});
  v.real("long_run_growth_per_year", prod.long_run_growth_per_year,
         {"1/year", -0.5, 2, "growth of that demand afterwards (assumption: about the world drug market's)"});
  v.real("initial_utilisation", prod.initial_utilisation,
         {"fraction", 0, 1, "demand at step 0 / the plants' capacity at step 0 (assumption)"});
  v.real("plant_litres", prod.plant_litres,
         {"litres", 1, 1e8, "capacity of a new plant (Samsung's plant 5: 180,000 L, k 632)"});
  v.real("capex_usd_per_litre", prod.capex_usd_per_litre,
         {"USD/litre", 0, kBig, "cost of building and equipping a new plant per litre (assumption)"});
  v.real("build_years", prod.build_years, {"years", 0, 20, "from the decision to build to operation (assumption)"});
  v.real("discount_rate", prod.discount_rate, {"1/year", 0, 1, "the owner's discount rate for a new plant"});
  v.real("life_years", prod.life_years, {"years", 1, 100, "a plant's working life in the valuation"});
  v.end_section();

  v.begin_section("pharma");
  v.real("revenue_usd_per_year", f.revenue_usd_per_year, {"USD/year", 0, kBig, "sales of one pharma firm at start"});
  v.real("outside_revenue_usd_per_year", f.outside_revenue_usd_per_year,
         {"USD/year", -1, kBig, "sales at start of one pharma firm outside the grid (-1: revenue_usd_per_year)"});
  v.real("rd_share", f.rd_share, {"fraction", 0, 1, "R&D budget as a share of revenue"});
  v.real("acquisition_share_of_rd", f.acquisition_share_of_rd,
         {"fraction", 0, 1, "share of the R&D budget for acquisitions (seed: top-10 pharma 35%)"});
  v.real("patent_life_years", f.patent_life_years,
         {"years", 1, 50, "market exclusivity of a product (Grabowski et al. 2021: 13-14)"});
  v.real("generic_erosion", f.generic_erosion,
         {"fraction", 0, 1, "revenue lost at patent expiry (seed: generics take ~90%)"});
  v.real("discount_rate", f.discount_rate, {"1/year", 0, 1, "pharma's cost of capital (DiMasi 2016: 10.5%)"});
  v.real("peak_sales_median_usd", f.peak_sales_median_usd,
         {"USD/year", 0, kBig,
          "median peak sales of an approved drug, drawn per asset (log-normal): Wouters et al. 2024 lifetime sales "
          "median $6.7B / the model's lifetime sales per $ of peak (10.45 with 12 years of exclusivity) (FORMS.md 7)"});
  v.real("peak_sales_sigma", f.peak_sales_sigma,
         {"log sd", 0, 5,
          "log-normal spread of peak sales: sqrt(2 ln(mean / median)), Wouters et al. 2024 lifetime sales mean $15.2B "
          "/ median $6.7B (FORMS.md 7)"});
  v.real("peak_signal_sd", f.peak_signal_sd,
         {"log sd", 0, 10,
          "before any readout, investors and buyers see an asset's peak sales only through a common signal with this "
          "log-normal error; it shrinks by vc.noise_shrink_per_stage at each stage passed and vanishes at launch, and "
          "every valuation uses the posterior mean of peak sales (forecasts of peak sales err by 40-70% even near "
          "launch: Cha, Rifai & Sarraf 2013 [recalled]; 0 = known from the start)"});
  v.real("margin", f.margin, {"fraction", 0, 1, "operating margin on a drug's sales"});
  v.real("drug_margin", f.drug_margin,
         {"fraction", 0, 1,
          "contribution margin of a launched drug: sales less cost of goods, selling and distribution "
          "(assumption); the cash flow valued in every rNPV"});
  v.real("drug_life_years", f.drug_life_years,
         {"years", 1, 60, "years a drug sells after launch, the tail after loss of exclusivity included"});
  v.real("bid_margin", f.bid_margin, {"fraction", 0, 1, "a bidder offers its own valuation less this share"});
  v.real("upfront_share", f.upfront_share,
         {"fraction", 0, 1,
          "share of an acquisition's headline value paid at closing; the rest as milestones at each later stage "
          "success (Booth 2015: ~50%)"});
  v.real("diligence_noise", f.diligence_noise,
         {"sd", 0, 10, "sd of a pharma firm's signal of an asset's quality before any readout (due diligence)"});
  v.real("outside_firms", f.outside_firms, {"count", 0, 1000, "pharma acquirers outside the grid (global buyers)"});
  v.real("compliance_cost_usd_per_year", f.compliance_cost_usd_per_year,
         {"USD/year", 0, kBig, "affiliate compliance cost of a large-group venture after the grace period"});
  v.real("site_opening_probability_per_year", f.site_opening_probability_per_year,
         {"1/year", 0, 1,
          "chance a pharma firm outside the grid opens an R&D site in its most attractive region (placeholder)"});
  v.real("site_rd_share", f.site_rd_share,
         {"fraction", 0, 1, "share of the parent's R&D budget spent at a new site (placeholder)"});
  v.real("alliance_share_of_rd", f.alliance_share_of_rd,
         {"fraction", 0, 1,
          "share of a firm's yearly R&D budget it may pay as licence upfronts to startups, out of its "
          "external-innovation cash (the acquisition budget); 0 = no licensing deals (assumption; US scenarios: "
          "0.1)"});
  v.real("licence_share", f.licence_share,
         {"fraction", 0, 1,
          "share of a licensed asset's sales (world and home) the licensee buys; the startup keeps the rest, "
          "the model's royalty (assumption)"});
  v.real("licence_upfront_share", f.licence_upfront_share,
         {"fraction", -1, 1,
          "share of a licensing deal's headline paid at signing, the rest as milestones (-1: upfront_share; Korean "
          "licence-out deals 2021-2023: 6.1%, korea_facts.csv k 601)"});
  v.end_section();

  auto& m = p.market;
  v.begin_section("market");
  v.real("wage_usd_month", m.wage_usd_month,
         {"USD/month", 0, 1e7, "base monthly wage of a life-science worker (MassBio: $161k/yr)"});
  v.real("phd_wage_premium", m.phd_wage_premium, {"ratio", 1, 10, "PhD wage / base wage"});
  v.real("overhead", m.overhead, {"ratio", 1, 10, "all-in cost per employee / wage (Pillar VC: ~$20k/month all-in)"});
  v.real("phd_share_of_staff", m.phd_share_of_staff, {"fraction", 0, 1, "PhD share of every employer's hires"});
  v.real("wage_elasticity", m.wage_elasticity,
         {"", 0, 10, "elasticity of the regional wage to 1 + unfilled openings per job seeker"});
  v.real("wage_adjustment_per_month", m.wage_adjustment_per_month,
         {"1/month", 0, 1, "speed at which wages move to target"});
  v.real("wage_curve_elasticity", m.wage_curve_elasticity,
         {"", 0, 5,
          "elasticity of the regional wage to the local unemployment rate, as the wage curve (Blanchflower & Oswald "
          "1994: about -0.1); 0: wages never fall below the base"});
  v.real("natural_unemployment", m.natural_unemployment,
         {"fraction", 0.001, 0.9, "unemployment rate of bio workers at which the wage curve gives the base wage"});
  v.real("commute_km", m.commute_km, {"km", 0, 1e4, "employers hire from talent within this distance"});
  v.real("separation_per_year", m.separation_per_year,
         {"1/year", 0, 1,
          "share of every employer's staff who retire or leave the sector each year and must be replaced "
          "(assumption)"});
  v.real("understaffing_elasticity", m.understaffing_elasticity,
         {"", 0, 10,
          "a startup short of its planned team advances at (headcount / plan)^this of its stage hazard; universities' "
          "discoveries and knowledge scale with their staffed share (0: staffing never slows anyone)"});
  v.real("local_multiplier", m.local_multiplier,
         {"jobs/job", 0, 100,
          "local service jobs per market job, for the derived employment_local_services series only (Moretti 2010: "
          "about 5 per high-tech job)"});
  v.real("migration_rate_per_year", m.migration_rate_per_year,
         {"1/year", 0, 10, "share of a region's job seekers who reconsider where to live each year"});
  v.real("migration_wage_weight", m.migration_wage_weight, {"", 0, 100, "logit weight of ln(wage) (FORMS.md 5)"});
  v.real("migration_amenity_weight", m.migration_amenity_weight, {"", 0, 100, "logit weight of the amenity index"});
  v.real("migration_jobs_weight", m.migration_jobs_weight,
         {"", 0, 100, "logit weight of ln(1 + a job seeker's yearly odds of being hired there: 12 x hires / seekers)"});
  v.real("migration_distance_weight", m.migration_distance_weight,
         {"", 0, 100, "logit weight of ln(1 + km / migration_distance_km) (distance elasticity 0.5-1.5, FORMS.md 5)"});
  v.real("migration_stay_bonus", m.migration_stay_bonus, {"", 0, 100, "logit bonus for staying (ties to home)"});
  v.real("migration_distance_km", m.migration_distance_km,
         {"km", 1, 1e5, "distance scale of migration: the logit weighs ln(1 + km / this) (assumption)"});
  v.real("outside_movers_per_year", m.outside_movers_per_year,
         {"persons/year", 0, 1e8,
          "bio workers outside the grid who weigh moving each year (the labour force outside x a job-change rate; "
          "0: a closed labour market)"});
  v.real("outside_distance_km", m.outside_distance_km,
         {"km", 0, 1e5, "typical distance between the outside labour market and the grid's regions"});
  v.real("outside_amenity", m.outside_amenity, {"index", 0, 1, "amenity index of the outside labour market"});
  v.real(
      "amenity_gain_per_billion_usd", m.amenity_gain_per_billion_usd,
      {"index/(1B USD)", 0, 10, "rise of a region's amenity index per 1B USD of infrastructure grants (placeholder)"});
  v.flag("ipo_window_open", m.ipo_window_open, "public markets take biotech listings");
  v.real("ipo_min_value_usd", m.ipo_min_value_usd,
         {"USD", 0, kBig, "smallest public valuation (before new money) at which a company can list"});
  v.real("ipo_raise_usd", m.ipo_raise_usd,
         {"USD", 0, kBig, "smallest amount an IPO raises (seed: 2012 average ~$51M); more when the plan needs it"});
  v.real("ipo_margin", m.ipo_margin,
         {"fraction", 0, 10,
          "a company lists only when the public value exceeds its investors' own valuation by this share (Lerner "
          "1994: list when public valuations are high)"});
  v.integer(
      "ipo_min_stage", m.ipo_min_stage,
      {"stage", 0, 4, "earliest stage of the lead asset at which a company can list (0 preclinical .. 4 filing)"});
  v.flag("tech_listing", m.tech_listing,
         "a listing needs a passed technology evaluation: two agencies each grade the lead asset on their own signal "
         "of its quality and both must grade it A (KOSDAQ technology-special listing, korea_facts.csv k 538)");
  v.real("tech_eval_min_odds", m.tech_eval_min_odds,
         {"probability", 0, 1,
          "an agency grades the asset A when its odds of approval from the current stage, at the agency's signal, "
          "reach this"});
  v.real("tech_eval_noise", m.tech_eval_noise,
         {"sd", 0, 10, "sd of an evaluating agency's signal of the asset's quality before any readout"});
  v.integer("tech_eval_months", m.tech_eval_months,
            {"months", 0, 60, "from the application to the listing decision (KRX review: 109.5 days in 2024, k 563)"});
  v.integer("tech_eval_reapply_months", m.tech_eval_reapply_months,
            {"months", 1, 600, "after an application a company waits this long before it can apply again"});
  v.real("public_discount_rate", m.public_discount_rate,
         {"1/year", 0, 2, "public investors' discount rate in valuing a listed biotech (assumption)"});
  v.real("public_noise", m.public_noise,
         {"sd", 0, 10, "sd of the public market's signal of an asset's quality before any readout"});
  v.real("market_index_volatility", m.market_index_volatility,
         {"1/sqrt(year)", 0, 5, "yearly sd of the log public-valuation index (the IPO window)"});
  v.real("market_index_persistence", m.market_index_persistence,
         {"", 0, 0.9999, "monthly AR(1) persistence of the log public-valuation index"});
  v.real(
      "crossover_max_share", m.crossover_max_share,
      {"fraction", 0, 1,
       "crossover investors (public-market funds buying private rounds ahead of an IPO) take at most this share "
       "of a round of a VC-backed company from crossover_min_stage on, at the lead's price, when the public market's "
       "value of the company (public rate, public signal, index) is at least that price, out of "
       "public_equity_usd_per_year (SVB 2019: the top 15 crossover investors funded 60 private companies in 2018; "
       "0 = none)"});
  v.integer(
      "crossover_min_stage", m.crossover_min_stage,
      {"stage", 0, 4, "first stage at which crossover investors join private rounds (0 preclinical .. 4 filing)"});
  v.real("public_equity_usd_per_year", m.public_equity_usd_per_year,
         {"USD/year", 0, kBig,
          "new money public investors put into this model's IPOs and follow-on offerings a year (a budget, reset "
          "each January)"});
  v.real("follow_on_equity_usd_per_year", m.follow_on_equity_usd_per_year,
         {"USD/year", -1, kBig,
          "a separate yearly budget for listed companies' follow-on offerings (rights offerings, placements), reset "
          "each January; < 0: they draw on public_equity_usd_per_year with IPOs and crossover rounds"});
  v.real("delist_value_usd", m.delist_value_usd,
         {"USD", 0, kBig, "a listed company whose market value falls below this is delisted"});
  v.integer("lockup_months", m.lockup_months,
            {"months", 0, 120,
             "months after a listing before its VCs sell their stakes to public investors at the market value (0: at "
             "the listing price); a secondary sale, outside public_equity_usd_per_year (the companies' new money)"});
  v.integer("listed_programmes", m.listed_programmes,
            {"count", 1, 10,
             "programmes a listed company holds from its listing: its lead asset and (n - 1) discovery programmes, "
             "each of which becomes the lead in turn when the lead fails and its owners value it above nothing "
             "(1: a single asset)"});
  v.real("corporate_tax_rate", m.corporate_tax_rate,
         {"fraction", 0, 1, "tax on pharma operating profit (US federal: 21%)"});
  v.real("capital_goods_duty", m.capital_goods_duty,
         {"fraction", 0, 1, "import duty included in equipment cost (placeholder)"});
  v.end_section();

  auto& q = p.policy;
  v.begin_section("policy");
  v.real("public_rd_usd_per_year", q.public_rd_usd_per_year,
         {"USD/year", 0, kBig, "national public bio R&D budget (Korea 2019: 2.93T KRW)"});
  v.real("basic_research_share", q.basic_research_share,
         {"fraction", 0, 1,
          "share of public R&D for basic research at universities (Korea ~0.40); the rest is applied R&D, "
          "policy.sme_grant_share of it the startups' competitive grants"});
  v.real("applied_grant_max_usd_per_year", q.applied_grant_max_usd_per_year,
         {"USD/year", 0, kBig,
          "one applied (SBIR-like) award to a startup, per year of its term (Korea: 0.25B KRW, k 253, 256)"});
  v.real("sme_grant_share", q.sme_grant_share,
         {"fraction", 0, 1,
          "share of the non-basic public R&D budget that funds the competitive applied-grant programme for SME "
          "startups; the rest is spent outside the grid (institutes, large firms). Korea: 421.5B KRW to bio SMEs "
          "in 2015 (k 256) of 0.6 x 2.38T KRW (k 274) = 0.295"});
  v.real("applied_grant_years", q.applied_grant_years,
         {"years", 1.0 / 12.0, 10, "term of an applied-grant award; the firm competes again when it ends"});
  v.real("grant_review_noise", q.grant_review_noise,
         {"sd", 0, 5,
          "sd of the reviewers' signal of a proposal's asset quality before any readout (narrowing with "
          "vc.noise_shrink_per_stage; as vc.screening_noise)"});
  v.real("grace_period_years", q.grace_period_years,
         {"years", 0, 50,
          "M&A grace period: years after a large group acquires a venture before it counts as the group's affiliate "
          "and bears the affiliate rules' compliance cost (Korea: 7 from 2016, 3 before, korea_facts.csv k 614-615)"});
  v.real("sme_grace_years", q.sme_grace_years,
         {"years", -1, 50,
          "years such a venture keeps SME status: the SME R&D credit and applied grants (Korea: 3, k 616; -1: "
          "grace_period_years)"});
  v.real("sme_rd_tax_credit", q.sme_rd_tax_credit, {"fraction", 0, 1, "national SME R&D tax credit (Korea: 25%)"});
  v.real("data_exclusivity_years", q.data_exclusivity_years,
         {"years", 0, 30, "years a new drug's data are protected (US 12, EU 10, Korea 6)"});
  v.real("drug_price_index", q.drug_price_index, {"ratio", 0, 10, "drug prices relative to the US (Korea ~1/6)"});
  v.real("world_sales_share", q.world_sales_share,
         {"fraction", 0, 1,
          "share of a drug's sales made on world markets at world prices (index 1) and world exclusivity; the "
          "rest sells at home at drug_price_index (0 = all at home; Korea's licence-out deals, korea_facts.csv ids "
          "575-582, price its assets for world markets)"});
  v.real("world_exclusivity_years", q.world_exclusivity_years,
         {"years", 0, 100, "market exclusivity of the world-market sales (US biologics data exclusivity: 12)"});
  v.flag("acquisitions_allowed", q.acquisitions_allowed, "false: IPO is the only exit");
  v.flag("serial_founders", q.serial_founders, "founders of exited startups may found again (Hybritech effect)");
  v.real("demand_programme_usd_per_year", q.demand_programme_usd_per_year,
         {"USD/year", 0, kBig,
          "public purchase of the grid's contract-manufacturing output at production.price_usd_per_litre_year: "
          "extra demand, paid by the government (Operation Warp Speed: about $10B, seed digest §f.16); schedule "
          "it for a programme's years"});
  v.end_section();

  v.begin_section("fields");
  v.real("knowledge_decay_per_year", p.fields.knowledge_decay_per_year,
         {"1/year", 0, 1, "knowledge stock depreciation"});
  v.real(
      "diffusion_per_month", p.fields.diffusion_per_month,
      {"fraction", 0, 0.25, "share of a cell's knowledge and talent spreading to each of its 4 neighbours each month"});
  v.real("talent_attrition_per_year", p.fields.talent_attrition_per_year,
         {"1/year", 0, 12,
          "rate at which job seekers not hired leave the bio labour pool for other work (1: within a year on average; "
          "assumption, MODEL.md §7.7)"});
  v.real("rent_pressure_per_firm", p.fields.rent_pressure_per_firm,
         {"1/firm", 0, 10, "relative rise of a cell's rent per firm located in it"});
  v.end_section();

  auto& k = p.capital;
  v.begin_section("capital");
  v.real("lp_commitments_usd_per_year", k.lp_commitments_usd_per_year,
         {"USD/year", 0, kBig,
          "new commitments limited partners offer VC managers each January, nationally; what is not allocated "
          "lapses (scenarios: what the modelled firms raise, sum of fund sizes / 5 years)"});
  v.real("lp_recycle_share", k.lp_recycle_share,
         {"fraction", 0, 1, "share of last year's distributions to limited partners added to this year's pool"});
  v.real("first_fund_usd", k.first_fund_usd,
         {"USD", 0, kBig, "fund a first-time manager raises (Kaplan & Schoar 2005: first funds are smaller)"});
  v.real(
      "ask_elasticity", k.ask_elasticity,
      {"", 0, 5, "a manager asks last fund size x TVPI^this: size rises concavely in performance (Kaplan & Schoar)"});
  v.real("ask_max_growth", k.ask_max_growth, {"ratio", 1, 100, "the ask is at most this multiple of the last fund"});
  v.real("weight_elasticity", k.weight_elasticity,
         {"", 0, 10, "limited partners allocate in proportion to ask x TVPI^this (performance persists)"});
  v.real("min_close_share", k.min_close_share,
         {"fraction", 0, 1, "a raise allocated less than this share of its ask fails; the manager retries"});
  v.integer(
      "max_raise_attempts", k.max_raise_attempts,
      {"years", 1, 100, "Januaries a manager may fail to raise before it fades (last fund harvests, no new one)"});
  v.real("raise_deployed_share", k.raise_deployed_share,
         {"fraction", 0, 1,
          "limited partners commit to a manager's next fund only once it has placed this share of its current "
          "fund's budget for new companies (managers return to market when 60-75% of a fund is invested or "
          "reserved, Gompers & Lerner 1999 [recalled]); a manager that cannot place its fund fails to raise and, "
          "after max_raise_attempts, fades"});
  v.integer("max_entrants_per_year", k.max_entrants_per_year,
            {"firms/year", 0, 10000,
             "new managers per year, each with a first fund, while commitments are left unallocated (vc."
             "entry_per_billion_usd > 0 turns entry on)"});
  v.real("regional_share", k.regional_share,
         {"fraction", 0, 1,
          "share of each January's LP pool reserved for managers based outside the capital area (the fund-of-funds' "
          "regional venture funds, korea_facts.csv k 521-537): allocated first among them, and what they leave "
          "funds new managers placed outside the capital area only"});
  v.real("founder_capital_usd", k.founder_capital_usd,
         {"USD", 0, kBig, "founders' and angels' capital per region at step 0 (regions may set their own)"});
  v.real("founder_reinvest_share", k.founder_reinvest_share,
         {"fraction", 0, 1,
          "share of what founders and angels receive at exits that returns to the region's pool (rest to households)"});
  v.real("fof_budget_usd_per_year", k.fof_budget_usd_per_year,
         {"USD/year", 0, kBig,
          "the government fund-of-funds' new commitments to VC funds each January, from the public budget; what "
          "private limited partners do not match lapses (Korea: KVIC's mother fund, korea_facts.csv k 475-535)"});
  v.real("fof_share", k.fof_share,
         {"fraction", 0.01, 1,
          "the fund-of-funds' share of each fund it backs (the matching ratio: private LPs put in the rest; KVIC "
          "40-80%, k 484-489)"});
  v.real("fof_regional_share", k.fof_regional_share,
         {"fraction", 0, 1,
          "share of the fund-of-funds' pool reserved for managers based outside the capital area (its regional "
          "venture funds, k 521-535)"});
  v.real("fof_recycle_share", k.fof_recycle_share,
         {"fraction", 0, 1,
          "share of what the fund-of-funds received back last year that it recommits (k 495: recovered money "
          "recommitted); the rest returns to the government"});
  v.end_section();

  v.begin_section("location");
  describe_location(v, "founder", p.location.founder);
  describe_location(v, "relocation", p.location.relocation);
  describe_location(v, "rd_site", p.location.rd_site);
  describe_location(v, "vc_office", p.location.vc_office);
  v.end_section();

  v.begin_section("output");
  v.text("level", p.output.level,
         "what the run file holds: summary (run totals per metric and region), series (+ monthly time series), "
         "events (+ the event table), full (+ agent and field snapshots); sweeps default to summary",
         kOutputLevels);
  v.text("report_currency", p.output.report_currency,
         "currency in which the reports and explorers show amounts (KRW: converted at run.krw_per_usd, in 억/조); "
         "the run file itself is always in run.currency",
         kReportCurrencies);
  v.integer("snapshot_every_steps", p.output.snapshot_every_steps,
            {"steps", 0, 1e6, "agent-state snapshot interval (0: none)"});
  v.integer("field_snapshot_every_steps", p.output.field_snapshot_every_steps,
            {"steps", 0, 1e6, "grid-field snapshot interval (0: none)"});
  v.integer("flush_every_steps", p.output.flush_every_steps, {"steps", 1, 1e6, "flush the output file every N steps"});
  v.end_section();
}

namespace {

bool given(double deg) { return deg != kNoCoordinate; }

/// Geographic positions (MODEL.md §8, "grid"): a region's lat/lon place it on the grid; both or
/// neither of a pair; only on a grid placed on the Earth; x_km/y_km, if also written, agree.
void check_coordinates(sim::ApplyVisitor& v, const sim::ScenarioDoc& doc, Params& p) {
  auto& g = p.grid;
  const auto written = [&](const std::string& path) {
    if (!doc.path_index.empty()) return doc.path_index.count(path) > 0;
    return std::any_of(doc.entries.begin(), doc.entries.end(), [&](const sim::DocEntry& e) { return e.path == path; });
  };
  if (given(g.origin_lat_deg) != given(g.origin_lon_deg))
    v.error_at(given(g.origin_lat_deg) ? "grid.origin_lon_deg" : "grid.origin_lat_deg",
               "the grid's origin needs both grid.origin_lat_deg and grid.origin_lon_deg (or neither)");
  for (const auto& [key, deg, lim] :
       {std::tuple{"grid.origin_lat_deg", g.origin_lat_deg, 90.0}, {"grid.origin_lon_deg", g.origin_lon_deg, 180.0}})
    if (given(deg) && std::abs(deg) > lim)
      v.error_at(key, std::string(key) + " = " + sim::format_double(deg) + " is not a " +
                          (lim == 90.0 ? "latitude" : "longitude") + "; allowed [" + sim::format_double(-lim) + ", " +
                          sim::format_double(lim) + "] (or -999: not given)");
  const bool placed = given(g.origin_lat_deg) && given(g.origin_lon_deg);
  for (auto& r : p.regions) {
    const std::string base = "regions." + r.name + ".";
    if (!given(r.lat_deg) && !given(r.lon_deg)) continue;
    if (given(r.lat_deg) != given(r.lon_deg)) {
      v.error_at(base + (given(r.lat_deg) ? "lon_deg" : "lat_deg"),
                 "region '" + r.name + "' gives one of lat_deg and lon_deg; give both (or neither)");
      continue;
    }
    if (std::abs(r.lat_deg) > 90 || std::abs(r.lon_deg) > 180) {
      v.error_at(base + "lat_deg", "region '" + r.name + "' at (" + sim::format_double(r.lat_deg) + ", " +
                                       sim::format_double(r.lon_deg) +
                                       ") is not on the Earth; allowed latitude [-90, 90], longitude [-180, 180]");
      continue;
    }
    if (!placed) {
      v.error_at(base + "lat_deg", "region '" + r.name +
                                       "' gives lat_deg/lon_deg but the grid is not placed on the Earth; set "
                                       "grid.origin_lat_deg and grid.origin_lon_deg (the grid's south-west corner)");
      continue;
    }
    const double x = projected_x_km(g, r.lat_deg, r.lon_deg);
    const double y = projected_y_km(g, r.lat_deg);
    for (const auto& [key, wrote, proj] :
         {std::tuple<const char*, double, double>{"x_km", r.x_km, x}, {"y_km", r.y_km, y}}) {
      if (!written(base + key)) continue;
      if (std::abs(wrote - proj) > 0.5)
        v.error_at(base + key, "region '" + r.name + "' has " + key + " = " + sim::format_double(wrote) +
                                   " but its lat_deg/lon_deg project to " +
                                   sim::format_double(std::round(proj * 100) / 100) + " km (tolerance 0.5 km); drop " +
                                   key + " or correct the coordinates");
    }
    if (!written(base + "x_km")) r.x_km = x;
    if (!written(base + "y_km")) r.y_km = y;
  }
}

/// The scenario without its schedule, validated (every check of MODEL.md §8).
Params load_base(const sim::ScenarioDoc& doc) {
  Params p;
  // Amounts may be written as "<number> KRW": the rate comes from run.krw_per_usd (read first).
  double krw = p.run.krw_per_usd;
  for (const auto& e : doc.entries)
    if (e.path == "run.krw_per_usd") {
      if (const auto* d = std::get_if<double>(&e.value)) krw = *d;
      if (const auto* i = std::get_if<std::int64_t>(&e.value)) krw = static_cast<double>(*i);
    }
  sim::ApplyVisitor v(doc);
  if (krw >= 1) v.add_currency("KRW", 1.0 / krw, "run.krw_per_usd");
  v.add_currency("USD", 1.0, "");
  describe(v, p);
  // Cross-field checks: contradictory parameters.
  if (p.regions.empty()) v.error_at("regions", "the scenario defines no region; add at least one [regions.NAME] table");
  check_coordinates(v, doc, p);
  for (const auto& r : p.regions) {
    const std::string base = "regions." + r.name + ".";
    if (r.x_km >= p.grid.width * p.grid.cell_km || r.y_km >= p.grid.height * p.grid.cell_km)
      v.error_at(base + "x_km",
                 "region '" + r.name + "' centre (" + sim::format_double(r.x_km) + ", " + sim::format_double(r.y_km) +
                     ") km lies outside the grid (" + sim::format_double(p.grid.width * p.grid.cell_km) + " x " +
                     sim::format_double(p.grid.height * p.grid.cell_km) + " km); move it or enlarge [grid]");
    if (r.research_hospitals > r.hospitals)
      v.error_at(base + "research_hospitals", "region '" + r.name +
                                                  "' has research_hospitals = " + std::to_string(r.research_hospitals) +
                                                  " > hospitals = " + std::to_string(r.hospitals) +
                                                  "; research hospitals are counted among hospitals");
    if (r.policy.loan_usd > 0 && r.policy.loan_budget_usd_per_year <= 0)
      v.error_at(base + "policy.loan_usd",
                 "region '" + r.name + "' offers loans (policy.loan_usd = " + sim::format_double(r.policy.loan_usd) +
                     ") without a budget; set policy.loan_budget_usd_per_year (public money comes from a budget, "
                     "MODEL.md 7.9)");
    if (r.large_group_firms > r.pharma_firms)
      v.error_at(base + "large_group_firms", "region '" + r.name +
                                                 "' has large_group_firms = " + std::to_string(r.large_group_firms) +
                                                 " > pharma_firms = " + std::to_string(r.pharma_firms) +
                                                 "; large groups are counted among pharma firms");
  }
  if (p.vc.investment_period_years > p.vc.fund_life_years)
    v.error_at("vc.investment_period_years",
               "vc.investment_period_years (" + sim::format_double(p.vc.investment_period_years) +
                   ") exceeds vc.fund_life_years (" + sim::format_double(p.vc.fund_life_years) + ")");
  if (p.regions.size() > 30000) v.error_at("regions", "at most 30000 regions");
  v.finish();
  return p;
}

std::string base_toml(const Params& p) {
  Params copy = p;
  return sim::print_parameters(copy, [](sim::ParamVisitor& v, Params& q) { describe(v, q); });
}

/// Why `key` cannot be scheduled ("" if it can): keys the model reads only when it builds the
/// world would change nothing mid-run (MODEL.md §8.1).
std::string unschedulable(const std::string& key) {
  auto starts = [&](std::string_view pre) { return key.rfind(pre, 0) == 0; };
  auto ends = [&](std::string_view suf) {
    return key.size() >= suf.size() && key.compare(key.size() - suf.size(), suf.size(), suf) == 0;
  };
  if (starts("run.") || starts("grid.") || starts("output.") || starts("fields."))
    return "run, grid, output and field settings are fixed for the whole run";
  if (starts("regions.")) {
    if (key.find(".policy.") == std::string::npos)
      return "a region's sites, agents and amenity are set when the world is built; only its policy can be scheduled";
    for (const char* k : {".policy.rent_discount", ".policy.public_fund_usd", ".policy.founder_capital_usd"})
      if (ends(k)) return "read only when the world is built (rents, the public fund's endowment, the founders' pool)";
    return "";
  }
  for (const char* k : {"hospital.beds", "pharma.outside_firms", "startup.initial_headcount_max",
                        "startup.initial_stage_spread", "vc.fund_size_usd", "capital.founder_capital_usd"})
    if (key == k) return "read only when the world is built (the agents present at step 0)";
  for (const char* sec : {"policy.", "capital.", "location.", "vc.", "market.", "pharma.", "production.", "startup.",
                          "university.", "hospital."})
    if (starts(sec)) return "";
  return "not a parameter that can change during a run";
}

/// Reads the [schedule."WINDOW"] entries of `doc` (their paths start with "schedule."): window,
/// key, value; checks the window lies in the run, the key can change mid-run, ramps are numeric
/// and no two windows of one key overlap. Errors are collected into `errors`.
std::vector<ScheduledValue> read_schedule(const std::vector<sim::DocEntry>& entries, const Params& p,
                                          std::vector<std::string>& errors) {
  std::vector<ScheduledValue> out;
  auto step_of = [&](sim::YearMonth ym) {
    return static_cast<std::int64_t>(ym.year - p.run.start.year) * 12 + (ym.month - p.run.start.month);
  };
  for (const auto& e : entries) {
    const std::string rest = e.path.substr(9);  // after "schedule."
    // "YYYY-MM" or "YYYY-MM..YYYY-MM" (whose ".." the flat path cannot tell from key dots).
    const bool ramp = rest.size() > 9 && rest.compare(7, 2, "..") == 0;
    const auto dot =
        ramp ? (rest.size() > 16 && rest[16] == '.' ? std::size_t{16} : std::string::npos) : rest.find('.');
    const std::string where = e.pos.str() + ": schedule";
    if (dot == std::string::npos) {
      errors.push_back(where + ": '" + clip_for_message(e.path) +
                       "' is not a table of changes; write [schedule.\"YYYY-MM\"] and then key = value lines");
      continue;
    }
    ScheduledValue sv;
    sv.window = rest.substr(0, dot);
    sv.key = rest.substr(dot + 1);
    sv.value = e.value;
    sv.pos = e.pos;
    const auto sep = sv.window.find("..");
    try {
      const auto a = sim::parse_year_month(sv.window.substr(0, sep));
      const auto b = sep == std::string::npos ? a : sim::parse_year_month(sv.window.substr(sep + 2));
      sv.from = step_of(a);
      sv.to = step_of(b);
    } catch (const ConfigError& x) {
      errors.push_back(where + " '" + clip_for_message(sv.window) + "': " + x.what() +
                       "; a window is \"YYYY-MM\" (a change) or \"YYYY-MM..YYYY-MM\" (a linear ramp)");
      continue;
    }
    // A window may reach past the end of the run (a shortened run keeps its schedule file): what
    // falls after the last month does not act.
    if (sv.from < 1 || sv.to < sv.from) {
      errors.push_back(where + " '" + sv.window + "': the window must begin after the start month (" +
                       sim::to_string(p.run.start) + ", whose values are the scenario's own) and end after it begins");
      continue;
    }
    if (sv.key.rfind("regions.", 0) == 0) {
      const std::string name = sv.key.substr(8, sv.key.find('.', 8) - 8);
      if (std::none_of(p.regions.begin(), p.regions.end(), [&](const RegionParams& r) { return r.name == name; })) {
        std::string names;
        for (const auto& r : p.regions) names += (names.empty() ? "" : ", ") + r.name;
        errors.push_back(where + " '" + sv.window + "': no region '" + clip_for_message(name) +
                         "' in the scenario; a schedule changes existing regions (" + clip_for_message(names, 200) +
                         ")");
        continue;
      }
    }
    if (const auto why = unschedulable(sv.key); !why.empty()) {
      errors.push_back(where + " '" + sv.window + "': '" + clip_for_message(sv.key) + "' cannot be scheduled: " + why);
      continue;
    }
    // An amount written "<number> KRW" (or USD) is converted to the model currency here, so that
    // ramps can move it (the rate is run.krw_per_usd, as for the scenario's own amounts).
    if (const auto* t = std::get_if<std::string>(&sv.value)) {
      char* end = nullptr;
      const double x = std::strtod(t->c_str(), &end);
      const std::string unit = end && end != t->c_str() ? std::string(end) : std::string();
      if (unit == " KRW" && p.run.krw_per_usd >= 1) sv.value = x / p.run.krw_per_usd;
      if (unit == " USD") sv.value = x;
    }
    const bool numeric = std::holds_alternative<double>(sv.value) || std::holds_alternative<std::int64_t>(sv.value);
    if (sv.to > sv.from && !numeric) {
      errors.push_back(where + " '" + sv.window + "': '" + sv.key +
                       "' is ramped but its value is not a number; a ramp moves a number linearly, use a one-month "
                       "window for a switch or a text");
      continue;
    }
    bool clash = false;
    for (const auto& o : out)
      if (o.key == sv.key && sv.from <= o.to && o.from <= sv.to) {
        errors.push_back(where + " '" + sv.window + "': '" + sv.key + "' is already scheduled in '" + o.window + "' (" +
                         o.pos.str() + "); windows of one key may not overlap");
        clash = true;
        break;
      }
    if (!clash) out.push_back(std::move(sv));
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const ScheduledValue& a, const ScheduledValue& b) { return a.from < b.from; });
  return out;
}

double as_number(const sim::ScalarValue& v) {
  if (const auto* d = std::get_if<double>(&v)) return *d;
  if (const auto* i = std::get_if<std::int64_t>(&v)) return static_cast<double>(*i);
  return 0.0;
}

/// The parameters in force at every step where a schedule changes one (every month of a ramp),
/// each loaded through the same checks as the scenario itself (a value out of range fails here,
/// at its schedule line).
std::shared_ptr<const ScheduleSnapshots> build_snapshots(const Params& base, const std::string& main_file) {
  const sim::ScenarioDoc resolved = sim::parse_scenario_text(base_toml(base), main_file);
  std::vector<std::int64_t> steps;
  for (const auto& sv : base.schedule)
    for (std::int64_t t = sv.from; t <= std::min(sv.to, base.run.steps - 1); ++t) steps.push_back(t);
  std::sort(steps.begin(), steps.end());
  steps.erase(std::unique(steps.begin(), steps.end()), steps.end());
  auto out = std::make_shared<ScheduleSnapshots>();
  sim::ScenarioDoc doc = resolved;
  for (const auto t : steps) {
    // Each key's value at step t: changes in order of their windows (they never overlap per key).
    for (const auto& sv : base.schedule) {
      if (sv.from > t) continue;
      sim::DocEntry e{sv.key, sv.value, sv.pos};
      if (sv.to > t) {  // within a ramp: from the value in force just before it began
        double before = 0;
        bool integer = false;
        for (const auto& r : resolved.entries)
          if (r.path == sv.key) before = as_number(r.value), integer = std::holds_alternative<std::int64_t>(r.value);
        for (const auto& o : base.schedule)
          if (o.key == sv.key && o.to < sv.from) before = as_number(o.value);
        const double f = static_cast<double>(t - sv.from + 1) / static_cast<double>(sv.to - sv.from + 1);
        const double x = before + f * (as_number(sv.value) - before);
        if (integer)
          e.value = static_cast<std::int64_t>(std::llround(x));
        else
          e.value = x;
      }
      doc.set(e);
    }
    Params q = load_base(doc);
    q.schedule = base.schedule;
    out->steps.push_back(t);
    out->params.push_back(std::move(q));
  }
  return out;
}

}  // namespace

Params load_params(const sim::ScenarioDoc& doc) {
  sim::ScenarioDoc plain;
  plain.main_file = doc.main_file;
  plain.sources = doc.sources;
  std::vector<sim::DocEntry> scheduled;
  for (const auto& e : doc.entries) {
    if (e.path.rfind("schedule.", 0) == 0)
      scheduled.push_back(e);
    else
      plain.set(e);
  }
  Params p = load_base(plain);
  if (scheduled.empty()) return p;
  std::vector<std::string> errors;
  p.schedule = read_schedule(scheduled, p, errors);
  if (!errors.empty()) {
    std::string m = "scenario '" + doc.main_file + "' has " + std::to_string(errors.size()) + " error" +
                    (errors.size() > 1 ? "s" : "") + ":";
    for (const auto& e : errors) m += "\n  " + e;
    throw ConfigError(m);
  }
  p.snapshots = build_snapshots(p, doc.main_file);
  return p;
}

const Params* scheduled_params(const Params& p, std::int64_t step) {
  if (!p.snapshots) return nullptr;
  const auto& s = p.snapshots->steps;
  const auto it = std::lower_bound(s.begin(), s.end(), step);
  if (it == s.end() || *it != step) return nullptr;
  return &p.snapshots->params[static_cast<std::size_t>(it - s.begin())];
}

std::string scalar_text(const sim::ScalarValue& v) {
  if (const auto* d = std::get_if<double>(&v)) return sim::format_double(*d);
  if (const auto* i = std::get_if<std::int64_t>(&v)) return std::to_string(*i);
  if (const auto* b = std::get_if<bool>(&v)) return *b ? "true" : "false";
  return std::get<std::string>(v);
}

std::string to_toml(const Params& p) {
  std::string out = base_toml(p);
  // The schedule as written, so that the resolved text loads back to the same run.
  std::vector<std::string> windows;
  for (const auto& sv : p.schedule)
    if (std::find(windows.begin(), windows.end(), sv.window) == windows.end()) windows.push_back(sv.window);
  for (const auto& window : windows) {
    out += "\n[schedule.\"" + window + "\"]\n";
    for (const auto& sv : p.schedule) {
      if (sv.window != window) continue;
      const bool text = std::holds_alternative<std::string>(sv.value);
      const std::string value = text ? "\"" + scalar_text(sv.value) + "\"" : scalar_text(sv.value);
      out += "\"" + sv.key + "\" = " + value + "\n";
    }
  }
  return out;
}

std::string to_markdown(const Params& p) {
  Params copy = p;
  return "| key | default | unit | range | description |\n|---|---|---|---|---|\n" +
         sim::print_parameters(
             copy, [](sim::ParamVisitor& v, Params& q) { describe(v, q); }, true);
}

const std::vector<PlausibleRange>& plausible_ranges() {
  static const std::vector<PlausibleRange> r{
      {"vc.discount_rate", 1.0, 2.0, "early-stage biotech VCs discount at 20-40% (Cockburn & Lerner 2009; FORMS.md 4)"},
      {"vc.screening_noise", 0.5, 2.0, "assumption: how well an outside investor reads an asset before any readout"},
      {"vc.distance_half_km", 0.5, 2.0, "Sorenson & Stuart (2001) estimate the decay with wide intervals"},
      {"pharma.discount_rate", 0.8, 1.25, "pharma's cost of capital, 8-12.5% (DiMasi 2016: 10.5%)"},
      {"pharma.peak_sales_median_usd", 0.5, 2.0, "lifetime-to-peak conversion of Wouters et al. 2024 (assumption)"},
      {"pharma.bid_margin", 0.33, 2.0, "assumption: a bidder's shading of its valuation, 5-30%"},
      {"pharma.compliance_cost_usd_per_year", 0.25, 4.0, "placeholder for the affiliate rules' cost (issue #16)"},
      {"market.public_discount_rate", 0.8, 1.2, "public investors' rate for listed biotech, 10-15% (assumption)"},
      {"market.wage_elasticity", 0.5, 2.0, "wage-curve elasticities in the literature span about 0.1-1 (FORMS.md 5)"},
      {"startup.serial_founding_probability", 0.5, 1.5, "assumption: the Hybritech effect's strength"},
      {"capital.lp_recycle_share", 0.6, 1.0, "fitted (US) or assumed (Korea): what LPs recommit of distributions"},
  };
  return r;
}

double projected_x_km(const GridParams& g, double lat_deg, double lon_deg) {
  return (lon_deg - g.origin_lon_deg) * kKmPerDegree * std::cos(lat_deg * std::numbers::pi / 180.0);
}

double projected_y_km(const GridParams& g, double lat_deg) { return (lat_deg - g.origin_lat_deg) * kKmPerDegree; }

}  // namespace biocluster::agents
