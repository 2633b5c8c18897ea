// Mechanism tests (replicate means over fixed seeds) and the table-driven policy-lever test.
// docs/MODEL.md §7 describes each mechanism tested here.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <functional>
#include <map>
#include <set>

#include "agents/books.hpp"
#include "agents/lifecycle.hpp"
#include "agents/markets/public_markets.hpp"
#include "agents/markets/rounds.hpp"
#include "agents/model.hpp"
#include "agents/params.hpp"
#include "agents/simulate.hpp"
#include "agents/valuation.hpp"
#include "sim/config.hpp"

using namespace biocluster;
using namespace biocluster::agents;

namespace {

const std::filesystem::path kScenarios = std::filesystem::path(BIOCLUSTER_SOURCE_DIR) / "scenarios";

Params params_with(std::int64_t steps, const std::vector<std::string>& overrides) {
  auto doc = sim::load_scenario_doc(kScenarios / "default.toml");
  sim::apply_override(doc, "run.steps=" + std::to_string(steps));
  for (const auto& o : overrides) sim::apply_override(doc, o);
  return load_params(doc);
}

/// What one run yields for the tests: metric sums over steps and regions, final metrics, events, world.
struct Outcome {
  std::map<std::string, double> sum;   ///< metric summed over steps and regions
  std::map<std::string, double> last;  ///< metric summed over regions at the last step
  std::vector<sim::Event> events;
  double incubated = 0;
  std::map<std::string, double> flows;                   ///< ledger flows by type, summed over steps
  std::map<std::string, std::vector<double>> by_region;  ///< metric summed over steps, per region
};

Outcome run(const Params& p, std::uint64_t seed) {
  World w = make_world(p, seed);
  Outcome o;
  simulate(w, p.run.steps, [&](World& world, std::int64_t) {
    for (std::size_t m = 0; m < world.metrics.defs().size(); ++m) {
      double total = 0;
      auto& per = o.by_region[world.metrics.defs()[m].name];
      per.resize(static_cast<std::size_t>(world.region_count()));
      for (int r = 0; r < world.region_count(); ++r) {
        const double x = world.metrics.get(static_cast<sim::MetricId>(m), r);
        total += x, per[static_cast<std::size_t>(r)] += x;
      }
      o.sum[world.metrics.defs()[m].name] += total;
      o.last[world.metrics.defs()[m].name] = total;
    }
    for (std::size_t f = 0; f < kFlowNames.size(); ++f)
      o.flows[kFlowNames[f]] += world.ledger.step_flow_total(static_cast<int>(f));
    o.events.insert(o.events.end(), world.events.pending().begin(), world.events.pending().end());
    world.events.clear_pending();
  });
  for (const auto& s : w.startups.items()) o.incubated += s.incubated;
  return o;
}

/// Mean of f over `n` seeded replicates.
double mean_over(const Params& p, int n, const std::function<double(const Outcome&)>& f) {
  double s = 0;
  for (int k = 0; k < n; ++k) s += f(run(p, 1000 + static_cast<std::uint64_t>(k)));
  return s / n;
}

double count_events(const Outcome& o, EventKind kind, const std::function<bool(const sim::Event&)>& pred = {}) {
  double n = 0;
  for (const auto& e : o.events)
    if (e.kind == code(kind) && (!pred || pred(e))) n += 1;
  return n;
}

}  // namespace

TEST_CASE("mechanism: more basic-research funding gives more discoveries and spin-offs", "[mechanism]") {
  auto discoveries = [](const Outcome& o) { return o.sum.at("startups_founded_university"); };
  const double low = mean_over(params_with(120, {"policy.basic_research_share=0.2"}), 6, discoveries);
  const double high = mean_over(params_with(120, {"policy.basic_research_share=0.8"}), 6, discoveries);
  INFO("university spin-offs per run: share 0.2 -> " << low << ", share 0.8 -> " << high);
  CHECK(high > 1.3 * low);
  const double lic_low = mean_over(params_with(120, {"policy.basic_research_share=0.2"}), 4,
                                   [](const Outcome& o) { return o.sum.at("licences"); });
  const double lic_high = mean_over(params_with(120, {"policy.basic_research_share=0.8"}), 4,
                                    [](const Outcome& o) { return o.sum.at("licences"); });
  CHECK(lic_high > lic_low);
}

TEST_CASE("mechanism: a longer grace period gives more acquisitions by large groups", "[mechanism]") {
  auto by_groups = [](const Outcome& o) { return o.sum.at("acquired_by_large_group"); };
  // A cheap drug market makes the grace-period value matter at the margin.
  const std::vector<std::string> base{"pharma.compliance_cost_usd_per_year=5e6"};
  auto with = [&](const char* g) {
    auto v = base;
    v.push_back(std::string("policy.grace_period_years=") + g);
    return params_with(240, v);
  };
  const double none = mean_over(with("0"), 8, by_groups);
  const double long_grace = mean_over(with("20"), 8, by_groups);
  INFO("acquisitions by large groups per run: grace 0 -> " << none << ", grace 20 -> " << long_grace);
  CHECK(long_grace > none);
}

TEST_CASE("trace: each constraint metric counts where its constraint binds, and only there", "[mechanism][trace]") {
  // No trial slot within reach: every trial-ready firm waits; with reach, some trials start.
  const auto no_reach = run(params_with(180, {"hospital.trial_reach_km=0"}), 1001);
  CHECK(no_reach.sum.at("trial_starts") == 0);
  CHECK(no_reach.sum.at("trial_waits") > 0);
  // A shut IPO window: nothing lists, and the firms that could have applied are counted; open, none are.
  const auto shut = run(params_with(180, {"market.ipo_window_open=false"}), 1001);
  const auto open = run(params_with(180, {}), 1001);
  INFO("listable firm-months while shut: " << shut.sum.at("ipo_blocked_window") << "; listings when open "
                                           << open.sum.at("startups_listed"));
  CHECK(shut.sum.at("startups_listed") == 0);
  CHECK(shut.sum.at("ipo_blocked_window") > 0);
  CHECK(open.sum.at("ipo_blocked_window") == 0);
  // Acquisitions won only with the grace-period value: a subset of large groups' acquisitions, none
  // without a grace period, some with a long one (the margin case of the grace-period test above).
  const std::vector<std::string> base{"pharma.compliance_cost_usd_per_year=5e6"};
  double on_grace_long = 0, by_groups_long = 0, on_grace_none = 0, no_bid = 0;
  for (std::uint64_t seed = 1000; seed < 1006; ++seed) {
    auto v = base;
    v.push_back("policy.grace_period_years=20");
    const auto l = run(params_with(240, v), seed);
    v = base;
    v.push_back("policy.grace_period_years=0");
    v.push_back("policy.sme_grace_years=0");
    const auto n = run(params_with(240, v), seed);
    CHECK(l.sum.at("acquired_on_grace") <= l.sum.at("acquired_by_large_group"));
    on_grace_long += l.sum.at("acquired_on_grace");
    by_groups_long += l.sum.at("acquired_by_large_group");
    on_grace_none += n.sum.at("acquired_on_grace");
    no_bid += l.sum.at("acquisition_no_bid") + l.sum.at("acquisition_declined");
  }
  INFO("grace 20: " << on_grace_long << " of " << by_groups_long << " large-group acquisitions won on grace value");
  CHECK(on_grace_long > 0);
  CHECK(on_grace_none == 0);
  CHECK(no_bid > 0);
}

TEST_CASE("mechanism: startups nearer to VCs raise their first round sooner", "[mechanism]") {
  // All VCs sit in the capital (new managers follow its deals); the regional cluster is 110 km away but within their
  // reach. Lean founders want a seed round at once, so the time to the first round is the search time:
  // count the startups founded in the first 100 months that raise one within a year.
  const Params p = params_with(120, {"vc.search_radius_km=200", "vc.distance_half_km=40", "regions.regional.vc_firms=0",
                                     "regions.regional.policy.public_fund_usd=0", "startup.founding_cash_usd=3e5",
                                     "location.founder.reach_km=0", "location.vc_office.deals=5"});
  double funded_fast[2] = {0, 0}, founded_n[2] = {0, 0};
  for (int k = 0; k < 6; ++k) {
    const Outcome o = run(p, 500 + static_cast<std::uint64_t>(k));
    std::map<std::int64_t, std::pair<std::int32_t, int>> founded;  // id -> (step, region)
    for (const auto& e : o.events)
      if (e.kind == code(EventKind::founding) && e.step < 100) {
        founded[e.subject_id] = {e.step, e.region};
        founded_n[e.region] += 1;
      }
    std::map<std::int64_t, bool> seen;
    for (const auto& e : o.events)
      if (e.kind == code(EventKind::funding_round) && founded.count(e.subject_id) && !seen[e.subject_id]) {
        seen[e.subject_id] = true;
        const auto [step, region] = founded[e.subject_id];
        if (e.step - step <= 12) funded_fast[region] += 1;  // first round within 12 months of founding
      }
  }
  REQUIRE(founded_n[0] > 10);
  REQUIRE(founded_n[1] > 10);
  const double near = funded_fast[0] / founded_n[0], far = funded_fast[1] / founded_n[1];
  INFO("share of startups with a first round within 12 months: capital (near VCs) " << near << ", regional (110 km) "
                                                                                    << far);
  CHECK(near > 1.25 * far);
}

TEST_CASE("mechanism: no trial capacity within reach slows clinical progress", "[mechanism]") {
  auto phase2_entries = [](const Outcome& o) {
    return count_events(o, EventKind::stage_success, [](const sim::Event& e) { return e.detail >= 2; }) +
           o.sum.at("trial_starts");
  };
  const double with_trials = mean_over(params_with(180, {}), 4, phase2_entries);
  const double no_reach = mean_over(params_with(180, {"hospital.trial_reach_km=0"}), 4, phase2_entries);
  INFO("trial starts + advances past phase I: reachable -> " << with_trials << ", no reach -> " << no_reach);
  CHECK(with_trials > 0);
  CHECK(no_reach == 0);
}

TEST_CASE("mechanism: serial founders appear after exits only when switched on", "[mechanism]") {
  double on = 0, exits_on = 0;
  for (int k = 0; k < 4; ++k) {
    const Outcome o = run(params_with(240, {"policy.serial_founders=true"}), 700 + static_cast<std::uint64_t>(k));
    on += o.sum.at("startups_founded_serial");
    exits_on += o.sum.at("startups_acquired") + o.sum.at("startups_listed");
    // Every serial founding follows an exit of its parent.
    for (const auto& e : o.events)
      if (e.kind == code(EventKind::founding) && e.detail == static_cast<int>(Origin::serial)) {
        bool parent_exited = false;
        for (const auto& x : o.events)
          if ((x.kind == code(EventKind::acquisition) || x.kind == code(EventKind::ipo)) &&
              x.subject_id == e.object_id && x.step <= e.step)
            parent_exited = true;
        REQUIRE(parent_exited);
      }
  }
  REQUIRE(exits_on > 0);
  CHECK(on > 0);
  for (int k = 0; k < 4; ++k)
    CHECK(run(params_with(240, {"policy.serial_founders=false"}), 700 + static_cast<std::uint64_t>(k))
              .sum.at("startups_founded_serial") == 0);
}

TEST_CASE("mechanism: staged capital calls: a fund calls what it pays, never more than its commitments",
          "[mechanism]") {
  // With staged calls and no cash buffer (the default) each private fund calls capital only when it
  // pays a deal or its fee: its cash is at most the proceeds it kept for new deals.
  World w = make_world(params_with(12, {"vc.capital_call_years=5"}), 3);
  simulate(w, 12, [](World&, std::int64_t) {});
  int funds = 0, below_commitments = 0;
  for (const auto& v : w.vcs.items()) {
    if (v.public_fund || !v.fund_open) continue;
    CHECK(v.called_usd <= v.committed_usd * (1 + 1e-12));
    below_commitments += v.called_usd < v.committed_usd * (1 - 1e-9);
    if (v.fund_number == 1) CHECK(w.ledger.balance(v.account) <= v.recycled_usd + 1e-6 * v.committed_usd);
    ++funds;
  }
  REQUIRE(funds > 0);
  CHECK(below_commitments > 0);  // what is not needed is not called
  // So limited partners pay in less over two years than when commitments are paid in at once.
  auto paid_in = [](const std::string& calls) {
    World x = make_world(params_with(24, {"vc.capital_call_years=" + calls}), 3);
    simulate(x, 24, [](World&, std::int64_t) {});
    double sum = 0;
    for (const auto& v : x.vcs.items()) sum += v.public_fund ? 0.0 : v.paid_in_usd;
    return sum;
  };
  CHECK(paid_in("5") < paid_in("0"));
}

TEST_CASE("mechanism: exit proceeds bring new VC firms in January only when entry is on", "[mechanism]") {
  auto entrants = [](const Outcome& o) {
    return count_events(o, EventKind::fund_raised, [](const sim::Event& e) { return e.detail == 1 && e.step > 0; });
  };
  double on = 0;
  for (int k = 0; k < 3; ++k) {
    const Outcome o = run(params_with(240, {"vc.entry_per_billion_usd=20"}), 40 + static_cast<std::uint64_t>(k));
    on += entrants(o);
    for (const auto& e : o.events)
      if (e.kind == code(EventKind::fund_raised) && e.detail == 1 && e.step > 0)
        CHECK(e.step % 12 == 0);  // January (start 2020-01)
    CHECK(o.sum.at("vc_distributed") > 0);
  }
  CHECK(on > 0);
  CHECK(entrants(run(params_with(240, {"vc.entry_per_billion_usd=0"}), 40)) == 0);
}

TEST_CASE("mechanism: licensing deals pay each licensed startup an upfront share of a headline, only when on",
          "[mechanism][licensing]") {
  const Params p = params_with(120, {"pharma.alliance_share_of_rd=0.3"});
  const Outcome o = run(p, 9);
  const double deals = count_events(o, EventKind::alliance);
  REQUIRE(deals > 0);
  CHECK(o.sum.at("alliances") == deals);
  double upfronts = 0;
  std::set<sim::AgentId> partners;
  for (const auto& e : o.events)
    if (e.kind == code(EventKind::alliance)) {
      CHECK(partners.insert(e.subject_id).second);  // one licence per startup
      CHECK(e.amount == Approx(p.pharma.upfront_share * e.value).epsilon(1e-12));
      CHECK(e.detail < static_cast<int>(Stage::approved));
      upfronts += e.amount;
    }
  CHECK(o.flows.at("alliance") == Approx(upfronts).epsilon(1e-12));
  const Outcome off = run(params_with(120, {"pharma.alliance_share_of_rd=0"}), 9);
  CHECK(count_events(off, EventKind::alliance) == 0);
  CHECK(off.flows.at("alliance") == 0);
  // A licence's own upfront share (Korean deals: ~6%), apart from acquisitions'; licence-out deals
  // (to firms outside the grid) are counted apart.
  const Params k = params_with(120, {"pharma.alliance_share_of_rd=0.3", "pharma.licence_upfront_share=0.06"});
  const Outcome ko = run(k, 9);
  std::set<sim::AgentId> global;  // firms outside the grid (sites, opened later, do not sign)
  const World start = make_world(k, 9);
  for (const auto& f : start.pharmas.items())
    if (f.region < 0) global.insert(f.id);
  double outside = 0;
  for (const auto& e : ko.events)
    if (e.kind == code(EventKind::alliance)) {
      CHECK(e.amount == Approx(0.06 * e.value).epsilon(1e-12));
      outside += global.count(e.object_id) > 0 ? 1.0 : 0.0;
    }
  CHECK(count_events(ko, EventKind::alliance) > 0);
  CHECK(outside > 0);
  CHECK(ko.sum.at("alliances_outside") == outside);
}

TEST_CASE("mechanism: startups short of cash cut staff only when layoffs are on", "[mechanism]") {
  // Largest fall of a live startup's headcount from one month to the next.
  auto largest_cut = [](const Params& p) {
    World w = make_world(p, 21);
    sim::PhaseTimes<6> times;
    std::map<sim::AgentId, double> before;
    double cut = 0;
    for (std::int64_t k = 0; k < p.run.steps; ++k) {
      run_step(w, times);
      for (const auto& s : w.startups.items()) {
        if (auto it = before.find(s.id); it != before.end()) cut = std::max(cut, it->second - s.headcount);
        before[s.id] = s.headcount;
      }
    }
    return cut;
  };
  // Staff who retire or leave the sector (market.separation_per_year) are not layoffs: none here.
  CHECK(largest_cut(params_with(120, {"startup.layoff_runway_months=0", "market.separation_per_year=0"})) == 0);
  CHECK(largest_cut(params_with(120, {"startup.layoff_runway_months=6", "startup.initial_headcount_max=30",
                                      "market.separation_per_year=0"})) > 0);
}

TEST_CASE("mechanism: service firms sell, grow and close without rounds, trials or deals; none when switched off",
          "[mechanism]") {
  const Params p = params_with(120, {"startup.service_share=0.5", "startup.staff_spinouts_per_1000_per_year=20"});
  World w = make_world(p, 17);
  sim::PhaseTimes<6> times;
  std::set<sim::AgentId> service;
  std::vector<sim::Event> events;
  double revenue = 0;
  for (std::int64_t k = 0; k < p.run.steps; ++k) {
    run_step(w, times);
    for (const auto& s : w.startups.items())
      if (s.service) {
        service.insert(s.id);
        CHECK(s.stage == Stage::preclinical);
        CHECK(s.rounds == 0);
        CHECK(s.stakes.empty());
        CHECK_FALSE(s.in_trial);
        CHECK(s.owner_id < 0);
        CHECK_FALSE(s.listed);
        CHECK_FALSE(s.partnered);
        CHECK(s.headcount <= p.startup.service_max_headcount);
      }
    revenue += w.ledger.step_flow_total(code(Flow::revenue));
    events.insert(events.end(), w.events.pending().begin(), w.events.pending().end());
    w.events.clear_pending();
  }
  REQUIRE(service.size() > 5);
  CHECK(revenue > 0);
  bool closed = false, grew = false;
  for (const auto& e : events) {
    if (!service.count(e.subject_id) || e.subject_type != code(AgentType::startup)) continue;
    CHECK(e.kind != code(EventKind::funding_round));
    CHECK(e.kind != code(EventKind::trial_start));
    CHECK(e.kind != code(EventKind::acquisition));
    CHECK(e.kind != code(EventKind::alliance));
    closed |= e.kind == code(EventKind::failure) && e.detail == 2;
  }
  for (const auto& s : w.startups.items()) grew |= s.service && s.headcount > p.startup.founding_headcount;
  CHECK(closed);
  CHECK(grew);
  // Off: no service firm is ever founded.
  World off =
      make_world(params_with(60, {"startup.service_share=0", "startup.staff_spinouts_per_1000_per_year=20"}), 17);
  for (int k = 0; k < 60; ++k) {
    run_step(off, times);
    for (const auto& s : off.startups.items()) REQUIRE_FALSE(s.service);
  }
}

// ---------------------------------------------------------------- every lever, changed alone

struct Lever {
  std::string key;
  std::string low, high;
  std::function<double(const Outcome&)> quantity;
  int direction;                          ///< +1: high > low; -1: high < low
  std::vector<std::string> context = {};  ///< other settings under which the lever is observed
};

TEST_CASE("each policy lever, changed alone, changes the quantity it names", "[levers]") {
  auto sum = [](const char* m) { return [m](const Outcome& o) { return o.sum.at(m); }; };
  auto last = [](const char* m) { return [m](const Outcome& o) { return o.last.at(m); }; };
  // Foundings in region r by founders from another region: where founders chose to found (MODEL.md §7.11).
  auto founded_in = [](std::size_t r) {
    return [r](const Outcome& o) { return o.by_region.at("foundings_moved_in").at(r); };
  };
  const std::vector<Lever> levers{
      {"policy.public_rd_usd_per_year", "1e9", "4e9", last("employment_universities"), +1},
      {"policy.basic_research_share", "0.3", "0.6", last("employment_universities"), +1},
      {"policy.applied_grant_max_usd_per_year", "1e5", "2e6", sum("spend_grant_applied"), +1},
      {"policy.sme_grant_share", "0.002", "0.02", sum("spend_grant_applied"), +1},
      {"policy.grace_period_years", "0", "30",
       [](const Outcome& o) { return -count_events(o, EventKind::grace_expired); }, +1},
      {"policy.sme_rd_tax_credit", "0", "0.4", sum("spend_tax_credit"), +1},
      {"policy.data_exclusivity_years", "6", "12", sum("startups_acquired"), +1},
      {"policy.drug_price_index", "0.2", "1", sum("startups_acquired"), +1},
      {"policy.acquisitions_allowed", "false", "true", sum("startups_acquired"), +1},
      {"policy.serial_founders", "false", "true", sum("startups_founded_serial"), +1},
      {"market.ipo_window_open", "false", "true", sum("startups_listed"), +1, {"market.ipo_min_value_usd=2e7"}},
      {"regions.capital.policy.rent_discount", "0", "0.5", last("mean_rent"), -1},
      {"regions.capital.policy.rd_tax_credit", "0", "0.5", founded_in(0), +1},
      {"regions.capital.policy.investment_tax_credit", "0", "1", founded_in(0), +1},
      {"regions.capital.policy.training_grant_usd_per_hire", "0", "50000", founded_in(0), +1},
      {"regions.capital.policy.infrastructure_grant_usd_per_year", "0", "5e8", last("amenity_index"), +1},
      {"regions.capital.policy.incubator_capacity", "0", "30", [](const Outcome& o) { return o.incubated; }, +1},
      {"regions.capital.policy.incubator_fee_usd_month", "4000", "500000", [](const Outcome& o) { return o.incubated; },
       -1},
      {"regions.capital.policy.incubator_public_share", "0", "1", sum("spend_incubator_support"), +1},
      {"regions.capital.policy.incubator_fee_usd_month",
       "4000",
       "30000",
       sum("spend_incubator_support"),
       -1,
       {"regions.capital.policy.incubator_public_share=1"}},
      {"regions.regional.policy.public_fund_usd", "0", "5e7", sum("spend_public_fund"), +1},
      {"regions.regional.policy.public_fund_matching", "0.2", "2", sum("spend_public_fund"), +1},
      {"regions.capital.policy.tto_capacity_per_year", "10", "200", sum("licences"), +1},
      {"regions.capital.policy.tax_exemption_years", "0", "100", [](const Outcome& o) { return o.flows.at("tax"); },
       -1},
      {"regions.capital.policy.customs_exemption_years", "0", "100",
       [](const Outcome& o) { return o.flows.at("equipment"); }, -1},
      {"pharma.site_opening_probability_per_year", "0", "1",
       [](const Outcome& o) { return count_events(o, EventKind::site_opened); }, +1},
      {"regions.capital.policy.loan_usd",
       "0",
       "2.5e6",
       sum("spend_loan"),
       +1,
       {"regions.capital.policy.loan_budget_usd_per_year=1e9"}},
      {"regions.capital.policy.loan_budget_usd_per_year",
       "5e6",
       "5e7",
       sum("spend_loan"),
       +1,
       {"regions.capital.policy.loan_usd=2.5e6"}},
      {"regions.regional.research_hospitals", "0", "2", sum("spend_grant_hospital"), +1},
      {"hospital.research_funding_usd_per_year", "5e6", "3e7", sum("spend_grant_hospital"), +1},
      {"regions.regional.policy.go_between", "0", "1",
       [](const Outcome& o) { return o.by_region.at("vc_invested").at(1); },  // VC money into the regional cluster
       +1},
      {"policy.demand_programme_usd_per_year",
       "0",
       "2e8",
       sum("employment_production"),
       +1,
       {"regions.capital.production_plants=1"}},
  };
  for (const auto& L : levers) {
    auto lo_set = L.context, hi_set = L.context;
    lo_set.push_back(L.key + "=" + L.low);
    hi_set.push_back(L.key + "=" + L.high);
    const double lo = mean_over(params_with(120, lo_set), 2, L.quantity);
    const double hi = mean_over(params_with(120, hi_set), 2, L.quantity);
    INFO(L.key << ": " << L.low << " -> " << lo << ", " << L.high << " -> " << hi);
    if (L.direction > 0)
      CHECK(hi > lo);
    else
      CHECK(hi < lo);
  }
}

TEST_CASE("staff spin-offs: each draw's parent is the one the walk over the region's startups picks", "[lifecycle]") {
  // request_staff_spinouts resolves each draw by a binary search over cumulative headcounts (issue
  // #14: the walk per draw made a 10M-startup decide phase quadratic). Reference: the walk itself.
  const Params p = params_with(24, {"startup.staff_spinouts_per_1000_per_year=1000"});
  World w = make_world(p, 11);
  agents::simulate(w, 12, [](World&, std::int64_t) {});  // staff and headcounts of every size
  w.founding_requests.clear();
  request_staff_spinouts(w);
  std::vector<sim::AgentId> got;
  for (const auto& r : w.founding_requests)
    if (r.origin == Origin::staff) got.push_back(r.parent_id);
  std::vector<sim::AgentId> want;
  const auto items = w.startups.items();
  for (int r = 0; r < w.region_count(); ++r) {
    const double staff = w.regions[static_cast<std::size_t>(r)].startup_staff;
    auto rng = sim::Rng(w.seed, w.step, ph(PhaseKey::decide), r, pu(Purpose::staff_spinouts));
    const auto n = rng.poisson(p.startup.staff_spinouts_per_1000_per_year / 12.0 * staff / 1000.0);
    for (std::int64_t k = 0; k < n; ++k) {
      double residual = rng.uniform() * staff;
      sim::AgentId parent = -1;
      for (const auto& s : items) {
        if (s.region != r) continue;
        parent = s.id;
        if ((residual -= s.headcount) < 0) break;
      }
      if (parent >= 0) want.push_back(parent);
    }
  }
  REQUIRE(want.size() > 20);
  CHECK(got == want);
}

// ---- finite capital (MODEL.md §7.3 "Founding", §7.4 "Raising a fund", "Entry")

TEST_CASE("capital: the LP pool is shared by ask x TVPI, capped at each ask", "[mechanism][capital]") {
  // Short pool: the better track record gets the larger allocation, and nothing beyond the pool.
  const auto got = allocate_pool(100.0, {100.0, 100.0}, {100.0 * 2.0, 100.0 * 1.0});
  CHECK(got[0] > got[1]);
  CHECK(got[0] + got[1] == Approx(100.0));
  CHECK(got[0] == Approx(200.0 / 3.0));
  // Enough for all: every ask is met exactly and the rest stays unallocated.
  const auto all = allocate_pool(1000.0, {100.0, 50.0}, {100.0, 50.0});
  CHECK(all[0] == Approx(100.0));
  CHECK(all[1] == Approx(50.0));
  // A capped ask's excess goes to the others; a zero weight gets nothing.
  const auto capped = allocate_pool(120.0, {20.0, 200.0, 50.0}, {100.0, 100.0, 0.0});
  CHECK(capped[0] == Approx(20.0));
  CHECK(capped[1] == Approx(100.0));
  CHECK(capped[2] == 0.0);
  // The ask rises concavely with TVPI and is bounded; a first-time manager asks the first-fund size.
  CapitalParams c;
  VcParams p;
  VentureCapital v;
  const std::int64_t at = static_cast<std::int64_t>(12 * p.investment_period_years);  // at the end of investing
  CHECK(fund_ask(v, 3.0, c, p, at) == c.first_fund_usd);
  v.fund_number = 1;
  v.committed_usd = 100e6;
  // Deal flow that placed the budget for new companies ten times over: performance decides.
  v.new_deals_usd = 10 * (1 - p.reserve_share) * v.committed_usd;
  CHECK(fund_ask(v, 1.0, c, p, at) == Approx(100e6));
  CHECK(fund_ask(v, 2.0, c, p, at) - fund_ask(v, 1.0, c, p, at) >
        fund_ask(v, 3.0, c, p, at) - fund_ask(v, 2.0, c, p, at));
  CHECK(fund_ask(v, 100.0, c, p, at) == Approx(c.ask_max_growth * 100e6));
  // A fund that placed only 40% of that budget over its investment period asks for 40% of its size
  // whatever its record; the same placements in half the time support twice as much.
  v.new_deals_usd = 0.4 * (1 - p.reserve_share) * v.committed_usd;
  CHECK(fund_ask(v, 3.0, c, p, at) == Approx(40e6));
  CHECK(fund_ask(v, 3.0, c, p, at / 2) == Approx(80e6));
  CHECK(deployed_share(v, p) == Approx(0.4));
}

TEST_CASE("capital: a smaller LP pool gives fewer and smaller funds, never more than the pool a year",
          "[mechanism][capital]") {
  auto raised = [](const Outcome& o) { return o.sum.at("vc_raised"); };
  auto funds = [](const Outcome& o) {
    return count_events(o, EventKind::fund_raised, [](const sim::Event&) { return true; });
  };
  const auto small = params_with(240, {"capital.lp_commitments_usd_per_year=100e6", "capital.lp_recycle_share=0"});
  const auto large = params_with(240, {"capital.lp_commitments_usd_per_year=1e9", "capital.lp_recycle_share=0"});
  CHECK(mean_over(small, 3, raised) < 0.5 * mean_over(large, 3, raised));
  CHECK(mean_over(small, 3, funds) < mean_over(large, 3, funds));
  const Outcome o = run(small, 21);
  std::map<std::int32_t, double> per_year;
  for (const auto& e : o.events)
    if (e.kind == code(EventKind::fund_raised)) {
      CHECK(e.step % 12 == 0);  // the raise and entry happen in January only
      per_year[e.step] += e.amount;
    }
  REQUIRE_FALSE(per_year.empty());
  for (const auto& [step, x] : per_year) CHECK(x <= 100e6 * (1 + 1e-9));
}

TEST_CASE("capital: unallocated LP commitments bring entrants; none when nothing is left", "[mechanism][capital]") {
  auto entrants = [](const Outcome& o) {
    return count_events(o, EventKind::fund_raised, [](const sim::Event& e) { return e.detail == 1; });
  };
  const Outcome rich =
      run(params_with(120, {"capital.lp_commitments_usd_per_year=2e9", "capital.max_entrants_per_year=4"}), 31);
  CHECK(entrants(rich) > 0);
  std::map<std::int32_t, int> per_year;
  for (const auto& e : rich.events)
    if (e.kind == code(EventKind::fund_raised) && e.detail == 1) ++per_year[e.step];
  for (const auto& [step, n] : per_year) CHECK(n <= 4);
  CHECK(rich.last.at("lp_unallocated") > 0);
  const Outcome dry =
      run(params_with(120, {"capital.lp_commitments_usd_per_year=0", "capital.lp_recycle_share=0"}), 31);
  CHECK(entrants(dry) == 0);
  CHECK(dry.sum.at("vc_raised") == 0);
  CHECK(dry.sum.at("vc_raise_failed") > 0);
}

TEST_CASE(
    "capital: recycling is capped, a public fund returns what exceeds its endowment, a crowded market "
    "admits fewer entrants",
    "[mechanism][capital]") {
  // Korea has public funds; 20 years.
  auto doc = sim::load_scenario_doc(kScenarios / "korea/korea.toml");
  sim::apply_override(doc, "run.steps=240");
  const Params p = load_params(doc);
  World w = make_world(p, 11);
  int public_funds = 0;
  simulate(w, 240, [&](World& world, std::int64_t) {
    for (const auto& v : world.vcs.items()) {
      if (v.public_fund) {
        CHECK(world.ledger.balance(v.account) <= v.committed_usd * (1 + 1e-9));
        ++public_funds;
      } else {
        CHECK(v.recycled_usd <= p.vc.recycle_cap_share * v.committed_usd * (1 + 1e-9));
      }
    }
    world.events.clear_pending();
  });
  CHECK(public_funds > 0);
  // Entry needs deal flow: the same LP money with ten times the VC firms chasing the same startups
  // brings fewer in (none while the crowd is still investing).
  auto entrants = [](const Outcome& o) {
    return count_events(o, EventKind::fund_raised, [](const sim::Event& e) { return e.detail == 1 && e.step > 0; });
  };
  const std::vector<std::string> rich = {"capital.lp_commitments_usd_per_year=2e9", "capital.max_entrants_per_year=4"};
  auto crowded = rich;
  crowded.push_back("regions.capital.vc_firms=60");
  crowded.push_back("regions.regional.vc_firms=10");
  const double open = entrants(run(params_with(120, rich), 31));
  const Outcome crowd = run(params_with(120, crowded), 31);
  CHECK(open > 0);
  CHECK(entrants(crowd) < open);
  CHECK(count_events(crowd, EventKind::fund_raised,
                     [](const sim::Event& e) { return e.detail == 1 && e.step > 0 && e.step < 60; }) == 0);
}

TEST_CASE("capital: a public fund's targets keep in reserve what hospital-origin and young firms still lack",
          "[mechanism][capital]") {
  // The rule on Korea's early-stage fund (Hongneung), at step 0: targets of 30% each.
  auto doc = sim::load_scenario_doc(kScenarios / "korea/korea.toml");
  sim::apply_override(doc, "regions.hongneung.policy.public_fund_hospital_share=0.3");
  sim::apply_override(doc, "regions.hongneung.policy.public_fund_young_share=0.2");
  sim::apply_override(doc, "regions.hongneung.policy.public_fund_matching=1");
  const Params p = load_params(doc);
  World w = make_world(p, 5);
  VentureCapital* fund = nullptr;
  for (auto& v : w.vcs.items())
    if (v.public_fund) fund = &v;
  REQUIRE(fund != nullptr);
  const double E = fund->committed_usd, cash = w.ledger.balance(fund->account);
  REQUIRE(cash == Approx(E));
  Startup s = w.startups.items()[0];
  s.region = fund->region;
  auto match = [&](Origin origin, std::int32_t age_months, double raised) {
    s.origin = origin;
    s.founded_step = static_cast<std::int32_t>(w.step) - age_months;
    return public_match_usd(w, *fund, s, raised);
  };
  // Serving both targets: matched in full (up to the cash).
  CHECK(match(Origin::hospital, 3, 0.1 * E) == Approx(0.1 * E));
  CHECK(match(Origin::hospital, 3, 2 * E) == Approx(cash));
  // Serving neither: at most the cash beyond both reserves (0.3 E + 0.2 E).
  CHECK(match(Origin::university, 30, 2 * E) == Approx(cash - 0.5 * E));
  CHECK(match(Origin::university, 30, 0.1 * E) == Approx(0.1 * E));
  // Serving one: the other's reserve only.
  CHECK(match(Origin::hospital, 30, 2 * E) == Approx(cash - 0.2 * E));
  CHECK(match(Origin::staff, 3, 2 * E) == Approx(cash - 0.3 * E));
  // What the targets' firms already received counts against their reserve.
  fund->invested_hospital_usd = 0.25 * E;
  CHECK(match(Origin::university, 30, 2 * E) == Approx(cash - 0.05 * E - 0.2 * E));
  fund->invested_hospital_usd = E, fund->invested_young_usd = E;
  CHECK(match(Origin::university, 30, 2 * E) == Approx(cash));
  // No targets: the match is the old one, min(matching x raised, cash).
  auto plain = sim::load_scenario_doc(kScenarios / "korea/korea.toml");
  sim::apply_override(plain, "regions.hongneung.policy.public_fund_hospital_share=0");
  sim::apply_override(plain, "regions.hongneung.policy.public_fund_young_share=0");
  w.params = load_params(plain);
  fund->invested_hospital_usd = fund->invested_young_usd = 0;
  CHECK(match(Origin::university, 30, 2 * E) ==
        Approx(std::min(w.params.regions[static_cast<std::size_t>(fund->region)].policy.public_fund_matching * 2 * E,
                        cash)));
}

TEST_CASE("capital: over a run, a public fund's money outside a target stays within the target's complement",
          "[mechanism][capital]") {
  // Korea, 20 years, both targets at 30% and a match of 3 (the fund's cash binds): money into firms
  // outside a target came only from beyond what the target lacked, so at most (1 - share) of the
  // endowment plus what came back from exits.
  auto doc = sim::load_scenario_doc(kScenarios / "korea/korea.toml");
  sim::apply_override(doc, "run.steps=240");
  sim::apply_override(doc, "regions.hongneung.policy.public_fund_hospital_share=0.3");
  sim::apply_override(doc, "regions.hongneung.policy.public_fund_young_share=0.3");
  sim::apply_override(doc, "regions.hongneung.policy.public_fund_matching=3");
  const Params p = load_params(doc);
  World w = make_world(p, 17);
  double invested = 0;
  simulate(w, 240, [&](World& world, std::int64_t) {
    for (const auto& v : world.vcs.items()) {
      if (!v.public_fund) continue;
      CHECK(v.invested_usd - v.invested_hospital_usd <= 0.7 * v.committed_usd + v.distributed_usd + 1e-3);
      CHECK(v.invested_usd - v.invested_young_usd <= 0.7 * v.committed_usd + v.distributed_usd + 1e-3);
      invested = std::max(invested, v.invested_usd);
    }
    world.events.clear_pending();
  });
  CHECK(invested > 0);
}

TEST_CASE("public markets: companies listed at the start are clinical developers with their listing's cash",
          "[mechanism][public]") {
  auto doc = sim::load_scenario_doc(kScenarios / "korea/korea.toml");
  const Params p = load_params(doc);
  int wanted = 0;
  for (const auto& r : p.regions) wanted += r.listed_startups;
  REQUIRE(wanted > 0);
  const World w = make_world(p, 3);
  int listed = 0;
  std::vector<int> per_region(p.regions.size(), 0);
  for (const auto& s : w.startups.items()) {
    if (!s.listed) continue;
    ++listed, ++per_region[static_cast<std::size_t>(s.region)];
    CHECK(s.stage >= Stage::phase1);
    CHECK_FALSE(s.service);
    CHECK(w.ledger.balance(s.account) >= p.market.ipo_raise_usd);
    CHECK(s.post_money_usd >= p.market.ipo_raise_usd);
    CHECK(s.public_share > 0);
    CHECK(s.public_share <= 1);
  }
  CHECK(listed == wanted);
  for (std::size_t r = 0; r < p.regions.size(); ++r) CHECK(per_region[r] == p.regions[r].listed_startups);
  // None by default (the US scenarios and default.toml).
  const World plain = make_world(params_with(12, {}), 3);
  for (const auto& s : plain.startups.items()) CHECK_FALSE(s.listed);
}

TEST_CASE("public markets: listed firms' follow-on offerings draw on a yearly budget of their own",
          "[mechanism][public]") {
  // Korea, 6 years: follow-on offerings draw on their own yearly budget (none without one).
  auto korea = [](const char* follow_on) {
    auto doc = sim::load_scenario_doc(kScenarios / "korea/korea.toml");
    sim::apply_override(doc, "run.steps=72");
    sim::apply_override(doc, std::string("market.follow_on_equity_usd_per_year=") + follow_on);
    return load_params(doc);
  };
  const Outcome none = run(korea("0"), 8);
  CHECK(none.sum.at("public_follow_on") == 0);
  const Outcome own = run(korea("1e12"), 8), tight = run(korea("5e7"), 8);
  INFO("follow-ons over 6 years: budget 1e12 -> " << own.sum.at("public_follow_on") << ", 5e7 -> "
                                                  << tight.sum.at("public_follow_on"));
  CHECK(own.sum.at("public_follow_on") > 6 * 5e7);                  // demand exceeds the tight budget...
  CHECK(tight.sum.at("public_follow_on") <= 6 * 5e7 * (1 + 1e-9));  // ...which caps each year
}

TEST_CASE("pipelines: a listed firm's next programme becomes its lead when the lead fails, if its owners value it",
          "[mechanism][public]") {
  auto korea = [](const std::vector<std::string>& overrides) {
    auto doc = sim::load_scenario_doc(kScenarios / "korea/korea.toml");
    sim::apply_override(doc, "run.steps=72");
    for (const auto& o : overrides) sim::apply_override(doc, o);
    return load_params(doc);
  };
  // The market values the pipeline: each discovery programme adds its value as a fresh preclinical asset.
  {
    const Params p = korea({});
    REQUIRE(p.market.listed_programmes == 3);
    World w = make_world(p, 3);
    const Startup* listed = nullptr;
    for (const auto& s : w.startups.items())
      if (s.listed) {
        listed = &s;
        break;
      }
    REQUIRE(listed);
    CHECK(listed->backup_programmes == 2);
    Startup alone = *listed;
    alone.backup_programmes = 0;
    const Valuer market{&w.rates.market, 1.0, cost_per_employee(w, listed->region)};
    const double one = programme_value_usd(*listed, market, w);
    INFO("one discovery programme, at the public market's rate: " << one);
    CHECK(one > 0);
    CHECK(public_value(w, *listed, 1e6) - public_value(w, alone, 1e6) ==
          Approx(2 * one * std::exp(w.market_log_index)).epsilon(1e-9));
  }
  const auto promoted = [](const Outcome& o) { return count_events(o, EventKind::next_programme); };
  const Outcome pipeline = run(korea({}), 8), single = run(korea({"market.listed_programmes=1"}), 8);
  INFO("next programmes over 6 years: 3 programmes -> " << promoted(pipeline) << ", 1 -> " << promoted(single));
  CHECK(promoted(single) == 0);
  CHECK(single.sum.at("programmes_promoted") == 0);
  CHECK(promoted(pipeline) > 0);
  CHECK(pipeline.sum.at("programmes_promoted") == promoted(pipeline));
  for (const auto& e : pipeline.events)
    if (e.kind == code(EventKind::next_programme)) CHECK(e.detail <= 1);  // two programmes behind the lead at most
  // The listed firms that would have died with their lead live on.
  CHECK(pipeline.sum.at("listed_firms") > single.sum.at("listed_firms"));
  // A programme worth nothing to its owners (drugs that sell for nothing) is never started.
  const Outcome worthless = run(korea({"pharma.peak_sales_median_usd=1000"}), 8);
  CHECK(promoted(worthless) == 0);
}

TEST_CASE("public markets: VCs hold a listed stake through the lock-up, then sell it; listings draw new money only",
          "[mechanism][public]") {
  auto korea = [](std::int64_t lockup) {
    auto doc = sim::load_scenario_doc(kScenarios / "korea/korea.toml");
    sim::apply_override(doc, "run.steps=72");
    sim::apply_override(doc, "market.lockup_months=" + std::to_string(lockup));
    return load_params(doc);
  };
  for (const std::int64_t lockup : {std::int64_t{0}, std::int64_t{3}}) {
    const Params p = korea(lockup);
    World w = make_world(p, 8);
    int held = 0, ipos = 0, late = 0;
    std::map<int, double> new_money;  // IPO money raised by year
    simulate(w, p.run.steps, [&](World& world, std::int64_t step) {
      for (const auto& s : world.startups.items()) {
        if (!s.alive || !s.listed || s.stakes.empty() || s.listed_step < 0) continue;
        ++held;
        late += step - s.listed_step >= lockup;  // a stake still held after its lock-up
      }
      for (const auto& e : world.events.pending())
        if (e.kind == code(EventKind::ipo)) ++ipos, new_money[world.calendar.date_of(step).year] += e.amount;
      world.events.clear_pending();
    });
    INFO("lock-up " << lockup << ": " << ipos << " IPOs, " << held << " listed-firm months with VC stakes");
    REQUIRE(ipos > 0);
    CHECK(late == 0);
    if (lockup == 0) CHECK(held == 0);
    if (lockup > 0) CHECK(held > 0);
    for (const auto& [year, money] : new_money) CHECK(money <= p.market.public_equity_usd_per_year * (1 + 1e-9));
  }
}

TEST_CASE("capital: an empty founder pool stops foundings; exits refill it", "[mechanism][capital]") {
  const Outcome none = run(params_with(120, {"capital.founder_capital_usd=0", "capital.founder_reinvest_share=0"}), 5);
  CHECK(none.sum.at("startups_founded") == 0);
  CHECK(none.sum.at("foundings_unfunded") > 0);
  CHECK(none.last.at("founder_pool") == 0);
  // A small pool runs dry; with the founders' exit proceeds going back to it (up to its size) exits
  // refill it, so more startups are founded than without.
  const std::string small = "capital.founder_capital_usd=2e7";
  const Outcome dry = run(params_with(120, {small, "capital.founder_reinvest_share=0"}), 5);
  const Outcome refilled = run(params_with(120, {small, "capital.founder_reinvest_share=1"}), 5);
  CHECK(dry.sum.at("foundings_unfunded") > 0);
  CHECK(refilled.sum.at("startups_founded") > dry.sum.at("startups_founded"));
  // A stated pool is the limit: with a plentiful one nothing goes unfunded.
  CHECK(run(params_with(120, {"capital.founder_capital_usd=1e12"}), 5).sum.at("foundings_unfunded") == 0);
}

TEST_CASE("capital: the funds table has one row per fund ever raised; closed funds keep their figures",
          "[mechanism][capital]") {
  World w = make_world(params_with(180, {}), 8);
  std::size_t initial = w.fund_records.size();
  REQUIRE(initial > 0);
  std::size_t raised = 0, closed = 0;
  simulate(w, 180, [&](World& world, std::int64_t) {
    for (const auto& e : world.events.pending()) {
      raised += e.kind == code(EventKind::fund_raised);
      closed += e.kind == code(EventKind::fund_closed);
    }
    world.events.clear_pending();
  });
  CHECK(w.fund_records.size() == initial + raised);
  std::size_t not_open = 0;
  for (const auto& f : w.fund_records) not_open += !f.open;
  CHECK(not_open == closed);
  CHECK(closed > 0);
  const auto tables = agent_snapshot(w);
  const auto it =
      std::find_if(tables.begin(), tables.end(), [](const sim::AgentTable& t) { return t.type_name == "funds"; });
  REQUIRE(it != tables.end());
  CHECK(it->ids.size() == w.fund_records.size());
}

// ---------------------------------------------------------------------------------------------- Korea (#16)

namespace {

Params korea_with(std::int64_t steps, const std::vector<std::string>& overrides) {
  auto doc = sim::load_scenario_doc(kScenarios / "korea" / "korea.toml");
  sim::apply_override(doc, "run.steps=" + std::to_string(steps));
  for (const auto& o : overrides) sim::apply_override(doc, o);
  return load_params(doc);
}

/// Share of the world's startups whose lead asset, set to `stage` and `quality`, passes the evaluation.
double pass_rate(World& w, Stage stage, double quality) {
  double pass = 0, n = 0;
  for (auto& s : w.startups.items()) {
    if (s.service) continue;
    const Startup saved = s;
    s.stage = stage;
    s.quality = quality;
    pass += passes_tech_evaluation(w, s);
    n += 1;
    s = saved;
  }
  return pass / n;
}

}  // namespace

TEST_CASE("technology evaluation: passes more often at later stages and higher quality; the threshold binds",
          "[mechanism][korea]") {
  World w = make_world(korea_with(1, {}), 7);
  REQUIRE(w.startups.size() > 300);
  const double pre = pass_rate(w, Stage::preclinical, 0.5), ph1 = pass_rate(w, Stage::phase1, 0.5),
               ph2 = pass_rate(w, Stage::phase2, 0.5);
  INFO("pass rates at quality 0.5: preclinical " << pre << ", phase I " << ph1 << ", phase II " << ph2);
  CHECK(pre < ph1);
  CHECK(ph1 < ph2);
  CHECK(pass_rate(w, Stage::phase1, 0.2) < pass_rate(w, Stage::phase1, 0.8));
  // No agency error and a threshold between two assets' true odds: the better one passes, the other not.
  w.params.market.tech_eval_noise = 0.0;
  w.params.market.tech_eval_min_odds = 0.0;
  CHECK(pass_rate(w, Stage::preclinical, 0.0) == 1.0);
  w.params.market.tech_eval_min_odds = 1.0;
  CHECK(pass_rate(w, Stage::phase3, 1.0) == 0.0);
}

TEST_CASE("technology-special listing: every listing follows an application decided tech_eval_months later",
          "[mechanism][korea]") {
  const auto on = run(korea_with(72, {}), 11);
  INFO("applications " << on.sum.at("listing_applications") << ", rejections " << on.sum.at("listing_rejections")
                       << ", listings " << on.sum.at("startups_listed"));
  CHECK(on.sum.at("listing_applications") > 0);
  CHECK(on.sum.at("startups_listed") > 0);
  CHECK(on.sum.at("listing_rejections") > 0);
  CHECK(on.sum.at("listing_rejections") + on.sum.at("startups_listed") <= on.sum.at("listing_applications"));
  // A review longer than the run: applications, but no listing and no decision.
  const auto slow = run(korea_with(48, {"market.tech_eval_months=60"}), 11);
  CHECK(slow.sum.at("listing_applications") > 0);
  CHECK(slow.sum.at("startups_listed") == 0);
  CHECK(slow.sum.at("listing_rejections") == 0);
  // Without the rule no one applies; listings then need phase I (market.ipo_min_stage as in the US).
  const auto off = run(korea_with(72, {"market.tech_listing=false", "market.ipo_min_stage=1"}), 11);
  CHECK(off.sum.at("listing_applications") == 0);
  for (const auto& e : off.events)
    if (e.kind == code(EventKind::ipo)) CHECK(e.detail >= static_cast<int>(Stage::phase1));
}

TEST_CASE("jobs: market and budget-derived jobs are separate and add up to the total", "[recording]") {
  const Params p = params_with(36, {});
  World w = make_world(p, 3);
  int checked = 0;
  simulate(w, p.run.steps, [&](World& world, std::int64_t) {
    const auto& M = world.metrics;
    const auto& m = world.m;
    for (int r = 0; r < world.region_count(); ++r) {
      CHECK(M.get(m.employment_market, r) == M.get(m.employment_startups, r) + M.get(m.employment_pharma, r));
      CHECK(M.get(m.employment_budget, r) == M.get(m.employment_universities, r) + M.get(m.employment_hospitals, r));
      CHECK(M.get(m.employment_total, r) == M.get(m.employment_market, r) + M.get(m.employment_budget, r));
      checked += M.get(m.employment_budget, r) > 0 && M.get(m.employment_market, r) > 0;
    }
  });
  CHECK(checked > 0);
}

TEST_CASE("rounds: every failed round is counted under exactly one binding constraint", "[mechanism]") {
  for (const char* scenario : {"default", "korea"}) {
    INFO(scenario);
    const auto o = run(std::string(scenario) == "korea" ? korea_with(60, {}) : params_with(120, {}), 5);
    const double parts = o.sum.at("rounds_failed_worthless") + o.sum.at("rounds_failed_unseen") +
                         o.sum.at("rounds_failed_no_room") + o.sum.at("rounds_failed_target") +
                         o.sum.at("rounds_failed_short");
    CHECK(o.sum.at("rounds_failed") > 0);
    CHECK(parts == o.sum.at("rounds_failed"));
  }
  // Funds that may not place any new deal: what binds is room, not value.
  const auto base = run(params_with(60, {}), 5);
  const auto paced = run(params_with(60, {"vc.investment_period_years=0.5"}), 5);
  INFO("no room: " << base.sum.at("rounds_failed_no_room") << " -> " << paced.sum.at("rounds_failed_no_room"));
  CHECK(paced.sum.at("rounds_failed_no_room") > 2 * base.sum.at("rounds_failed_no_room"));
}

TEST_CASE("universities: a region's own research setting sets its universities' money and basic-research share",
          "[korea]") {
  const Params base = korea_with(1, {});
  World w = make_world(base, 1);
  double own_total = 0;
  for (const auto& u : w.universities.items()) own_total += u.own_research_usd_per_year;
  const double basic = base.policy.public_rd_usd_per_year * base.policy.basic_research_share;
  int hongneung = 0;
  for (const auto& u : w.universities.items()) {
    const auto& R = base.regions[static_cast<std::size_t>(u.region)];
    const double want = R.university_research_usd_per_year >= 0 ? R.university_research_usd_per_year
                                                                : base.university.research_budget_usd_per_year;
    CHECK(u.own_research_usd_per_year == Approx(want));
    CHECK(u.basic_funding_usd_per_year == Approx(basic * want / own_total));
    hongneung += R.name == "hongneung";
  }
  CHECK(hongneung > 0);
  // Global buyers keep their own size; home pharma the Korean one; production plants sell contract
  // capacity instead (MODEL.md §7.5).
  for (const auto& f : w.pharmas.items())
    CHECK(f.revenue_usd_per_year == Approx(f.production   ? 0.0
                                           : f.region < 0 ? base.pharma.outside_revenue_usd_per_year
                                                          : base.pharma.revenue_usd_per_year));
}

TEST_CASE("capital: a regional reserve of the LP pool funds managers outside the capital area",
          "[mechanism][capital]") {
  // Fund raises (first funds of entrants included) by the region of the manager.
  auto raised_outside = [](const Outcome& o) {
    return count_events(o, EventKind::fund_raised, [](const sim::Event& e) { return e.region == 1; });
  };
  const std::vector<std::string> rich = {"capital.lp_commitments_usd_per_year=2e9", "capital.max_entrants_per_year=6"};
  auto with = [&](const char* share) {
    auto v = rich;
    v.push_back(std::string("capital.regional_share=") + share);
    return params_with(120, v);
  };
  REQUIRE(with("0").regions[1].capital_area == false);
  const Outcome none = run(with("0"), 31), half = run(with("0.5"), 31);
  INFO("raises outside the capital area: share 0 -> " << raised_outside(none) << ", 0.5 -> " << raised_outside(half));
  CHECK(raised_outside(half) > raised_outside(none));
  // A reserve of 0 is the national pool exactly.
  const Outcome plain = run(params_with(120, rich), 31);
  CHECK(plain.sum.at("vc_raised") == none.sum.at("vc_raised"));
  CHECK(plain.sum.at("vc_invested") == none.sum.at("vc_invested"));
}

TEST_CASE("capital: the fund-of-funds commits only beside private money, up to its matching share",
          "[mechanism][capital]") {
  // default.toml with a scarce private pool (100M a year, nothing recycled) and a large public
  // fund-of-funds (1B a year, half of each fund it backs).
  const std::vector<std::string> scarce = {"capital.lp_commitments_usd_per_year=100e6", "capital.lp_recycle_share=0"};
  auto with = [&](std::vector<std::string> extra) {
    auto v = scarce;
    v.insert(v.end(), extra.begin(), extra.end());
    return params_with(240, v);
  };
  const Outcome none = run(with({}), 21);
  const Outcome fof = run(with({"capital.fof_budget_usd_per_year=1e9", "capital.fof_share=0.5"}), 21);
  INFO("raised: private only " << none.sum.at("vc_raised") << ", with the fund-of-funds " << fof.sum.at("vc_raised")
                               << " (public " << fof.sum.at("fof_committed") << ", private "
                               << fof.sum.at("lp_committed") << ")");
  CHECK(fof.sum.at("fof_committed") > 0);
  CHECK(fof.sum.at("vc_raised") > none.sum.at("vc_raised"));
  // The match: at most half of what funds raised is public, so public <= private in total.
  CHECK(fof.sum.at("fof_committed") <= fof.sum.at("lp_committed") * (1 + 1e-9));
  CHECK(fof.sum.at("vc_raised") == Approx(fof.sum.at("fof_committed") + fof.sum.at("lp_committed")));
  // Its calls come from the public budget and never exceed its commitments; what private money
  // could not match is left unallocated.
  CHECK(fof.flows.at("fund_of_funds") > 0);
  CHECK(fof.flows.at("fund_of_funds") <= fof.sum.at("fof_committed") * (1 + 1e-9));
  CHECK(fof.sum.at("spend_fund_of_funds") == Approx(fof.flows.at("fund_of_funds")));
  CHECK(fof.last.at("fof_unallocated") > 0);
  // A higher matching share backs more funds with the same private money.
  const Outcome high = run(with({"capital.fof_budget_usd_per_year=1e9", "capital.fof_share=0.8"}), 21);
  CHECK(high.sum.at("fof_committed") > fof.sum.at("fof_committed"));
  // No private money at all: nothing to match, no fund is raised and the budget is not spent.
  const Outcome dry = run(params_with(120, {"capital.lp_commitments_usd_per_year=0", "capital.lp_recycle_share=0",
                                            "capital.fof_budget_usd_per_year=1e9"}),
                          31);
  CHECK(dry.sum.at("vc_raised") == 0);
  CHECK(dry.flows.at("fund_of_funds") == 0);
  CHECK(dry.last.at("fof_unallocated") > 0);
}

TEST_CASE("capital: the fund-of-funds' regional reserve funds managers outside the capital area",
          "[mechanism][capital]") {
  auto raised_outside = [](const Outcome& o) {
    return count_events(o, EventKind::fund_raised, [](const sim::Event& e) { return e.region == 1; });
  };
  auto with = [&](const char* share) {
    return params_with(120,
                       {"capital.lp_commitments_usd_per_year=2e9", "capital.max_entrants_per_year=6",
                        "capital.fof_budget_usd_per_year=1e9", std::string("capital.fof_regional_share=") + share});
  };
  REQUIRE(with("0").regions[1].capital_area == false);
  const Outcome none = run(with("0"), 31), half = run(with("0.5"), 31);
  INFO("raises outside the capital area: share 0 -> " << raised_outside(none) << ", 0.5 -> " << raised_outside(half));
  CHECK(raised_outside(half) > raised_outside(none));
  CHECK(half.by_region.at("fof_committed")[1] > none.by_region.at("fof_committed")[1]);
}

TEST_CASE("mechanism: founders choose a region: amenity and a tax credit draw them, reach 0 keeps them home",
          "[mechanism]") {
  // default.toml: a capital cluster and a regional one 110 km away. Count foundings whose founders
  // came from the other region (founding events carry the home region in aux).
  auto moved_into_regional = [](const std::vector<std::string>& o) {
    double moved = 0, all = 0;
    for (int k = 0; k < 4; ++k) {
      const Outcome out = run(params_with(120, o), 900 + static_cast<std::uint64_t>(k));
      for (const auto& e : out.events)
        if (e.kind == code(EventKind::founding)) {
          all += 1;
          if (e.region == 1 && e.aux == 0) moved += 1;
        }
    }
    return std::pair{moved, all};
  };
  const std::string h = "location.founder.home=0", d = "location.founder.distance=0";
  const auto base = moved_into_regional({h, d});
  const auto liveable = moved_into_regional({h, d, "regions.regional.amenity_index=1.0"});
  // Rent is ~1% of a three-person founding team's monthly cost here (salaries and equipment dominate),
  // so a cost lever that can move the choice is an R&D tax credit on the salaries.
  const auto cheap = moved_into_regional({h, d, "regions.regional.policy.rd_tax_credit=0.5"});
  const auto home = moved_into_regional({h, d, "location.founder.reach_km=0"});
  INFO("foundings in the regional cluster by founders from the capital: base "
       << base.first << ", amenity 1 " << liveable.first << ", R&D credit 50% " << cheap.first << ", reach 0 "
       << home.first);
  REQUIRE(base.second > 100);
  CHECK(liveable.first > 1.3 * base.first + 2);
  CHECK(cheap.first > 1.2 * base.first);
  CHECK(home.first == 0);
}

TEST_CASE("mechanism: labour can bind: scarce seekers raise the wage and leave openings unfilled, a glut lowers it",
          "[mechanism]") {
  // default.toml: a capital cluster and a regional one. End-of-run wage index of each region, openings
  // left unfilled over the run, and the universities' research staff at the end (their money buys
  // fewer people at a higher wage, and they cannot replace those who leave).
  struct End {
    double wage[2];
    double unfilled;
    double univ_staff;
  };
  auto run_labour = [](const std::vector<std::string>& o) {
    const Params p = params_with(120, o);
    World w = make_world(p, 41);
    End e{{0, 0}, 0, 0};
    simulate(w, p.run.steps, [&](World& world, std::int64_t) {
      for (const auto& r : world.regions) e.unfilled += r.vacancies;
      world.events.clear_pending();
    });
    for (int r = 0; r < 2; ++r) e.wage[r] = w.regions[static_cast<std::size_t>(r)].wage_index;
    for (const auto& u : w.universities.items()) e.univ_staff += u.staff;
    return e;
  };
  const End scarce = run_labour({"university.graduates_per_year=0", "market.outside_movers_per_year=0",
                                 "regions.capital.talent_pool_persons=0", "regions.regional.talent_pool_persons=0"});
  const End base = run_labour({});
  const End glut = run_labour({"university.graduates_per_year=5000"});
  INFO("capital wage index: scarce " << scarce.wage[0] << ", base " << base.wage[0] << ", glut " << glut.wage[0]
                                     << "; unfilled openings (person-months) scarce " << scarce.unfilled << ", base "
                                     << base.unfilled << "; university staff, scarce " << scarce.univ_staff << ", base "
                                     << base.univ_staff);
  CHECK(scarce.wage[0] > 1.1);
  CHECK(scarce.wage[0] > base.wage[0]);
  CHECK(scarce.unfilled > 5.0 * (base.unfilled + 1.0));
  CHECK(scarce.univ_staff < 0.8 * base.univ_staff);
  for (int r = 0; r < 2; ++r) {
    CHECK(glut.wage[r] < 1.0);
    CHECK(glut.wage[r] < base.wage[r]);
  }
}

TEST_CASE("mechanism: job seekers move toward a liveable region and arrive from outside only when it is open",
          "[mechanism]") {
  auto moved_in = [](const std::vector<std::string>& o) {
    const Params p = params_with(120, o);
    World w = make_world(p, 43);
    double in[2] = {0, 0};
    simulate(w, p.run.steps, [&](World& world, std::int64_t) {
      for (int r = 0; r < 2; ++r) in[r] += world.regions[static_cast<std::size_t>(r)].migrants_in;
      world.events.clear_pending();
    });
    return std::pair{in[0], in[1]};
  };
  const auto base = moved_in({});
  const auto liveable = moved_in({"regions.regional.amenity_index=1.0"});
  const auto closed = moved_in({"market.outside_movers_per_year=0", "market.migration_rate_per_year=0"});
  INFO("job seekers moving into the regional cluster: base " << base.second << ", amenity 1 " << liveable.second
                                                             << ", closed " << closed.second);
  CHECK(liveable.second > 1.2 * base.second);
  CHECK(closed.first == 0);
  CHECK(closed.second == 0);
}

TEST_CASE("mechanism: a startup short of its planned team advances more slowly; pace 0 never advances", "[mechanism]") {
  const Params p = params_with(12, {});
  auto months_to_advance = [&](double pace, std::uint64_t seed) {
    Startup s;
    s.stage = Stage::preclinical;
    s.quality = 1.0;
    for (int t = 0; t < 600; ++t) {
      sim::Rng timing(seed, t, 4, 7, 1, 0), success(seed, t, 4, 7, 2, 0);
      if (progress_asset(s, p.startup, 0.0, timing, success, pace)) return t;
      if (s.asset_failed) s.asset_failed = false;  // only the timing is measured
    }
    return 600;
  };
  double full = 0, half = 0;
  for (std::uint64_t k = 0; k < 200; ++k) full += months_to_advance(1.0, k), half += months_to_advance(0.5, k);
  INFO("mean months to leave preclinical: full team " << full / 200 << ", half team " << half / 200);
  CHECK(half > 1.5 * full);
  CHECK(months_to_advance(0.0, 1) == 600);
}

TEST_CASE("mechanism: production plants earn from contract demand, hire, and build when demand outgrows them",
          "[mechanism]") {
  // default.toml plus one 100,000 L plant in the capital cluster; 10 years.
  struct End {
    double capacity = 0, staff = 0, revenue = 0, builds = 0;
  };
  auto run_plants = [](std::vector<std::string> o) {
    o.push_back("regions.capital.production_plants=1");
    o.push_back("regions.capital.plant_litres=100000");
    const Params p = params_with(120, o);
    World w = make_world(p, 47);
    End e;
    simulate(w, p.run.steps, [&](World& world, std::int64_t) {
      for (const auto& ev : world.events.pending()) e.builds += ev.kind == code(EventKind::plant_built);
      for (const auto& f : world.pharmas.items())
        if (f.production) e.revenue += f.revenue_due;
      world.events.clear_pending();
    });
    for (const auto& f : w.pharmas.items())
      if (f.production) e.capacity += f.capacity_litres, e.staff += f.staff;
    return e;
  };
  const End base = run_plants({});
  const End flat = run_plants({"production.demand_growth_per_year=0"});
  const End scarce = run_plants({"university.graduates_per_year=0", "market.outside_movers_per_year=0",
                                 "regions.capital.talent_pool_persons=0", "regions.regional.talent_pool_persons=0"});
  const End dear = run_plants({"production.capex_usd_per_litre=1e6"});
  INFO("capacity at end: base " << base.capacity << " (" << base.builds << " plants built), flat demand "
                                << flat.capacity << ", capex x150 " << dear.capacity << "; revenue base "
                                << base.revenue << ", scarce labour " << scarce.revenue << "; staff " << base.staff);
  CHECK(base.builds > 0);
  CHECK(base.capacity > 100000);
  CHECK(flat.capacity == 100000);  // demand at 80% of capacity and not growing: nothing to build
  CHECK(dear.capacity == 100000);  // growing demand, but no plant worth its cost
  CHECK(base.staff > 0.9 * 0.008 * 100000 * 0.8);
  CHECK(scarce.revenue < 0.9 * base.revenue);  // a plant that cannot hire produces less
}

TEST_CASE("mechanism: a tax holiday moves the plant build decision and the site", "[mechanism][lever]") {
  // One 100,000 L plant in the capital region; demand grows 10% a year, so capacity is short within
  // a few years. At a capex of 8,500 USD/L a taxed plant is worth less than it costs (no build) and
  // an untaxed one more: the owner builds only under the holiday.
  auto builds = [](const std::vector<std::string>& extra) {
    std::vector<std::string> o = {"regions.capital.production_plants=1", "production.capex_usd_per_litre=8500"};
    o.insert(o.end(), extra.begin(), extra.end());
    const Outcome out = run(params_with(120, o), 48);
    std::vector<int> per_region(2, 0);
    for (const auto& e : out.events)
      if (e.kind == code(EventKind::plant_built)) ++per_region[static_cast<std::size_t>(e.region)];
    return per_region;
  };
  const auto taxed = builds({}), holiday = builds({"regions.capital.policy.tax_exemption_years=100"});
  CHECK(taxed[0] == 0);
  CHECK(holiday[0] > 0);
  // A holiday already spent (shorter than the firm's age when the plant would run) is worth nothing.
  CHECK(builds({"regions.capital.policy.tax_exemption_years=1"})[0] == 0);
  // Two sites, a plant in each region: the owner in the region with the holiday builds.
  const auto two = builds({"regions.regional.production_plants=1", "regions.regional.policy.tax_exemption_years=100"});
  CHECK(two[0] == 0);
  CHECK(two[1] > 0);
}

TEST_CASE(
    "mechanism: a public demand programme buys plants' output, is paid by the government, and moves the "
    "build decision",
    "[mechanism][lever]") {
  // One 100,000 L plant at 80% use, demand flat; a programme of 40,000 L a year at the default price
  // (4,800 USD per litre-year): demand 120,000 L, above capacity, so the owner builds.
  struct End {
    double revenue = 0, paid_by_government = 0, builds = 0, staff = 0;
  };
  auto run_plants = [](double programme) {
    const Params p = params_with(120, {"regions.capital.production_plants=1", "regions.capital.plant_litres=100000",
                                       "production.demand_growth_per_year=0", "production.long_run_growth_per_year=0",
                                       "policy.demand_programme_usd_per_year=" + std::to_string(programme)});
    World w = make_world(p, 48);
    End e;
    const auto nr = static_cast<std::size_t>(w.region_count());
    simulate(w, p.run.steps, [&](World& world, std::int64_t) {
      for (const auto& ev : world.events.pending()) e.builds += ev.kind == code(EventKind::plant_built);
      for (const auto& f : world.pharmas.items())
        if (f.production) e.revenue += f.revenue_due;
      const auto& flows = world.ledger.step_flows_by_type_region();
      for (std::size_t r = 0; r < nr; ++r)
        e.paid_by_government += flows[static_cast<std::size_t>(code(Flow::public_purchase)) * nr + r];
      world.events.clear_pending();
    });
    for (const auto& f : w.pharmas.items())
      if (f.production) e.staff += f.staff;
    return e;
  };
  const End none = run_plants(0.0), programme = run_plants(40000.0 * 4800.0);
  INFO("revenue " << none.revenue << " -> " << programme.revenue << ", paid by the government "
                  << programme.paid_by_government << ", plants built " << none.builds << " -> " << programme.builds
                  << ", staff " << none.staff << " -> " << programme.staff);
  CHECK(none.paid_by_government == 0);
  CHECK(none.builds == 0);
  CHECK(programme.builds > 0);  // the owner expects the programme to last and builds for it
  CHECK(programme.staff > 1.2 * none.staff);
  CHECK(programme.revenue > 1.2 * none.revenue);
  // Demand is flat, so the programme's share of every plant's sales is 40,000 / 120,000.
  CHECK(programme.paid_by_government == Approx(programme.revenue / 3.0).epsilon(1e-9));
}

TEST_CASE("applied grants: a budget-bound programme funds the best-scored proposals, fewer with a larger basic share",
          "[mechanism][lever]") {
  auto boston = [](double basic) {
    auto doc = sim::load_scenario_doc(kScenarios / "us/boston.toml");
    sim::apply_override(doc, "run.steps=36");
    sim::apply_override(doc, "policy.basic_research_share=" + std::to_string(basic));
    return load_params(doc);
  };
  std::map<double, double> awards;
  for (const double basic : {0.96, 0.98}) {
    const Params p = boston(basic);
    const double budget = p.policy.public_rd_usd_per_year * (1 - basic) * p.policy.sme_grant_share / 12.0;
    const double award = p.policy.applied_grant_max_usd_per_year / 12.0;
    World w = make_world(p, 5);
    double q_funded = 0, n_funded = 0, q_other = 0, n_other = 0, over = 0, paid = 0;
    simulate(w, p.run.steps, [&](World& world, std::int64_t step) {
      double holders = 0;
      for (const auto& s : world.startups.items()) {
        if (!s.alive || !sme_eligible(s) || s.founded_step == step) continue;
        const bool funded = s.grant_until >= step;
        holders += funded;
        (funded ? q_funded : q_other) += s.quality;
        (funded ? n_funded : n_other) += 1;
      }
      over += holders * award > budget * (1 + 1e-9);
      paid += world.ledger.step_flow_total(code(Flow::grant_applied));
      CHECK(world.ledger.step_flow_total(code(Flow::grant_applied)) <= budget * (1 + 1e-9));
    });
    INFO("basic share " << basic << ": " << n_funded << " funded firm-months (mean quality " << q_funded / n_funded
                        << "), " << n_other << " unfunded (" << q_other / n_other << ")");
    CHECK(over == 0);
    REQUIRE(n_funded > 0);
    REQUIRE(n_other > n_funded);                     // the budget binds in Boston
    CHECK(q_funded / n_funded > q_other / n_other);  // the reviewers fund the better proposals
    awards[basic] = paid;
  }
  CHECK(awards.at(0.98) < 0.6 * awards.at(0.96));  // half the non-basic budget: about half the awards
  // Where the budget does not bind (Korea's first years), every eligible firm holds an award.
  auto doc = sim::load_scenario_doc(kScenarios / "korea/korea.toml");
  sim::apply_override(doc, "run.steps=24");
  const Outcome korea = run(load_params(doc), 3);
  CHECK(korea.sum.at("grants_awarded") > 0);
  CHECK(korea.sum.at("grants_unfunded") == 0);
}
