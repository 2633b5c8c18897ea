// Sweep files, designs, paired seeds and plans (batch/sweep.hpp, batch/plan.hpp), and the batch statistics. End-to-end
// sweeps: sweep_e2e.sh.
#include <catch2/catch.hpp>

#include <cmath>
#include <set>

#include "agents/params.hpp"
#include "batch/run.hpp"
#include "batch/stats.hpp"
#include "batch/study.hpp"
#include "batch/sweep.hpp"
#include "sim/errors.hpp"

using namespace biocluster;
using namespace biocluster::batch;

namespace {
SweepSpec parse(const std::string& text) { return parse_sweep_text(text, "t.toml", "/base"); }

std::string error_of(const std::string& text) {
  try {
    parse(text);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}
}  // namespace

TEST_CASE("sweep file: keys, factors in file order, paths resolved against the sweep file", "[sweep]") {
  const auto s = parse(R"(
scenario = "../default.toml"
replicates = 3
seed = 9
steps = 24
set = ["output.snapshot_every_steps=0"]
metrics = ["startups"]
[factors."policy.basic_research_share"]
values = [0.2, 0.4]
[factors.regions.regional.research_hospitals]
min = 0
max = 2
levels = 3
[factors.run.currency]
values = ["USD", "KRW"]
)");
  CHECK(s.scenario == std::filesystem::path("/base/../default.toml"));
  CHECK(s.replicates == 3);
  CHECK(s.seed == 9);
  CHECK(s.steps == 24);
  REQUIRE(s.factors.size() == 3);
  CHECK(s.factors[0].key == "policy.basic_research_share");
  CHECK(s.factors[1].key == "regions.regional.research_hospitals");
  CHECK(s.factors[1].integer);
  CHECK(s.factors[2].texts == std::vector<std::string>{"\"USD\"", "\"KRW\""});
  const auto d = make_design(s);
  REQUIRE(d.size() == 12);  // 2 x 3 x 2, last factor fastest
  CHECK(d[0].text == std::vector<std::string>{"0.2", "0", "\"USD\""});
  CHECK(d[1].text == std::vector<std::string>{"0.2", "0", "\"KRW\""});
  CHECK(d[2].text == std::vector<std::string>{"0.2", "1", "\"USD\""});
  CHECK(d[11].text == std::vector<std::string>{"0.4", "2", "\"KRW\""});
  CHECK(d[11].unit == std::vector<double>{1.0, 1.0, 1.0});
}

TEST_CASE("sweep file: mistakes are reported with file:line, all at once", "[sweep]") {
  CHECK_THAT(error_of("scenario = \"x.toml\"\nreplicats = 2\n"), Catch::Contains("t.toml:2: unknown key 'replicats'"));
  CHECK_THAT(error_of("replicates = 0\n"), Catch::Contains("t.toml:1: 'replicates' = 0 is out of range"));
  const auto many = error_of("design = \"lhs\"\n[factors.a]\nvalues = [1, \"x\"]\n[factors.b]\nmin = 2\nmax = 1\n");
  CHECK_THAT(many, Catch::Contains("errors:"));
  CHECK_THAT(many, Catch::Contains("mix numbers, strings"));
  CHECK_THAT(many, Catch::Contains("'min' must be smaller than 'max'"));
  CHECK_THAT(many, Catch::Contains("needs 'samples'"));
  CHECK_THAT(error_of("[factors.a]\nmin = 0.0\nmax = 1.0\n"), Catch::Contains("a grid needs 'levels'"));
  CHECK_THAT(error_of("design = \"morris\"\ntrajectories = 2\nlevels = 3\n[factors.a]\nmin = 0.0\nmax = 1.0\n"),
             Catch::Contains("must be even"));
  CHECK_THAT(error_of("design = \"box\"\n"), Catch::Contains("'design' must be one of"));
  CHECK_THAT(error_of("seed = 1\nx = 'a\xC1'\n"), Catch::Contains("t.toml:2: column 7: invalid UTF-8 byte 0xC1"));
  CHECK_THAT(error_of("seed = \n"), Catch::Contains("TOML syntax error"));
}

TEST_CASE(
    "fuzz regression: a range wider than a double or integer bounds beyond 2^53 are errors, not inf/nan or wrong "
    "values",
    "[sweep]") {
  // min + u * (max - min) with max - min = inf gave inf and nan design values.
  CHECK_THAT(error_of("design = \"lhs\"\nsamples = 4\n[factors.a]\nmin = -1e308\nmax = 1e308\n"),
             Catch::Contains("t.toml:3: factor 'a': 'max' - 'min' is beyond the range of a double"));
  // An integer max of 2^63-1 became 2^63 as a double and was printed as -9223372036854775808.
  CHECK_THAT(
      error_of("[factors.a]\nmin = 0\nmax = 9223372036854775807\nlevels = 2\n"),
      Catch::Contains("t.toml:1: factor 'a': integer 'min' and 'max' must lie within +-9007199254740992 (2^53)"));
  CHECK_THAT(error_of("[factors.a]\nmin = -9007199254740993\nmax = 0\nlevels = 2\n"), Catch::Contains("(2^53)"));
  const auto s = parse("[factors.a]\nmin = -9007199254740992\nmax = 9007199254740992\nlevels = 2\n");
  CHECK(make_design(s)[1].text == std::vector<std::string>{"9007199254740992"});
  CHECK(parse("[factors.a]\nmin = -1e300\nmax = 1e300\nlevels = 3\n").factors.size() == 1);
  // The other hostile classes of issue #14 are errors with file:line.
  // toml11 reads 1e400 as the largest double and clamps integers beyond 64 bits: reported as written.
  CHECK_THAT(error_of("[factors.a]\nmin = 0.0\nmax = 1e400\nlevels = 2\n"),
             Catch::Contains("t.toml:3: 'a.max' = 1e400 is out of range; beyond the range of a double"));
  CHECK_THAT(error_of("[factors.a]\nmin = 0\nmax = 99999999999999999999999\nlevels = 2\n"),
             Catch::Contains("t.toml:3: 'a.max' = 99999999999999999999999 is out of range; integers are 64-bit"));
  CHECK_THAT(error_of("[factors.a]\nvalues = [1, -1e400, 99999999999999999999999]\n"),
             Catch::Contains("value -1e400 is beyond the range of a double"));
  CHECK_THAT(error_of("[factors.a]\nvalues = [1, -1e400, 99999999999999999999999]\n"),
             Catch::Contains("value 99999999999999999999999 is beyond 64-bit integers"));
  CHECK_THAT(
      error_of("seed = 99999999999999999999999\n"),
      Catch::Contains("t.toml:1: 'seed' = 99999999999999999999999 is out of range; allowed [0, 4000000000000000000]"));
  CHECK_THAT(error_of("[factors.a]\nvalues = [nan, 1.0]\n"), Catch::Contains("values must be finite"));
}

TEST_CASE("targets and experiment files from text: parse_targets_text / parse_experiment_text", "[sweep]") {
  const std::string targets =
      "scenario = \"s.toml\"\n[[target]]\nname = \"t\"\nmetric = \"startups\"\nobserved = 5\nsource = \"x\"\n";
  const auto t = parse_targets_text(targets, "t.targets.toml", "/base");
  CHECK(t.file == "t.targets.toml");
  CHECK(t.scenario == std::filesystem::path("/base/s.toml"));
  REQUIRE(t.targets.size() == 1);
  CHECK(t.targets[0].observed == 5);
  auto targets_error = [](const std::string& text) {
    try {
      parse_targets_text(text, "t.targets.toml", "/base");
    } catch (const ConfigError& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  CHECK_THAT(
      targets_error(
          "scenario = \"s.toml\"\n[[target]]\nname = \"t\"\nmetric = \"startups\"\nobserved = nan\nsource = \"x\"\n"),
      Catch::Contains("t.targets.toml:5"));
  CHECK_THAT(
      targets_error(
          "scenario = \"s.toml\"\n[[target]]\nname = \"t\"\nmetric = \"startups\"\nobserved = 1e400\nsource = \"x\"\n"),
      Catch::Contains("t.targets.toml:5: 'observed' = 1e400 is out of range; allowed [1e-300, 1e+300]"));
  // Was accepted as 9223372036854775807 (toml11 clamps) and calibrated against.
  CHECK_THAT(targets_error("scenario = \"s.toml\"\n[[target]]\nname = \"t\"\nmetric = \"startups\"\nobserved = "
                           "99999999999999999999999\nsource = \"x\"\n"),
             Catch::Contains(
                 "t.targets.toml:5: 'observed' = 99999999999999999999999 is out of range; allowed [1e-300, 1e+300]"));
  CHECK_THAT(targets_error("scenario = \"s.toml\"\ntarget = [1, \"x\"]\n"),
             Catch::Contains("must be an array of tables"));
  const std::string experiment =
      "name = \"e\"\n[baseline]\nname = \"b\"\nscenario = \"b.toml\"\n[[outcome]]\nname = \"o\"\nmetric = "
      "\"startups\"\n";
  const auto e = parse_experiment_text(experiment, "e.toml", "/base");
  CHECK(e.baseline.scenario == std::filesystem::path("/base/b.toml"));
  CHECK(e.outcomes.size() == 1);
  try {
    parse_experiment_text("replicates = 99999999999999999999999\nbaseline = [1]\nvariant = {}\n", "e.toml", "/base");
    FAIL("no error");
  } catch (const ConfigError& err) {
    CHECK_THAT(std::string(err.what()), Catch::Contains("e.toml"));
  }
}

TEST_CASE("paired seeds: a keyed hash of (sweep seed, replicate) only", "[sweep]") {
  const auto s = parse("seed = 4\nreplicates = 3\n[factors.a]\nvalues = [1, 2, 3]\n");
  const auto plan = make_plan(s, make_design(s));
  const auto plans = plan.runs();
  REQUIRE(plans.size() == 9);
  std::set<std::uint64_t> distinct;
  for (const auto& p : plans) {
    CHECK(p.index == p.point * 3 + p.replicate);
    CHECK(p.seed == replicate_seed(4, p.replicate));  // the same for every point
    CHECK(p.seed < (std::uint64_t{1} << 62));
    CHECK(plan.points[static_cast<std::size_t>(p.point)].overrides.back() == "a=" + std::to_string(p.point + 1));
    distinct.insert(p.seed);
  }
  CHECK(distinct.size() == 3);
  CHECK(replicate_seed(4, 0) != replicate_seed(5, 0));
  CHECK(replicate_seed(4, 0) == replicate_seed(4, 0));
  CHECK(plan.seeds() == std::vector<std::uint64_t>{replicate_seed(4, 0), replicate_seed(4, 1), replicate_seed(4, 2)});
}

TEST_CASE("statistics: mean, sd, Student-t 95% interval, 2.5%..97.5% of runs; NaN values ignored", "[stats]") {
  CHECK(t95(1) == Approx(12.7062047));
  CHECK(t95(9) == Approx(2.2621572));
  CHECK(std::isnan(t95(0)));
  const Stats s = stats({1.0, 2.0, 3.0, NAN, 4.0});
  CHECK(s.n == 4);
  CHECK(s.mean == 2.5);
  CHECK(s.sd == Approx(std::sqrt(5.0 / 3.0)));
  CHECK(s.half == Approx(t95(3) * std::sqrt(5.0 / 3.0) / 2.0));
  CHECK(s.lo == Approx(1.075));
  CHECK(s.hi == Approx(3.925));
  CHECK(stats({7.0}).half == 0.0);
  CHECK(std::isnan(stats({7.0}).sd));
  CHECK(std::isnan(stats({}).mean));
}

TEST_CASE("Latin hypercube: one point in every stratum of every factor, integers rounded", "[sweep]") {
  const auto s = parse(
      "design = \"lhs\"\nsamples = 16\nseed = 3\n[factors.a]\nmin = 0.0\nmax = 2.0\n[factors.b]\nmin = 1\nmax = 16\n");
  const auto d = make_design(s);
  REQUIRE(d.size() == 16);
  for (std::size_t j = 0; j < 2; ++j) {
    std::set<int> strata;
    for (const auto& p : d) strata.insert(static_cast<int>(p.unit[j] * 16));
    CHECK(strata.size() == 16);
  }
  std::set<double> ints;
  for (const auto& p : d) {
    CHECK(p.value[0] >= 0.0);
    CHECK(p.value[0] < 2.0);
    CHECK(p.value[1] == std::round(p.value[1]));
    ints.insert(p.value[1]);
  }
  CHECK(ints.size() == 16);                    // 16 strata over 16 integers: each once
  CHECK(make_design(s)[5].text == d[5].text);  // deterministic
}

TEST_CASE("Morris: trajectories of k+1 points, one factor moves by p/(2(p-1)) each step", "[sweep]") {
  const auto s = parse(
      "design = \"morris\"\ntrajectories = 6\nlevels = 4\n[factors.a]\nmin = 0.0\nmax = 1.0\n"
      "[factors.b]\nmin = 10.0\nmax = 20.0\n[factors.c]\nvalues = [1, 2, 3, 4]\n");
  const auto d = make_design(s);
  REQUIRE(d.size() == 6 * 4);
  for (std::size_t t = 0; t < 6; ++t) {
    CHECK(d[t * 4].role == "base");
    std::set<std::string> moved;
    for (std::size_t i = 1; i < 4; ++i) {
      const auto& a = d[t * 4 + i - 1];
      const auto& b = d[t * 4 + i];
      CHECK(b.block == static_cast<std::int64_t>(t));
      int changed = 0;
      for (std::size_t j = 0; j < 3; ++j)
        if (a.unit[j] != b.unit[j]) {
          ++changed;
          CHECK(std::abs(std::abs(a.unit[j] - b.unit[j]) - 2.0 / 3.0) < 1e-12);
          CHECK(b.role == s.factors[j].key);
        }
      CHECK(changed == 1);
      moved.insert(b.role);
    }
    CHECK(moved.size() == 3);
  }
}

TEST_CASE("Sobol/Saltelli design: A, B and AB_i blocks from an unscrambled Sobol' sequence", "[sweep]") {
  const auto s =
      parse("design = \"sobol\"\nsamples = 8\n[factors.a]\nmin = 0.0\nmax = 1.0\n[factors.b]\nmin = 0.0\nmax = 1.0\n");
  const auto d = make_design(s);
  REQUIRE(d.size() == 8 * 4);
  // Point 1 of every dimension is 1/2; point 2 is 3/4 in dimension 0 and 1/4 in dimension 1.
  CHECK(d[0].unit == std::vector<double>{0.5, 0.5});  // A of sample 0 (dims 0, 1)
  CHECK(d[1].unit == std::vector<double>{0.5, 0.5});  // B of sample 0 (dims 2, 3)
  CHECK(d[4].unit[0] == 0.75);
  CHECK(d[4].unit[1] == 0.25);
  for (std::size_t b = 0; b < 8; ++b) {
    const auto& A = d[b * 4];
    const auto& B = d[b * 4 + 1];
    CHECK(A.role == "A");
    CHECK(B.role == "B");
    CHECK(d[b * 4 + 2].role == "AB:a");
    CHECK(d[b * 4 + 2].unit == std::vector<double>{B.unit[0], A.unit[1]});
    CHECK(d[b * 4 + 3].unit == std::vector<double>{A.unit[0], B.unit[1]});
  }
  CHECK_THAT(design_csv(s, d).substr(0, 22), Catch::Equals("point,block,role,a,b\n0"));
}

TEST_CASE("latin_hypercube: one point per stratum of each factor, keyed by the seed", "[sweep]") {
  const auto u = biocluster::batch::latin_hypercube(8, 3, 42);
  REQUIRE(u.size() == 8);
  for (std::size_t j = 0; j < 3; ++j) {
    std::set<int> strata;
    for (const auto& p : u) {
      REQUIRE(p.size() == 3);
      CHECK(p[j] >= 0.0);
      CHECK(p[j] < 1.0);
      strata.insert(static_cast<int>(p[j] * 8));
    }
    CHECK(strata.size() == 8);
  }
  CHECK(biocluster::batch::latin_hypercube(8, 3, 42) == u);
  CHECK(biocluster::batch::latin_hypercube(8, 3, 43) != u);
}

TEST_CASE("plausible ranges: each names a real-valued parameter of the defaults, with 0 < low < high", "[sweep]") {
  const auto flat = biocluster::batch::flatten_params(biocluster::agents::Params{});
  std::set<std::string> seen;
  for (const auto& r : biocluster::agents::plausible_ranges()) {
    const std::string key(r.key);
    INFO(key);
    CHECK(seen.insert(key).second);  // declared once
    REQUIRE(flat.count(key) == 1);
    CHECK(std::isfinite(std::strtod(flat.at(key).c_str(), nullptr)));
    CHECK(r.low_factor > 0);
    CHECK(r.low_factor < r.high_factor);
    CHECK_FALSE(r.why.empty());
  }
}
