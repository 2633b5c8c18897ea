// Schedules (MODEL.md §8.1): parameters that change at a date or along a ramp, validated like the
// rest of a scenario, and what the world derives from them derived again.
#include <catch2/catch.hpp>

#include <filesystem>
#include <string>

#include "agents/model.hpp"
#include "agents/params.hpp"
#include "agents/simulate.hpp"
#include "agents/world.hpp"
#include "sim/config.hpp"
#include "sim/errors.hpp"

using namespace biocluster;
using namespace biocluster::agents;

namespace {

const std::filesystem::path kScenarios = std::filesystem::path(BIOCLUSTER_SOURCE_DIR) / "scenarios";

Params with_schedule(const std::string& schedule, std::int64_t steps = 120) {
  const std::string text = "include = \"default.toml\"\n[run]\nsteps = " + std::to_string(steps) + "\n" + schedule;
  return load_params(sim::parse_scenario_text(text, "sched.toml", kScenarios));
}

std::string error_of(const std::string& schedule) {
  try {
    with_schedule(schedule);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("schedule: a change holds from its month, a ramp moves linearly to its value", "[schedule]") {
  const Params p = with_schedule(
      "[schedule.\"2022-01\"]\npolicy.basic_research_share = 0.6\n"
      "[schedule.\"2023-01..2023-04\"]\ncapital.lp_commitments_usd_per_year = 700e6\n");
  REQUIRE(p.schedule.size() == 2);
  const double before = p.capital.lp_commitments_usd_per_year;
  CHECK(scheduled_params(p, 23) == nullptr);  // nothing changes in December 2021
  const Params* jan22 = scheduled_params(p, 24);
  REQUIRE(jan22 != nullptr);
  CHECK(jan22->policy.basic_research_share == 0.6);
  CHECK(jan22->capital.lp_commitments_usd_per_year == before);
  for (int k = 0; k < 4; ++k) {  // January..April 2023: a quarter of the way each month
    const Params* m = scheduled_params(p, 36 + k);
    REQUIRE(m != nullptr);
    CHECK(m->capital.lp_commitments_usd_per_year == Approx(before + (k + 1) / 4.0 * (700e6 - before)));
    CHECK(m->policy.basic_research_share == 0.6);  // the earlier change still holds
  }
  CHECK(scheduled_params(p, 40) == nullptr);

  // In a run: the parameters switch at the month, and universities' basic money follows the share.
  World w = make_world(p, 3);
  double basic_before = 0, basic_after = 0;
  simulate(w, 30, [&](World& world, std::int64_t step) {
    double sum = 0;
    for (const auto& u : world.universities.items()) sum += u.basic_funding_usd_per_year;
    if (step == 23) basic_before = sum;
    if (step == 24) basic_after = sum;
  });
  CHECK(w.params.policy.basic_research_share == 0.6);
  CHECK(basic_after == Approx(basic_before * 0.6 / p.policy.basic_research_share));

  // The resolved text (what a run file stores) loads back to the same schedule.
  const Params again = load_params(sim::parse_scenario_text(to_toml(p), "resolved.toml"));
  REQUIRE(again.schedule.size() == 2);
  CHECK(again.schedule[1].window == "2023-01..2023-04");
  CHECK(scheduled_params(again, 37)->capital.lp_commitments_usd_per_year ==
        scheduled_params(p, 37)->capital.lp_commitments_usd_per_year);
}

TEST_CASE("schedule: an amount in KRW is converted at run.krw_per_usd and can be ramped", "[schedule]") {
  const Params p = with_schedule("[schedule.\"2022-01..2022-02\"]\npolicy.public_rd_usd_per_year = \"2331.4e9 KRW\"\n");
  const double before = p.policy.public_rd_usd_per_year;
  const double target = 2331.4e9 / p.run.krw_per_usd;
  REQUIRE(scheduled_params(p, 24) != nullptr);
  CHECK(scheduled_params(p, 24)->policy.public_rd_usd_per_year == Approx(before + 0.5 * (target - before)));
  CHECK(scheduled_params(p, 25)->policy.public_rd_usd_per_year == Approx(target));
}

TEST_CASE("schedule: a scheduled run is reproducible and differs from the unscheduled one", "[schedule]") {
  const Params plain = with_schedule("", 60);
  const Params shut = with_schedule("[schedule.\"2021-01\"]\npolicy.acquisitions_allowed = false\n", 60);
  auto acquisitions_after = [](const Params& p) {
    World w = make_world(p, 9);
    int n = 0;
    simulate(w, p.run.steps, [&](World& world, std::int64_t step) {
      for (const auto& e : world.events.pending())
        if (e.kind == code(EventKind::acquisition) && step >= 12) ++n;
      world.events.clear_pending();
    });
    return n;
  };
  const int open = acquisitions_after(plain);
  CHECK(open > 0);
  CHECK(acquisitions_after(shut) == 0);
  CHECK(acquisitions_after(shut) == acquisitions_after(shut));
}

TEST_CASE("schedule: bad schedules are refused with the line, the key and a hint", "[schedule]") {
  CHECK_THAT(error_of("[schedule.\"2022-13\"]\npolicy.basic_research_share = 0.5\n"),
             Catch::Contains("sched.toml:5") && Catch::Contains("bad date '2022-13'"));
  CHECK_THAT(error_of("[schedule.\"2020-01\"]\npolicy.basic_research_share = 0.5\n"),
             Catch::Contains("must begin after the start month (2020-01"));
  CHECK_THAT(error_of("[schedule.\"2019-06\"]\npolicy.basic_research_share = 0.5\n"),
             Catch::Contains("must begin after the start month"));
  // A window past the end of a (shortened) run is kept and does not act.
  const Params late = with_schedule("[schedule.\"2035-01\"]\npolicy.basic_research_share = 0.5\n");
  CHECK(late.schedule.size() == 1);
  CHECK(late.snapshots->steps.empty());
  CHECK_THAT(error_of("[schedule.\"2022-01\"]\npolicy.basic_research_shar = 0.5\n"),
             Catch::Contains("sched.toml:5") && Catch::Contains("did you mean 'policy.basic_research_share'"));
  CHECK_THAT(error_of("[schedule.\"2022-01\"]\npolicy.basic_research_share = 1.5\n"),
             Catch::Contains("out of range; allowed [0, 1]"));
  CHECK_THAT(error_of("[schedule.\"2022-01\"]\nrun.steps = 10\n"), Catch::Contains("cannot be scheduled"));
  CHECK_THAT(error_of("[schedule.\"2022-01\"]\nregions.capital.amenity_index = 0.5\n"),
             Catch::Contains("only its policy can be scheduled"));
  CHECK_THAT(error_of("[schedule.\"2022-01\"]\nregions.nowhere.policy.rd_tax_credit = 0.1\n"),
             Catch::Contains("no region 'nowhere'"));
  CHECK_THAT(error_of("[schedule.\"2022-01\"]\nvc.fund_size_usd = 1e9\n"),
             Catch::Contains("read only when the world is built"));
  CHECK_THAT(error_of("[schedule.\"2022-01..2023-01\"]\npolicy.serial_founders = false\n"),
             Catch::Contains("ramped but its value is not a number"));
  CHECK_THAT(error_of("[schedule.\"2022-01..2023-12\"]\npolicy.basic_research_share = 0.5\n"
                      "[schedule.\"2023-06\"]\npolicy.basic_research_share = 0.6\n"),
             Catch::Contains("already scheduled in '2022-01..2023-12'") && Catch::Contains("may not overlap"));
  CHECK_THAT(error_of("[schedule.\"2023-01..2022-01\"]\npolicy.basic_research_share = 0.5\n"),
             Catch::Contains("end after it begins"));
}
