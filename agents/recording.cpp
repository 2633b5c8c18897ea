// What a run records: metric declarations and values, the invariant guard, the snapshot schema.
// docs/MODEL.md §7.10, docs/OUTPUT.md.
#include "agents/recording.hpp"

#include <cmath>
#include <string>

#include "agents/books.hpp"
#include "agents/world.hpp"
#include "sim/errors.hpp"

namespace biocluster::agents {

void register_metrics(World& w) {
  auto& t = w.metrics;
  auto& m = w.m;
  m.universities = t.add("universities", "count", "universities in the region");
  m.hospitals = t.add("hospitals", "count", "hospitals in the region (research hospitals included)");
  m.startups = t.add("startups", "count", "live startups in the region (subsidiaries and listed included)");
  m.vc_firms = t.add("vc_firms", "count",
                     "venture-capital firms that have entered the region, faded ones included (public fund "
                     "included; vc_firms_active: those investing)");
  m.pharma_firms = t.add("pharma_firms", "count", "pharma firms with a site in the region");
  for (int s = 0; s < kStageCount; ++s)
    m.startups_by_stage[static_cast<std::size_t>(s)] =
        t.add(std::string("startups_stage_") + kStageNames[s], "count",
              std::string("live startups whose lead asset is in stage ") + kStageNames[s]);
  m.startups_service =
      t.add("startups_service", "count", "live service firms (tools, devices, services; no drug pipeline)");
  m.founded = t.add_flow("startups_founded", "count/month", "startups founded this month");
  for (int o = 0; o < kOriginCount; ++o)
    m.founded_by_origin[static_cast<std::size_t>(o)] =
        t.add_flow(std::string("startups_founded_") + kOriginNames[o], "count/month",
                   std::string("startups founded this month with origin ") + kOriginNames[o]);
  m.failed = t.add_flow("startups_failed", "count/month", "startups that failed this month");
  m.acquired = t.add_flow("startups_acquired", "count/month", "startups acquired this month (all acquirers)");
  m.acquired_local = t.add_flow("acquired_by_local", "count/month", "acquired by a pharma firm of the same region");
  m.acquired_other_region =
      t.add_flow("acquired_by_other_region", "count/month", "acquired by a pharma firm of another region");
  m.acquired_outside = t.add_flow("acquired_by_outside", "count/month", "acquired by a pharma firm outside the grid");
  m.acquired_large_group = t.add_flow("acquired_by_large_group", "count/month", "acquired by a large business group");
  m.acquired_on_grace = t.add_flow(
      "acquired_on_grace", "count/month",
      "acquisitions by a large group whose bid won only with its grace-period value (without it the bid would not "
      "have beaten the next bid or the board's value of going on)");
  m.acquisition_no_bid = t.add_flow("acquisition_no_bid", "count/month",
                                    "acquisition candidates (independent clinical-stage or approved, investor-backed) "
                                    "that got no bid a buyer could afford this month");
  m.acquisition_declined =
      t.add_flow("acquisition_declined", "count/month",
                 "acquisition candidates whose best bid was below the board's value of going on (the board declined)");
  m.alliances = t.add_flow("alliances", "count/month", "pharma alliances signed this month by the region's startups");
  m.group_funding =
      t.add_flow("group_funding", "USD/month",
                 "money pharma parents put into their acquired ventures (follow-on investment of the group)");
  m.alliances_outside = t.add_flow("alliances_outside", "count/month",
                                   "of which licensed to a pharma firm outside the grid (licence-out deals)");
  m.listed = t.add_flow("startups_listed", "count/month", "startups listed on a stock market (IPO) this month");
  m.listing_applications =
      t.add_flow("listing_applications", "count/month",
                 "technology evaluations applied for this month (market.tech_listing; MODEL.md §7.4)");
  m.listing_rejections = t.add_flow("listing_rejections", "count/month",
                                    "technology evaluations that came back failed this month (market.tech_listing)");
  m.ipo_blocked_window = t.add_flow(
      "ipo_blocked_window", "count/month",
      "private startups at a listable stage (market.ipo_min_stage, a priced round) while the IPO window was shut");
  m.ipo_blocked_budget = t.add_flow(
      "ipo_blocked_budget", "count/month",
      "listings the market valued and the firm wanted that did not happen: the year's public equity was spent");
  m.trial_waits = t.add_flow("trial_waits", "count/month",
                             "startups ready for a trial with no hospital slot within hospital.trial_reach_km, or "
                             "short of the fee, this month");
  m.grants_awarded = t.add_flow("grants_awarded", "count/month",
                                "applied-grant awards made this month (policy.sme_grant_share; MODEL.md §7.9)");
  m.grants_unfunded =
      t.add_flow("grants_unfunded", "count/month",
                 "SME-eligible startups without a running award whose application was not funded this month: the "
                 "programme's budget bound");
  m.approvals = t.add_flow("approvals", "count/month", "lead assets approved this month");
  m.rounds_failed = t.add_flow("rounds_failed", "count/month",
                               "startups seeking a round that no investor priced, or too few joined at the price");
  m.rounds_failed_worthless =
      t.add_flow("rounds_failed_worthless", "count/month",
                 "failed rounds: the asset is worth nothing at the VC rate even to the most optimistic signal");
  m.rounds_failed_unseen = t.add_flow(
      "rounds_failed_unseen", "count/month",
      "failed rounds: investors with room were in reach, but none heard of the company or valued it above 0");
  m.rounds_failed_no_room =
      t.add_flow("rounds_failed_no_room", "count/month",
                 "failed rounds: no investor in reach had room (paced budget spent, fund closed or out of money), or "
                 "those that valued it ran out of room this month");
  m.rounds_failed_target =
      t.add_flow("rounds_failed_target", "count/month",
                 "failed rounds: investors with room valued it, but none expected a sale to return vc.target_multiple");
  m.rounds_failed_short =
      t.add_flow("rounds_failed_short", "count/month",
                 "failed rounds: a lead priced it, but investors at that price filled less than vc.min_round_fill");
  m.delisted = t.add_flow("delisted", "count/month", "listed companies delisted (market value below the minimum)");
  m.public_follow_on = t.add_flow("public_follow_on", "USD/month",
                                  "follow-on offerings of the region's listed companies (out of "
                                  "market.public_equity_usd_per_year, with IPOs and crossover rounds)");
  m.listed_firms = t.add("listed_firms", "count", "live listed companies of the region");
  m.programmes_promoted = t.add_flow(
      "programmes_promoted", "count/month",
      "firms whose lead asset failed and whose next discovery programme became the lead (market.listed_programmes)");
  m.drug_sales = t.add_flow("drug_sales", "USD/month", "sales of approved drugs owned by independent or listed firms");
  m.public_index = t.add("public_valuation_index", "index",
                         "the public market's valuation index (national; 1 = neutral), the IPO window");
  m.trial_starts = t.add_flow("trial_starts", "count/month", "clinical trials started this month");
  m.licences = t.add_flow("licences", "count/month",
                          "university technologies licensed this month (spin-offs, pharma, startups)");
  m.serial_founders = t.add_flow("serial_founders", "count/month", "startups founded by founders of an exited startup");
  m.employment_startups = t.add("employment_startups", "persons", "employees of startups");
  m.employment_pharma =
      t.add("employment_pharma", "persons", "R&D staff of local pharma sites, hired up to what R&D salaries pay for");
  m.employment_universities = t.add("employment_universities", "persons",
                                    "research staff of universities, hired up to what research money pays for");
  m.employment_hospitals = t.add("employment_hospitals", "persons",
                                 "research staff of research hospitals, hired up to what their funding pays for");
  m.employment_production =
      t.add("employment_production", "persons", "staff of production and contract-manufacturing (CDMO) plants");
  m.employment_total = t.add("employment_total", "persons", "all bio employment above");
  m.employment_market =
      t.add("employment_market", "persons",
            "market jobs: staff paid from sales and investors' money (startups, pharma R&D sites, production plants)");
  m.production_plants = t.add("production_plants", "count", "production and contract-manufacturing (CDMO) plants");
  m.production_capacity =
      t.add("production_capacity", "litres", "bioreactor capacity of the plants in operation (MODEL.md §7.5)");
  m.production_revenue =
      t.add_flow("production_revenue", "USD/month", "contract-manufacturing revenue of the region's plants");
  m.employment_budget =
      t.add("employment_budget", "persons",
            "budget-derived jobs: staff hired with public research money (universities, research hospitals)");
  m.employment_local_services =
      t.add("employment_local_services", "persons",
            "DERIVED, not simulated: local service jobs implied by the market jobs, market.local_multiplier x "
            "employment_market (Moretti 2010); not counted in employment_total");
  m.founded_moved_in = t.add_flow("foundings_moved_in", "count/month",
                                  "startups founded here by founders from another region (location choice)");
  m.founded_moved_out = t.add_flow("foundings_moved_out", "count/month",
                                   "founders from this region who started their company in another region");
  m.relocations_in = t.add_flow("relocations_in", "count/month", "startups that moved here after a priced round");
  m.relocations_out = t.add_flow("relocations_out", "count/month", "startups that left after a priced round");
  m.talent_pool = t.add("talent_pool", "persons", "job seekers (all skills) in the region's cells");
  m.talent_pool_phd = t.add("talent_pool_phd", "persons", "job seekers with a PhD in the region's cells");
  m.wage = t.add("wage", "USD/(person month)", "monthly wage of a life-science worker in the region");
  m.vacancies = t.add("vacancies", "persons", "openings of every employer left unfilled after the month's hiring");
  m.hires = t.add_flow("hires", "persons/month", "persons hired by every employer in the region");
  m.migrants_in = t.add_flow("migrants_in", "persons/month",
                             "job seekers who moved into the region (from other regions and from outside the grid)");
  m.migrants_out = t.add_flow("migrants_out", "persons/month",
                              "job seekers who left the region (for other regions and for outside the grid)");
  m.unemployment_rate = t.add("unemployment_rate", "fraction",
                              "job seekers / (job seekers + staff of every employer) in the region, after hiring");
  m.knowledge_stock = t.add("knowledge_stock", "units", "knowledge stock summed over the region's cells");
  m.mean_rent = t.add("mean_rent", "USD/m2/month", "mean rent over the region's cells");
  m.amenity = t.add("amenity_index", "index", "amenity index of the region");
  m.vc_invested =
      t.add_flow("vc_invested", "USD/month", "venture money invested in the region's startups (public fund included)");
  m.crossover_invested = t.add_flow("crossover_invested", "USD/month",
                                    "crossover investors' money in the region's private rounds (MODEL.md §7.4)");
  m.vc_raised = t.add_flow("vc_raised", "USD/month", "new funds raised by the region's VC firms");
  m.vc_distributed = t.add_flow("vc_distributed", "USD/month", "exit proceeds received by the region's VC firms");
  m.vc_cash = t.add("vc_cash", "USD", "uninvested cash of the region's VC firms");
  m.government_spend =
      t.add_flow("government_spend", "USD/month", "public money paid into the region this month (all programmes)");
  m.public_revenue_forgone =
      t.add_flow("public_revenue_forgone", "USD/month",
                 "tax expenditures paid in kind, not cash (not ledger flows): startups' rent below market under "
                 "policy.rent_discount, and import duty not charged under policy.customs_exemption_years");
  const std::pair<Flow, const char*> levers[] = {
      {Flow::grant_basic_research, "basic research grants to universities"},
      {Flow::grant_applied, "applied grants to startups"},
      {Flow::grant_hospital, "research-hospital funding"},
      {Flow::tax_credit, "R&D and investment tax credits"},
      {Flow::training_grant, "training grants"},
      {Flow::infrastructure_grant, "infrastructure grants"},
      {Flow::public_fund, "public start-up fund investments"},
      {Flow::loan, "public loans to startups"},
      {Flow::public_purchase, "public purchases of contract manufacturing (demand programme)"},
      {Flow::fund_of_funds, "the fund-of-funds' capital calls (capital.fof_budget_usd_per_year)"},
      {Flow::incubator_support,
       "incubator places: the public share of residents' space and equipment cost above their fees"}};
  for (const auto& [f, desc] : levers)
    m.spend_by_lever.emplace_back(f, t.add_flow("spend_" + kFlowNames[static_cast<std::size_t>(code(f))], "USD/month",
                                                std::string("public spending this month: ") + desc));
  m.public_cost_per_job =
      t.add("public_cost_per_job", "USD/person", "cumulative public spending in the region / bio employment");
  m.lp_committed = t.add_flow("lp_committed", "USD/month",
                              "private limited partners' commitments allocated to the region's VC firms (January "
                              "raise and entrants)");
  m.lp_pool =
      t.add("lp_pool", "USD", "national: limited partners' commitments offered this year (the same in every region)");
  m.lp_unallocated = t.add("lp_unallocated", "USD",
                           "national: this year's commitments left unallocated after the raise and entry (the same "
                           "in every region)");
  m.fof_committed = t.add_flow("fof_committed", "USD/month",
                               "the government fund-of-funds' commitments to the region's VC firms (January raise "
                               "and entrants); lp_committed is the private limited partners' part");
  m.fof_pool =
      t.add("fof_pool", "USD", "national: the fund-of-funds' commitments offered this year (the same in every region)");
  m.fof_unallocated = t.add("fof_unallocated", "USD",
                            "national: the fund-of-funds' pool left unallocated after the raise and entry, for want "
                            "of managers or of private money to match (the same in every region)");
  m.vc_raise_failed =
      t.add_flow("vc_raise_failed", "count/month", "the region's VC firms that failed to raise a next fund");
  m.vc_firms_active = t.add("vc_firms_active", "count", "private VC firms with a fund within its life");
  m.founder_pool = t.add("founder_pool", "USD", "founders' and angels' capital available for foundings");
  m.foundings_unfunded =
      t.add_flow("foundings_unfunded", "count/month", "foundings that did not happen: the founder pool was short");
}

void record_metrics(World& w) {
  auto& M = w.metrics;
  const auto& m = w.m;
  for (const auto& u : w.universities.items()) {
    count(w, m.universities, u.region);
    count(w, m.employment_universities, u.region, std::max(0.0, u.staff));
  }
  for (const auto& h : w.hospitals.items()) {
    count(w, m.hospitals, h.region);
    if (h.research_hospital) count(w, m.employment_hospitals, h.region, std::max(0.0, h.staff));
  }
  for (const auto& v : w.vcs.items()) {
    count(w, m.vc_firms, v.region);
    count(w, m.vc_cash, v.region, w.ledger.balance(v.account));
    if (!v.public_fund && v.fund_open) count(w, m.vc_firms_active, v.region);
  }
  for (const auto& f : w.pharmas.items()) {
    if (f.production) {
      count(w, m.production_plants, f.region);
      count(w, m.production_capacity, f.region, f.capacity_litres);
      count(w, m.production_revenue, f.region, f.revenue_due);
      count(w, m.employment_production, f.region, std::max(0.0, f.staff));
      continue;
    }
    count(w, m.pharma_firms, f.region);
    if (f.region >= 0) count(w, m.employment_pharma, f.region, std::max(0.0, f.staff));
  }
  for (const auto& s : w.startups.items()) {
    count(w, m.startups, s.region);
    if (s.service)
      count(w, m.startups_service, s.region);
    else
      count(w, m.startups_by_stage[static_cast<std::size_t>(s.stage)], s.region);
    count(w, m.employment_startups, s.region, s.headcount);
    if (s.region >= 0) {  // forgone public revenue: the rent discount and the customs exemption
      const double d = w.params.regions[static_cast<std::size_t>(s.region)].policy.rent_discount;
      double forgone = !s.incubated && d > 0 && d < 1 ? s.rent_due * d / (1.0 - d) : 0.0;
      if (static_cast<double>(w.step - s.founded_step) < 12.0 * w.policy_of(s.region).customs_exemption_years)
        forgone += s.equipment_due * w.params.market.capital_goods_duty;
      count(w, m.public_revenue_forgone, s.region, forgone);
    }
    if (s.listed) count(w, m.listed_firms, s.region);
  }
  const auto& flows = w.ledger.step_flows_by_type_region();
  const auto nr = static_cast<std::size_t>(w.region_count());
  for (int r = 0; r < w.region_count(); ++r) {
    const auto ri = static_cast<std::size_t>(r);
    double spend = 0;
    for (const auto& [f, id] : m.spend_by_lever) {
      const double x = flows[static_cast<std::size_t>(code(f)) * nr + ri];
      M.set(id, r, x);
      spend += x;
    }
    spend += flows[static_cast<std::size_t>(code(Flow::research_income)) * nr + ri];
    M.set(m.government_spend, r, spend);
    w.regions[ri].public_spend_total += spend;
    const double market =
        M.get(m.employment_startups, r) + M.get(m.employment_pharma, r) + M.get(m.employment_production, r);
    const double budget = M.get(m.employment_universities, r) + M.get(m.employment_hospitals, r);
    const double jobs = market + budget;
    M.set(m.employment_market, r, market);
    M.set(m.employment_budget, r, budget);
    M.set(m.employment_total, r, jobs);
    M.set(m.employment_local_services, r, w.params.market.local_multiplier * market);
    M.set(m.public_cost_per_job, r, jobs > 0 ? w.regions[ri].public_spend_total / jobs : 0.0);
    M.set(m.wage, r, w.params.market.wage_usd_month * w.regions[ri].wage_index);
    w.regions[ri].vc_invested_year += M.get(m.vc_invested, r);  // VC entry's placement weight
    M.set(m.lp_pool, r, w.capital.lp_pool_usd);
    M.set(m.lp_unallocated, r, w.capital.lp_unallocated_usd);
    M.set(m.fof_pool, r, w.capital.fof_pool_usd);
    M.set(m.fof_unallocated, r, w.capital.fof_unallocated_usd);
    M.set(m.founder_pool, r, w.ledger.balance(w.regions[ri].founder_pool));
    M.set(m.amenity, r, w.regions[ri].amenity);
    M.set(m.public_index, r, std::exp(w.market_log_index));
    double pool = 0, phd = 0, know = 0, rent = 0;
    for (auto c : w.region_cells[ri]) {
      pool += w.talent.values[c] + w.talent_phd.values[c];
      phd += w.talent_phd.values[c];
      know += w.knowledge.values[c];
      rent += w.rent.values[c];
    }
    M.set(m.talent_pool, r, pool);
    M.set(m.vacancies, r, w.regions[ri].vacancies);
    M.set(m.hires, r, w.regions[ri].hires);
    M.set(m.migrants_in, r, w.regions[ri].migrants_in);
    M.set(m.migrants_out, r, w.regions[ri].migrants_out);
    M.set(m.unemployment_rate, r, pool + w.regions[ri].employed > 0 ? pool / (pool + w.regions[ri].employed) : 0.0);
    M.set(m.talent_pool_phd, r, phd);
    M.set(m.knowledge_stock, r, know);
    M.set(m.mean_rent, r, w.region_cells[ri].empty() ? 0.0 : rent / static_cast<double>(w.region_cells[ri].size()));
  }
}

void check_invariants(const World& w) {
  const auto& M = w.metrics;
  const auto nr = static_cast<std::size_t>(w.region_count());
  // Numeric guard: a non-finite metric stops the run, naming the step, metric, region and value.
  const auto frame = M.frame();
  for (std::size_t i = 0; i < frame.size(); ++i)
    if (!std::isfinite(frame[i])) {
      const auto& def = M.defs()[i / nr];
      throw InvariantError("step " + std::to_string(w.step) + ": metric '" + def.name + "' of region '" +
                           w.params.regions[i % nr].name + "' is " + std::to_string(frame[i]) +
                           "; the parameters drive it out of range (check the scenario's extreme values)");
    }
  for (const auto& s : w.startups.items())
    if (!std::isfinite(s.headcount) || s.headcount < 0 || !std::isfinite(s.post_money_usd))
      throw InvariantError("step " + std::to_string(w.step) + ": startup " + std::to_string(s.id) + " has headcount " +
                           std::to_string(s.headcount) + " and post-money " + std::to_string(s.post_money_usd));
  // Ownership: VC stakes and the public's share never exceed the whole company.
  for (const auto& s : w.startups.items()) {
    double owned = s.public_share;
    for (const auto& k : s.stakes) owned += k.share;
    if (!(owned <= 1.0 + 1e-9) || s.public_share < 0)
      throw InvariantError("step " + std::to_string(w.step) + ": startup " + std::to_string(s.id) +
                           " has shares adding up to " + std::to_string(owned) + " (VC stakes + public)");
  }
}

const std::vector<SummaryRow>& summary_rows() {
  static const std::vector<SummaryRow> rows{
      {"startups", "startups alive at end"},
      {"startups_founded", "startups founded"},
      {"startups_founded_university", "  university spin-offs"},
      {"startups_founded_hospital", "  hospital startups"},
      {"startups_founded_staff", "  staff spin-offs"},
      {"startups_founded_serial", "  serial founders"},
      {"startups_failed", "startups failed"},
      {"startups_acquired", "startups acquired"},
      {"acquired_by_large_group", "  by large groups"},
      {"acquired_by_outside", "  by acquirers outside"},
      {"startups_listed", "startups listed (IPO)"},
      {"approvals", "approvals"},
      {"trial_starts", "trials started"},
      {"licences", "licences"},
      {"employment_startups", "startup employment at end"},
      {"employment_production", "production (CDMO) jobs at end"},
      {"employment_market", "market jobs at end"},
      {"employment_budget", "budget-derived jobs at end"},
      {"employment_total", "bio employment at end (both)"},
      {"employment_local_services", "local service jobs at end (derived)"},
      {"foundings_moved_in", "foundings by founders from elsewhere"},
      {"relocations_in", "relocations after a round"},
      {"wage", "wage at end (USD/month)", true},
      {"vacancies", "unfilled openings at end"},
      {"migrants_in", "job seekers who moved in"},
      {"migrants_out", "job seekers who moved out"},
      {"unemployment_rate", "job seekers' share of labour force at end", true},
      {"talent_pool", "talent pool at end"},
      {"vc_invested", "VC invested (M)"},
      {"vc_raised", "VC funds raised (M)"},
      {"vc_distributed", "VC distributed (M)"},
      {"government_spend", "government spend (M)"},
      {"public_revenue_forgone", "public revenue forgone (M)"},
      {"lp_committed", "LP commitments allocated (M)"},
      {"lp_unallocated", "LP unallocated at end (M)", true},
      {"fof_committed", "fund-of-funds commitments allocated (M)"},
      {"vc_firms_active", "VC firms with an open fund at end"},
      {"vc_raise_failed", "VC raises failed"},
      {"founder_pool", "founder pool at end (M)"},
      {"foundings_unfunded", "foundings unfunded"},
  };
  return rows;
}

std::vector<sim::AgentTable> agent_snapshot(const World& w) {
  std::vector<sim::AgentTable> out;
  auto table = [&](const char* type, std::vector<sim::ColumnDef> extra, const auto& store, auto&& row) {
    sim::AgentTable t;
    t.type_name = type;
    t.columns = {
        {"x_km", "km", "position x"}, {"y_km", "km", "position y"}, {"region", "index", "region index (-1: none)"}};
    for (auto& c : extra) t.columns.push_back(std::move(c));
    t.values.assign(t.columns.size(), {});
    t.ids.reserve(store.size());
    for (auto& c : t.values) c.reserve(store.size());
    std::vector<double> r;  // one row, reused
    for (const auto& a : store.items()) {
      t.ids.push_back(a.id);
      r.assign({a.x_km, a.y_km, static_cast<double>(a.region)});
      row(a, r);
      for (std::size_t c = 0; c < r.size(); ++c) t.values[c].push_back(r[c]);
    }
    out.push_back(std::move(t));
  };
  const auto& L = w.ledger;
  table("university",
        {{"research_usd_per_year", "USD/year", "own plus public basic-research funding"},
         {"discoveries_total", "count", "discoveries so far"},
         {"licences_total", "count", "technologies licensed so far (spin-offs included)"},
         {"technologies_available", "count", "licensable technologies waiting for a licensee"}},
        w.universities, [&](const University& u, std::vector<double>& r) {
          r.insert(r.end(), {u.own_research_usd_per_year + u.basic_funding_usd_per_year, double(u.discoveries_total),
                             double(u.licences_total), double(u.technologies.size())});
        });
  table("hospital",
        {{"research_hospital", "flag", "1 if a designated research hospital"},
         {"trial_slots_free", "trials", "trial slots left this year"},
         {"trials_started_total", "count", "trials started so far"}},
        w.hospitals, [&](const Hospital& h, std::vector<double>& r) {
          r.insert(r.end(), {h.research_hospital ? 1.0 : 0.0, h.slots_free, double(h.trials_started_total)});
        });
  table("startup",
        {{"cash_usd", "USD", "cash"},
         {"stage", "code", "lead-asset stage: 0 preclinical, 1 phase1, 2 phase2, 3 phase3, 4 filing, 5 approved"},
         {"headcount", "persons", "employees"},
         {"rounds", "count", "funding rounds raised"},
         {"post_money_usd", "USD", "valuation at the last round"},
         {"quality", "0..1", "latent quality of the lead asset"},
         {"origin", "code", "0 initial, 1 university, 2 hospital, 3 staff, 4 serial"},
         {"founded_step", "step", "step of founding"},
         {"owner_id", "id", "acquiring pharma firm, -1 if independent"},
         {"listed", "flag", "1 if listed on a stock market"},
         {"incubated", "flag", "1 if in an incubator"},
         {"service", "flag", "1 for a service firm (no drug pipeline)"},
         {"peak_sales_usd", "USD/year", "peak yearly sales of the lead asset if approved"},
         {"public_share", "fraction", "equity held by public investors"}},
        w.startups, [&](const Startup& s, std::vector<double>& r) {
          r.insert(r.end(), {L.balance(s.account), double(static_cast<int>(s.stage)), s.headcount, double(s.rounds),
                             s.post_money_usd, s.quality, double(static_cast<int>(s.origin)), double(s.founded_step),
                             double(s.owner_id), s.listed ? 1.0 : 0.0, s.incubated ? 1.0 : 0.0, s.service ? 1.0 : 0.0,
                             s.peak_sales_usd, s.public_share});
        });
  table("venture_capital",
        {{"cash_usd", "USD", "uninvested cash"},
         {"committed_usd", "USD", "capital of the current fund"},
         {"fund_number", "count", "funds raised so far"},
         {"invested_usd", "USD", "invested so far"},
         {"distributed_usd", "USD", "received at exits so far"},
         {"deals", "count", "portfolio companies so far"},
         {"public_fund", "flag", "1 for a region's public start-up fund"}},
        w.vcs, [&](const VentureCapital& v, std::vector<double>& r) {
          r.insert(r.end(), {L.balance(v.account), v.committed_usd, double(v.fund_number), v.invested_usd,
                             v.distributed_usd, double(v.deals), v.public_fund ? 1.0 : 0.0});
        });
  table("pharma",
        {{"cash_usd", "USD", "cash"},
         {"revenue_usd_per_year", "USD/year", "sales"},
         {"acquisitions", "count", "startups acquired so far"},
         {"large_group", "flag", "1 for a large business group"},
         {"site_of", "id", "parent firm of an R&D site, -1 for a firm"}},
        w.pharmas, [&](const Pharma& f, std::vector<double>& r) {
          r.insert(r.end(), {L.balance(f.account), f.revenue_usd_per_year, double(f.acquisitions),
                             f.large_group ? 1.0 : 0.0, double(f.site_of)});
        });
  // One row per fund ever raised (id = firm id x 1000 + fund number); an open fund's figures are
  // as of now, a closed one's as at its close (MODEL.md §7.4).
  {
    sim::AgentTable t;
    t.type_name = "funds";
    t.columns = {{"x_km", "km", "position x of the firm"},
                 {"y_km", "km", "position y of the firm"},
                 {"region", "index", "region index of the firm"},
                 {"vc_id", "id", "the VC firm"},
                 {"fund_number", "count", "1 = the firm's first fund"},
                 {"vintage_step", "step", "step the fund was raised (negative: before the run)"},
                 {"committed_usd", "USD", "limited partners' commitments"},
                 {"fof_usd", "USD", "of committed_usd: the government fund-of-funds' commitment"},
                 {"called_usd", "USD", "paid in by limited partners"},
                 {"distributed_usd", "USD", "paid back to limited partners while it was the firm's current fund"},
                 {"nav_usd", "USD", "holdings at each stake's share of the last post-money (open: with the cash)"},
                 {"tvpi_at_raise", "x", "the firm's TVPI when the fund was raised"},
                 {"open", "flag", "1 while the fund's books are open"}};
    t.values.assign(t.columns.size(), {});
    std::vector<double> holdings(w.vcs.size(), 0.0);
    for (const auto& s : w.startups.items())
      for (const auto& st : s.stakes)
        if (const auto k = w.vcs.index_of(st.vc_id); k >= 0)
          holdings[static_cast<std::size_t>(k)] += st.share * s.post_money_usd;
    for (const auto& f : w.fund_records) {
      const auto k = w.vcs.index_of(f.vc_id);
      const VentureCapital* v = k >= 0 ? &w.vcs.items()[static_cast<std::size_t>(k)] : nullptr;
      const double called = f.open && v ? v->called_usd : f.called_usd;
      const double nav = f.open && v ? L.balance(v->account) + holdings[static_cast<std::size_t>(k)] : f.nav_usd;
      t.ids.push_back(static_cast<std::int64_t>(f.vc_id) * 1000 + f.fund_number);
      const double row[] = {v ? v->x_km : 0.0,
                            v ? v->y_km : 0.0,
                            v ? double(v->region) : -1.0,
                            double(f.vc_id),
                            double(f.fund_number),
                            double(f.vintage_step),
                            f.committed_usd,
                            f.fof_usd,
                            called,
                            f.distributed_usd,
                            nav,
                            f.tvpi,
                            f.open ? 1.0 : 0.0};
      for (std::size_t c = 0; c < t.columns.size(); ++c) t.values[c].push_back(row[c]);
    }
    out.push_back(std::move(t));
  }
  return out;
}

std::vector<const sim::Field*> output_fields(const World& w) {
  return {&w.talent, &w.talent_phd, &w.knowledge, &w.rent};
}

}  // namespace biocluster::agents
