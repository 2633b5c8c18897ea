// Whole-model tests: determinism across thread counts, seeds, accounting, every shipped scenario.
#include <tbb/global_control.h>
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>

#include "agents/model.hpp"
#include "agents/params.hpp"
#include "agents/simulate.hpp"
#include "sim/config.hpp"
#include "sim/errors.hpp"

using namespace biocluster;
using namespace biocluster::agents;

namespace {

const std::filesystem::path kScenarios = std::filesystem::path(BIOCLUSTER_SOURCE_DIR) / "scenarios";

Params default_params(std::int64_t steps) {
  auto doc = sim::load_scenario_doc(kScenarios / "default.toml");
  sim::apply_override(doc, "run.steps=" + std::to_string(steps));
  return load_params(doc);
}

/// Everything a run produces, as raw bytes: metric frames, events, final balances.
struct Trace {
  std::vector<double> frames;
  std::vector<sim::Event> events;
  std::vector<double> balances;
  std::vector<double> fields;
};

Trace run(const Params& p, std::uint64_t seed, int threads) {
  tbb::global_control limit(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(threads));
  World w = make_world(p, seed);
  Trace t;
  simulate(w, p.run.steps, [&](World& world, std::int64_t) {
    const auto f = world.metrics.frame();
    t.frames.insert(t.frames.end(), f.begin(), f.end());
    t.events.insert(t.events.end(), world.events.pending().begin(), world.events.pending().end());
    world.events.clear_pending();
  });
  for (std::size_t a = 0; a < w.ledger.account_count(); ++a)
    t.balances.push_back(w.ledger.balance(static_cast<sim::AccountId>(a)));
  for (const auto* f : output_fields(w)) t.fields.insert(t.fields.end(), f->values.begin(), f->values.end());
  return t;
}

template <class T>
bool same_bytes(const std::vector<T>& a, const std::vector<T>& b) {
  return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(T)) == 0);
}

bool identical(const Trace& a, const Trace& b) {
  return same_bytes(a.frames, b.frames) && same_bytes(a.events, b.events) && same_bytes(a.balances, b.balances) &&
         same_bytes(a.fields, b.fields);
}

}  // namespace

TEST_CASE("determinism: bit-identical results with 1 2 4 and 8 threads", "[determinism]") {
  const Params p = default_params(60);
  const Trace one = run(p, 11, 1);
  REQUIRE(!one.events.empty());
  for (int threads : {2, 4, 8}) {
    INFO("threads = " << threads);
    CHECK(identical(one, run(p, 11, threads)));
  }
  SECTION("a different seed gives a different run") { CHECK_FALSE(identical(one, run(p, 12, 1))); }
}

TEST_CASE(
    "determinism: a US history run (staged calls, VC entry, alliances, layoffs on) is identical at 1 and 2 threads",
    "[determinism]") {
  auto doc = sim::load_scenario_doc(kScenarios / "us" / "boston.toml");
  const Params p = load_params(doc);
  REQUIRE(p.vc.capital_call_years > 0);
  REQUIRE(p.vc.entry_per_billion_usd > 0);
  REQUIRE(p.pharma.alliance_share_of_rd > 0);
  REQUIRE(p.startup.layoff_runway_months > 0);
  const Trace one = run(p, 5, 1);
  bool entry = false, alliance = false;
  for (const auto& e : one.events) {
    entry |= e.kind == code(EventKind::fund_raised) && e.detail == 1 && e.step > 0;
    alliance |= e.kind == code(EventKind::alliance);
  }
  CHECK(entry);
  CHECK(alliance);
  CHECK(identical(one, run(p, 5, 2)));
}

TEST_CASE("the default scenario produces a living cluster economy", "[model]") {
  const Params p = default_params(120);
  World w = make_world(p, 3);
  sim::PhaseTimes<6> times;
  std::int64_t founded = 0, rounds = 0, trials = 0, failures = 0;
  for (std::int64_t k = 0; k < p.run.steps; ++k) {
    run_step(w, times);
    for (const auto& e : w.events.pending()) {
      founded += e.kind == code(EventKind::founding);
      rounds += e.kind == code(EventKind::funding_round);
      trials += e.kind == code(EventKind::trial_start);
      failures += e.kind == code(EventKind::failure);
      REQUIRE(e.step == k);
    }
    w.events.clear_pending();
    // Invariants every step: no negative cash or headcount, the grand total stays zero.
    for (const auto& s : w.startups.items()) {
      REQUIRE(s.headcount >= 0);
      REQUIRE(w.ledger.balance(s.account) >= -1e-6);
    }
    double scale = 0;
    for (std::size_t a = 0; a < w.ledger.account_count(); ++a)
      scale += std::abs(w.ledger.balance(static_cast<sim::AccountId>(a)));
    REQUIRE(std::abs(w.ledger.grand_total()) <= 1e-12 * scale);
  }
  CHECK(founded > 0);
  CHECK(rounds > 0);
  CHECK(trials > 0);
  CHECK(failures > 0);
  CHECK(w.startups.size() > 0);
}

TEST_CASE("accounting identity holds in every step of many seeded runs", "[accounting]") {
  const Params p = default_params(48);
  for (std::uint64_t seed = 100; seed < 110; ++seed) {
    World w = make_world(p, seed);
    REQUIRE_NOTHROW(simulate(w, p.run.steps, [](World&, std::int64_t) {}));  // account phase checks
    for (double v : w.metrics.frame()) REQUIRE(std::isfinite(v));
  }
}

TEST_CASE("every shipped scenario loads and runs a few steps", "[scenarios]") {
  int n = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(kScenarios)) {
    if (entry.path().extension() != ".toml") continue;
    // Not scenarios: sweep files, experiment files (scenarios/experiments/*.toml; their override files in
    // subfolders are scenarios) and calibration-target files.
    const auto dir = entry.path().parent_path().filename();
    if (dir == "sweeps" || dir == "experiments") continue;
    if (entry.path().filename().string().ends_with(".targets.toml")) continue;
    if (entry.path().filename().string().starts_with("_")) continue;  // fragments for include (e.g. us/_us_common.toml)
    INFO("scenario " << entry.path());
    auto doc = sim::load_scenario_doc(entry.path());
    sim::apply_override(doc, "run.steps=6");
    const Params p = load_params(doc);
    World w = make_world(p, 1);
    REQUIRE_NOTHROW(simulate(w, 6, [](World&, std::int64_t) {}));
    ++n;
  }
  CHECK(n >= 1);
}

TEST_CASE("scenario-level bad input: contradictory and misplaced values", "[bad-input]") {
  auto doc = sim::load_scenario_doc(kScenarios / "default.toml");
  SECTION("more research hospitals than hospitals") {
    sim::apply_override(doc, "regions.regional.research_hospitals=5");
    CHECK_THROWS_WITH(load_params(doc), Catch::Contains("research_hospitals = 5 > hospitals = 2"));
  }
  SECTION("a region outside the grid") {
    sim::apply_override(doc, "regions.regional.x_km=500");
    CHECK_THROWS_WITH(load_params(doc), Catch::Contains("lies outside the grid"));
  }
  SECTION("geographic positions: a pair needs both halves, a placed grid, and agrees with written km") {
    sim::apply_override(doc, "regions.capital.lat_deg=37.0");
    CHECK_THROWS_WITH(load_params(doc), Catch::Contains("gives one of lat_deg and lon_deg"));
    sim::apply_override(doc, "regions.capital.lon_deg=127.0");
    CHECK_THROWS_WITH(load_params(doc), Catch::Contains("the grid is not placed on the Earth"));
    sim::apply_override(doc, "grid.origin_lat_deg=36.8");
    CHECK_THROWS_WITH(load_params(doc), Catch::Contains("needs both grid.origin_lat_deg and grid.origin_lon_deg"));
    sim::apply_override(doc, "grid.origin_lon_deg=126.7");
    // default.toml writes capital x_km = 30, y_km = 30; (37.0, 127.0) projects to (26.67, 22.26) km
    CHECK_THROWS_WITH(load_params(doc), Catch::Contains("x_km = 30.0 but its lat_deg/lon_deg project to 26.67 km"));
    sim::apply_override(doc, "grid.origin_lat_deg=-120");
    CHECK_THROWS_WITH(load_params(doc), Catch::Contains("grid.origin_lat_deg = -120.0 is not a latitude"));
  }
  SECTION("geographic positions place a region whose km are not written") {
    auto text = sim::parse_scenario_text(
        "[grid]\nwidth = 100\nheight = 100\norigin_lat_deg = 36.0\norigin_lon_deg = 127.0\n"
        "[regions.a]\nlat_deg = 36.5\nlon_deg = 127.5\n",
        "geo.toml");
    const Params p = load_params(text);
    CHECK(p.regions[0].y_km == Approx(0.5 * kKmPerDegree));
    CHECK(p.regions[0].x_km == Approx(0.5 * kKmPerDegree * std::cos(36.5 * 3.14159265358979 / 180)));
    CHECK(projected_x_km(p.grid, 36.5, 127.5) == p.regions[0].x_km);
  }
  SECTION("a misspelt region key suggests the right one") {
    sim::apply_override(doc, "regions.capital.universites=2");
    CHECK_THROWS_WITH(load_params(doc), Catch::Contains("did you mean 'regions.capital.universities'?"));
  }
  SECTION("no region at all") {
    CHECK_THROWS_WITH(load_params(sim::parse_scenario_text("[run]\nsteps = 3\n", "empty.toml")),
                      Catch::Contains("defines no region"));
  }
}

TEST_CASE("resolved parameters load back identically", "[params]") {
  const Params p = default_params(24);
  const std::string text = to_toml(p);
  const Params q = load_params(sim::parse_scenario_text(text, "resolved.toml"));
  CHECK(to_toml(q) == text);
}

TEST_CASE("every summary row names a registered metric", "[recording]") {
  const World w = make_world(default_params(1), 1);
  for (const auto& [name, label, mean] : summary_rows()) {
    (void)mean;
    INFO(name);
    CHECK(std::any_of(w.metrics.defs().begin(), w.metrics.defs().end(),
                      [&](const sim::MetricDef& d) { return d.name == name; }));
    CHECK(!label.empty());
  }
}

TEST_CASE("grace period: months from years; the bid and the expiry agree on whole months only", "[grace]") {
  PolicyParams p;
  p.grace_period_years = 7.0;
  CHECK(grace_months(p) == 84.0);
  CHECK(std::lround(grace_months(p)) == 84);
  // 7.04 years = 84.48 months: the expiry rounds to 84 months, the bid value counts m < 84.48 (85 months).
  p.grace_period_years = 7.04;
  CHECK(std::lround(grace_months(p)) == 84);
  CHECK(grace_months(p) > 84.0);
}

TEST_CASE("grace period: SME status and affiliate inclusion are two clocks; the bid prices both", "[grace]") {
  Startup s;
  s.stage = Stage::phase1;
  const StartupParams sp;
  const PharmaParams pp;
  PolicyParams p;
  p.grace_period_years = 7.0;
  p.sme_grace_years = -1.0;  // one clock: SME status for the whole grace period
  CHECK(sme_grace_months(p) == grace_months(p));
  const double rd = 1e6, grant = 2e4;
  const double one_clock = grace_value_usd(s, rd, grant, sp, pp, p);
  p.sme_grace_years = 3.0;  // Korea (k 616): SME status for 3 years, affiliate after 7
  CHECK(sme_grace_months(p) == 36.0);
  const double korea = grace_value_usd(s, rd, grant, sp, pp, p);
  CHECK(korea < one_clock);
  CHECK(grace_value_usd(s, rd, 0.0, sp, pp, p) < korea);  // grants are part of what the group gains
  // With SME status on its own clock, a longer grace period only delays the compliance cost.
  p.grace_period_years = 15.0;
  const double longer = grace_value_usd(s, rd, grant, sp, pp, p);
  CHECK(longer > korea);
  PharmaParams free = pp;
  free.compliance_cost_usd_per_year = 0.0;
  p.grace_period_years = 7.0;
  const double a = grace_value_usd(s, rd, grant, sp, free, p);
  p.grace_period_years = 15.0;
  CHECK(grace_value_usd(s, rd, grant, sp, free, p) == Approx(a));
}
