// The valuation of a lead asset (agents/valuation.cpp) and the prices it produces in the markets.
#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>
#include <map>
#include <set>

#include "agents/markets/acquisitions.hpp"
#include "agents/markets/alliances.hpp"
#include "agents/model.hpp"
#include "agents/operations.hpp"
#include "agents/params.hpp"
#include "agents/simulate.hpp"
#include "agents/valuation.hpp"
#include "agents/world.hpp"
#include "sim/config.hpp"

using namespace biocluster;
using namespace biocluster::agents;

namespace {

const std::filesystem::path kScenarios = std::filesystem::path(BIOCLUSTER_SOURCE_DIR) / "scenarios";

Params scenario(const std::string& file, std::int64_t steps, const std::vector<std::string>& overrides = {}) {
  auto doc = sim::load_scenario_doc(kScenarios / file);
  sim::apply_override(doc, "run.steps=" + std::to_string(steps));
  for (const auto& o : overrides) sim::apply_override(doc, o);
  return load_params(doc);
}

std::vector<sim::Event> events_of(const Params& p, std::uint64_t seed) {
  World w = make_world(p, seed);
  std::vector<sim::Event> out;
  simulate(w, p.run.steps, [&](World& world, std::int64_t) {
    out.insert(out.end(), world.events.pending().begin(), world.events.pending().end());
    world.events.clear_pending();
  });
  return out;
}

/// The month-by-month sum the closed form replaces.
double drug_value_by_months(double peak, double from, double r, const PharmaParams& pp, const PolicyParams& q) {
  double v = 0, disc = 1;
  for (double m = from; m < 12.0 * pp.drug_life_years; m += 1.0) {
    v += pp.drug_margin * peak / 12.0 * sales_per_peak(m, pp, q) * disc;
    disc *= std::pow(1.0 + r, -1.0 / 12.0);
  }
  return v;
}

}  // namespace

TEST_CASE("valuation: a drug's value is the discounted sum of its monthly contribution", "[valuation]") {
  PharmaParams pp;
  PolicyParams q;
  q.drug_price_index = 0.17;
  for (double excl : {6.0, 10.5, 12.0, 25.0})
    for (double r : {0.0, 0.1, 0.2})
      for (double from : {0.0, 5.0, 80.0, 300.0}) {
        q.data_exclusivity_years = excl;
        q.world_sales_share = excl < 10 ? 0.6 : 0.0;
        CAPTURE(excl, r, from);
        CHECK(drug_value_usd(3e8, from, r, pp, q) == Approx(drug_value_by_months(3e8, from, r, pp, q)).epsilon(1e-9));
      }
  CHECK(sales_share(0, pp, 12) == 0.11);
  CHECK(sales_share(5 * 12 + 3, pp, 12) == 1.0);
  CHECK(sales_share(12 * 12, pp, 12) == Approx(1.0 - pp.generic_erosion));
  CHECK(sales_share(12 * pp.drug_life_years, pp, 12) == 0.0);
}

TEST_CASE("valuation: value rises with the market and with progress, falls with the rate, never below zero",
          "[valuation]") {
  const Params p = scenario("default.toml", 1);
  const auto vc = make_rate_table(0.2, p.startup, p.pharma, p.policy);
  const auto pharma = make_rate_table(0.1, p.startup, p.pharma, p.policy);
  Startup s;
  s.peak_sales_usd = 3e9;  // a large market and a good signal: worth developing at the VC rate
  s.stage = Stage::phase1;
  const Valuer at_vc{&vc, 1.3, 20000}, at_pharma{&pharma, 1.3, 20000};
  const double v1 = asset_value_usd(s, at_vc, p.startup, p.pharma, p.policy, 0);
  CHECK(v1 > 0);
  CHECK(asset_value_usd(s, at_pharma, p.startup, p.pharma, p.policy, 0) > v1);  // the rate gap selling rests on
  s.stage = Stage::phase2;
  CHECK(asset_value_usd(s, at_vc, p.startup, p.pharma, p.policy, 0) > v1);  // a readout passed
  s.stage = Stage::phase1;
  s.peak_sales_usd = 4e9;
  CHECK(asset_value_usd(s, at_vc, p.startup, p.pharma, p.policy, 0) > v1);
  CHECK(asset_value_usd(s, {&vc, 1.4, 20000}, p.startup, p.pharma, p.policy, 0) >
        asset_value_usd(s, {&vc, 0.6, 20000}, p.startup, p.pharma, p.policy, 0));  // a better signal
  s.peak_sales_usd = 1e6;  // not worth its trials: the owner would stop, worth exactly nothing
  CHECK(asset_value_usd(s, at_vc, p.startup, p.pharma, p.policy, 0) == 0.0);
}

TEST_CASE("valuation: local knowledge's odds are priced; the market's read of peak sales sharpens with readouts",
          "[valuation]") {
  const Params p = scenario("default.toml", 1);
  const auto vc = make_rate_table(0.2, p.startup, p.pharma, p.policy);
  Startup s;
  s.peak_sales_usd = 3e9;
  s.stage = Stage::phase1;
  const Valuer at_vc{&vc, 1.0, 20000};
  const double plain = asset_value_usd(s, at_vc, p.startup, p.pharma, p.policy, 0);
  s.odds_boost = 1.3f;  // the same asset where knowledge raises its odds: worth more to every valuer
  CHECK(asset_value_usd(s, at_vc, p.startup, p.pharma, p.policy, 0) > plain);
  s.odds_boost = 1.0f;
  // A valuer works with the market's estimate of peak sales until launch, then with the truth.
  s.peak_estimate_usd = 1e9;
  s.peak_estimate_stage = static_cast<std::int8_t>(Stage::phase1);
  CHECK(known_peak_usd(s) == 1e9);
  CHECK(asset_value_usd(s, at_vc, p.startup, p.pharma, p.policy, 0) < plain);
  s.stage = Stage::approved;
  CHECK(known_peak_usd(s) == 3e9);

  // Over many assets: the estimate is unbiased in levels (a posterior mean), its error shrinks
  // stage by stage, and without noise it is the truth.
  World w = make_world(p, 5);
  const int n = 20000;
  double sum_true = 0, sum_est = 0, err[4] = {0, 0, 0, 0};
  for (int i = 0; i < n; ++i) {
    Startup a;
    a.id = i;
    a.peak_sales_usd = draw_peak_sales(w, a.id, 0);
    sum_true += a.peak_sales_usd;
    for (int k = 0; k < 4; ++k) {
      a.stage = static_cast<Stage>(k);
      const double e = peak_estimate_usd(w, a);
      if (k == 0) sum_est += e;
      err[k] += std::abs(std::log(e / a.peak_sales_usd)) / n;
    }
  }
  CHECK(sum_est == Approx(sum_true).epsilon(0.08));
  CHECK(err[0] > err[1]);
  CHECK(err[1] > err[2]);
  CHECK(err[2] > err[3]);
  CHECK(err[3] > 0);
  Params exact = p;
  exact.pharma.peak_signal_sd = 0;
  World x = make_world(exact, 5);
  Startup a;
  a.peak_sales_usd = 7e8;
  CHECK(peak_estimate_usd(x, a) == 7e8);
}

TEST_CASE("valuation: preclinical studies are paid once investors fund the company, never by service firms",
          "[valuation]") {
  const Params p = scenario("default.toml", 1);
  Startup s;
  s.stage = Stage::preclinical;
  compute_costs(s, p.startup, 20000, 50, 0);
  CHECK(s.trial_cost_due == 0.0);  // founder-funded: bench work only
  s.rounds = 1;
  compute_costs(s, p.startup, 20000, 50, 0);
  CHECK(s.trial_cost_due == Approx(p.startup.preclinical_cost_usd / (12.0 * p.startup.preclinical_years)));
  s.service = true;
  compute_costs(s, p.startup, 20000, 50, 0);
  CHECK(s.trial_cost_due == 0.0);
}

TEST_CASE("valuation: a licensed-out asset is worth less to its owner and the licensee values sales without costs",
          "[valuation][licensing]") {
  const Params p = scenario("default.toml", 1);
  const auto vc = make_rate_table(0.2, p.startup, p.pharma, p.policy);
  const auto pharma = make_rate_table(0.1, p.startup, p.pharma, p.policy);
  Startup s;
  s.peak_sales_usd = 3e9;
  s.stage = Stage::phase1;
  const Valuer at_vc{&vc, 1.3, 20000};
  const double whole = asset_value_usd(s, at_vc, p.startup, p.pharma, p.policy, 0);
  REQUIRE(whole > 0);
  s.retained_sales_share = 0.4;
  CHECK(asset_value_usd(s, at_vc, p.startup, p.pharma, p.policy, 0) < whole);
  // The licensee's value counts every share of sales (not the retained one), no costs: above the
  // owner's value of the whole asset, and the odds-weighted launch value in closed form.
  const double sales = sales_value_usd(s, pharma, 1.3, p.startup, p.pharma, p.policy, 0);
  Startup own = s;
  own.retained_sales_share = 1.0;
  CHECK(sales > asset_value_usd(own, {&pharma, 1.3, 20000}, p.startup, p.pharma, p.policy, 0));
  double expect = 3e9 * pharma.launch_value_per_peak_usd;
  for (int k = static_cast<int>(Stage::phase1); k < static_cast<int>(Stage::approved); ++k)
    expect *= std::min(1.0, stage_success(static_cast<Stage>(k), p.startup) * 1.3) * pharma.d_full[k];
  CHECK(sales == Approx(expect).epsilon(1e-12));
  s.stage = Stage::approved;
  s.approved_step = 0;
  CHECK(sales_value_usd(s, pharma, 1.3, p.startup, p.pharma, p.policy, 24) ==
        Approx(drug_value_usd(3e9, 24, 0.1, p.pharma, p.policy)).epsilon(1e-12));
}

TEST_CASE("markets: a licensee pays milestones at later successes and sells its share of an approved drug",
          "[valuation][markets][licensing]") {
  const Params p = scenario("us/boston.toml", 1);
  World w = make_world(p, 3);
  Startup* s = nullptr;
  for (auto& x : w.startups.items())
    if (x.alive && !x.service && x.owner_id < 0 && !x.listed) s = &x;
  Pharma* f = nullptr;
  for (auto& x : w.pharmas.items())
    if (x.site_of < 0) f = &x;
  REQUIRE(s);
  REQUIRE(f);
  s->partnered = true;
  s->licensee_id = f->id;
  s->retained_sales_share = 1.0 - p.pharma.licence_share;
  s->licence_milestone_usd = 5e6;
  double fb = w.ledger.balance(f->account), sb = w.ledger.balance(s->account);
  pay_licence_milestone(w, *s);  // at a stage success
  CHECK(w.ledger.balance(f->account) == Approx(fb - 5e6));
  CHECK(w.ledger.balance(s->account) == Approx(sb + 5e6));
  // An approved drug three years after launch: the licensee books licence_share of the month's
  // sales and keeps their contribution after tax.
  s->stage = Stage::approved;
  s->peak_sales_usd = 1e9;
  s->approved_step = static_cast<std::int32_t>(w.step) - 36;
  for (auto& x : w.startups.items()) x.advanced_now = x.approved_now = false;
  const double total = 1e9 / 12.0 * sales_per_peak(36, p.pharma, p.policy);
  fb = w.ledger.balance(f->account);
  book_startups(w);
  CHECK(w.ledger.balance(f->account) - fb ==
        Approx(p.pharma.licence_share * total * p.pharma.drug_margin * (1.0 - p.market.corporate_tax_rate))
            .epsilon(1e-9));
}

TEST_CASE("markets: round prices vary with the asset and exits are not a fixed multiple of the last round",
          "[valuation][markets]") {
  const auto ev = events_of(scenario("us/boston.toml", 120), 7);
  std::map<std::int64_t, double> last_post;
  std::set<long long> step_ups, exit_ratios;
  int up = 0, down = 0;
  for (const auto& e : ev) {
    if (e.kind == code(EventKind::round_priced)) {
      if (auto it = last_post.find(e.subject_id); it != last_post.end()) {
        const double ratio = e.value / it->second;  // pre-money / the last post-money
        step_ups.insert(std::llround(ratio * 1000));
        (ratio > 1.0 ? up : down) += 1;
      }
      last_post[e.subject_id] = e.value + e.amount;
    } else if (e.kind == code(EventKind::acquisition) || e.kind == code(EventKind::ipo)) {
      if (auto it = last_post.find(e.subject_id); it != last_post.end())
        exit_ratios.insert(std::llround(e.value / it->second * 1000));
    }
  }
  CHECK(step_ups.size() > 20);
  CHECK(up > 0);
  CHECK(down > 0);
  CHECK(exit_ratios.size() > 20);
}

TEST_CASE("markets: public investors' budget bounds listings; approved drugs earn for independent owners",
          "[valuation][markets]") {
  double listed_with = 0, listed_without = 0;
  for (const auto& e : events_of(scenario("us/boston.toml", 60), 3)) listed_with += e.kind == code(EventKind::ipo);
  for (const auto& e : events_of(scenario("us/boston.toml", 60, {"market.public_equity_usd_per_year=0"}), 3))
    listed_without += e.kind == code(EventKind::ipo);
  CHECK(listed_with > 0);
  CHECK(listed_without == 0);
  // Over 25 years some independent or listed firm's drug is approved and sells (drug_sales), and
  // dividends reach its shareholders.
  const Params p = scenario("us/boston.toml", 300);
  World w = make_world(p, 5);
  double sales = 0, dividends = 0;
  simulate(w, p.run.steps, [&](World& world, std::int64_t) {
    for (int r = 0; r < world.region_count(); ++r) sales += world.metrics.get(world.m.drug_sales, r);
    dividends += world.ledger.step_flow_total(code(Flow::dividend));
    world.events.clear_pending();
  });
  CHECK(sales > 0);
  CHECK(dividends > 0);
}

TEST_CASE("markets: acquirers compete: more bidders pay more for the same asset", "[valuation][markets]") {
  // One world, one month's acquisitions matched twice from the same state: once with every buyer,
  // once with a single buyer (the others' cash removed). Sealed bids are each buyer's own, so for
  // the companies bought in both the best of many bids is at least the single buyer's, and higher
  // on average.
  const Params p = scenario("us/boston.toml", 72);
  World w = make_world(p, 2);
  auto prices = [](World x, bool single) {
    if (single) {  // only the richest buyer keeps its cash
      sim::AccountId richest = 0;
      double most = -1;
      for (const auto& f : x.pharmas.items())
        if (f.site_of < 0 && x.ledger.balance(f.account) > most)
          most = x.ledger.balance(f.account), richest = f.account;
      for (auto& f : x.pharmas.items())
        if (const double c = x.ledger.balance(f.account); f.site_of < 0 && f.account != richest && c > 0)
          x.ledger.transfer(f.account, x.ext.world_market, c, code(Flow::operating_cost), x.step);
    }
    x.events.clear_pending();
    match_acquisitions(x);
    std::map<std::int64_t, double> out;
    for (const auto& e : x.events.pending())
      if (e.kind == code(EventKind::acquisition)) out[e.subject_id] = e.value;
    return out;
  };
  int common = 0, at_least = 0;
  std::size_t deals_many = 0, deals_one = 0;
  double sum_many = 0, sum_one = 0;
  for (int month = 0; month < 72; ++month) {  // each month's state, matched both ways
    simulate(w, 1, [](World& world, std::int64_t) { world.events.clear_pending(); });
    if (month < 24) continue;
    const auto many = prices(w, false), one = prices(w, true);
    deals_many += many.size(), deals_one += one.size();
    for (const auto& [id, price] : one)
      if (auto it = many.find(id); it != many.end()) {
        ++common;
        at_least += it->second >= price * (1 - 1e-12);
        sum_many += it->second, sum_one += price;
      }
  }
  REQUIRE(common >= 5);
  CHECK(at_least == common);
  CHECK(sum_many > sum_one);
  CHECK(deals_many > deals_one);  // more buyers clear more deals
}
