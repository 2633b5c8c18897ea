// Unit tests of the engine: calendar, keyed RNG, agent store, spatial index, ledger.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <set>

#include "sim/calendar.hpp"
#include "sim/errors.hpp"
#include "sim/grid.hpp"
#include "sim/ledger.hpp"
#include "sim/rng.hpp"
#include "sim/spatial_index.hpp"
#include "sim/store.hpp"

using namespace biocluster;
using namespace biocluster::sim;

TEST_CASE("calendar maps steps to months", "[calendar]") {
  Calendar c(parse_year_month("2020-11"));
  CHECK(to_string(c.date_of(0)) == "2020-11");
  CHECK(to_string(c.date_of(2)) == "2021-01");
  CHECK(to_string(c.date_of(14)) == "2022-01");
  CHECK(c.month_of(3) == 2);
  CHECK(c.decimal_year(0) == Approx(2020.0 + 10.5 / 12.0));
  CHECK(to_string(parse_year_month("1999-12-31")) == "1999-12");
  CHECK_THROWS_AS(parse_year_month("2020-13"), ConfigError);
  CHECK_THROWS_AS(parse_year_month("2020/01"), ConfigError);
  CHECK_THROWS_AS(parse_year_month("20-01"), ConfigError);
}

TEST_CASE("keyed RNG: same key same stream, any change of key another stream", "[rng]") {
  Rng a(42, 7, 2, 1001, 3), b(42, 7, 2, 1001, 3);
  for (int i = 0; i < 100; ++i) REQUIRE(a.bits() == b.bits());
  const std::uint64_t first = Rng(42, 7, 2, 1001, 3).bits();
  CHECK(Rng(43, 7, 2, 1001, 3).bits() != first);
  CHECK(Rng(42, 8, 2, 1001, 3).bits() != first);
  CHECK(Rng(42, 7, 3, 1001, 3).bits() != first);
  CHECK(Rng(42, 7, 2, 1002, 3).bits() != first);
  CHECK(Rng(42, 7, 2, 1001, 4).bits() != first);
  CHECK(Rng(42, 7, 2, 1001, 3, 9).bits() != first);
}

TEST_CASE("keyed RNG distributions have the right moments", "[rng]") {
  const int n = 200000;
  double su = 0, sn = 0, sn2 = 0, sp = 0, sp2 = 0, spl = 0;
  for (int i = 0; i < n; ++i) {
    Rng r(1, 0, 0, i, 0);
    const double u = r.uniform();
    REQUIRE(u >= 0.0);
    REQUIRE(u < 1.0);
    su += u;
    const double z = r.normal();
    sn += z, sn2 += z * z;
    const auto k = static_cast<double>(r.poisson(3.5));
    sp += k, sp2 += k * k;
    spl += static_cast<double>(r.poisson(40.0));
    REQUIRE(r.below(7) < 7);
  }
  CHECK(su / n == Approx(0.5).margin(0.005));
  CHECK(sn / n == Approx(0.0).margin(0.01));
  CHECK(sn2 / n == Approx(1.0).margin(0.02));
  CHECK(sp / n == Approx(3.5).margin(0.03));
  CHECK(sp2 / n - (sp / n) * (sp / n) == Approx(3.5).margin(0.08));
  CHECK(spl / n == Approx(40.0).margin(0.1));
}

struct Dummy {
  AgentId id = -1;
  bool alive = true;
  int payload = 0;
};

TEST_CASE("agent store: stable ids, deferred births and deaths, order kept", "[store]") {
  AgentStore<Dummy> s;
  for (int i = 0; i < 5; ++i) s.queue_birth({-1, true, i});
  CHECK(s.size() == 0);  // births are deferred
  s.commit();
  REQUIRE(s.size() == 5);
  s.mark_dead(1);
  s.mark_dead(3);
  s.mark_dead(3);  // idempotent
  CHECK(s.pending_deaths() == 2);
  CHECK(s.size() == 5);  // deaths are deferred too
  const AgentId born = s.queue_birth({-1, true, 99});
  CHECK(born == 5);
  CHECK(s.commit() == 2);
  std::vector<AgentId> ids;
  for (const auto& d : s.items()) ids.push_back(d.id);
  CHECK(ids == std::vector<AgentId>{0, 2, 4, 5});
  REQUIRE(s.find(4) != nullptr);
  CHECK(s.find(4)->payload == 4);
  CHECK(s.find(3) == nullptr);
  CHECK(s.index_of(5) == 3);
}

TEST_CASE("spatial index finds exactly the points within the radius", "[spatial]") {
  std::vector<float> xs, ys;
  for (int i = 0; i < 500; ++i) {
    Rng r(5, 0, 0, i, 0);
    xs.push_back(static_cast<float>(r.uniform(0, 100)));
    ys.push_back(static_cast<float>(r.uniform(0, 50)));
  }
  SpatialIndex idx;
  idx.build(xs, ys, 100, 50, 7.0);
  for (int q = 0; q < 50; ++q) {
    Rng r(6, 0, 0, q, 0);
    const double x = r.uniform(-5, 105), y = r.uniform(-5, 55), rad = r.uniform(0, 30);
    std::set<std::size_t> expect;
    for (std::size_t i = 0; i < xs.size(); ++i)
      if (std::hypot(xs[i] - x, ys[i] - y) <= rad) expect.insert(i);
    const auto got = idx.within(x, y, rad);
    REQUIRE(std::set<std::size_t>(got.begin(), got.end()) == expect);
    REQUIRE(got.size() == expect.size());  // no duplicates
  }
}

TEST_CASE("grid maps points to cells and clamps", "[grid]") {
  Grid g{10, 5, 2.0};
  CHECK(g.cell_of(0.5, 0.5) == 0);
  CHECK(g.cell_of(3.0, 2.5) == 11);
  CHECK(g.cell_of(-4.0, 100.0) == 40);  // clamped to (0, 4)
  CHECK(g.cell_x_km(11) == Approx(3.0));
  CHECK(g.cell_y_km(11) == Approx(3.0));
}

TEST_CASE("ledger books every flow and checks the identity", "[ledger]") {
  Ledger L({"grant", "salary"}, 2);
  const auto gov = L.open({true, true, -1, -1, -1});
  const auto a = L.open({false, true, 0, 2, 7});
  const auto b = L.open({false, true, 1, 2, 8});
  L.begin_step();
  L.transfer(gov, a, 100.0, 0, 0);
  L.transfer(a, b, 30.0, 1, 0);
  CHECK(L.balance(a) == 70.0);
  CHECK(L.balance(b) == 30.0);
  CHECK(L.balance(gov) == -100.0);
  CHECK(L.step_flow_total(0) == 100.0);
  CHECK(L.step_flows_by_type_region()[1 * 2 + 1] == 30.0);
  CHECK_NOTHROW(L.check_identity(0));
  CHECK(L.grand_total() == 0.0);

  SECTION("overdrafts, bad amounts and closing with money are refused") {
    CHECK_THROWS_AS(L.transfer(b, a, 31.0, 1, 0), InvariantError);
    CHECK_THROWS_AS(L.transfer(gov, a, std::nan(""), 0, 0), InvariantError);
    CHECK_THROWS_AS(L.transfer(gov, a, -1.0, 0, 0), InvariantError);
    CHECK_THROWS_AS(L.close(b, 0), InvariantError);
    L.transfer(b, a, 30.0, 1, 0);
    L.close(b, 0);
    CHECK_THROWS_AS(L.transfer(a, b, 1.0, 1, 0), InvariantError);
  }
  SECTION("the error names the step and both accounts") {
    try {
      L.transfer(b, a, 1000.0, 1, 17);
      FAIL("no throw");
    } catch (const InvariantError& e) {
      const std::string m = e.what();
      CHECK(m.find("step 17") != std::string::npos);
      CHECK(m.find("id 8") != std::string::npos);
      CHECK(m.find("salary") != std::string::npos);
    }
  }
}
