// Correctness checks of the peer-benchmark models: invariants, brute-force reference implementations
// that must reproduce the fast ones draw for draw, Gini of known vectors, thread-count independence.
#include <tbb/global_control.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdint>
#include <cstdlib>
#include <numeric>
#include <utility>
#include <vector>

#include "sim/errors.hpp"
#include "sim/rng.hpp"
#include "tests/bench/peers/boltzmann.hpp"
#include "tests/bench/peers/schelling.hpp"

using namespace biocluster;
using namespace biocluster::bench;

namespace {

// --- Schelling ---------------------------------------------------------------------------------

/// Every invariant of the grid state; CHECKs so a failure names what broke.
void check_schelling_invariants(const Schelling& m) {
  const int k = m.params.agents;
  REQUIRE(m.agent_cell.size() == static_cast<std::size_t>(k));
  int occupied = 0, border_used = 0;
  std::vector<int> group_count(3, 0);
  for (std::int32_t cell = 0; cell < static_cast<std::int32_t>(m.cell_agent.size()); ++cell) {
    const std::int32_t a = m.cell_agent[cell];
    const int x = m.x_of(cell), y = m.y_of(cell);
    const bool inside = x >= 0 && y >= 0 && x < m.params.side && y < m.params.side;
    if (a < 0) {
      REQUIRE(m.cell_group[cell] == 0);
      continue;
    }
    ++occupied;
    if (!inside) ++border_used;
    REQUIRE(m.agent_cell[a] == cell);
    REQUIRE(m.cell_group[cell] == m.agent_group[a]);
  }
  for (int a = 0; a < k; ++a) ++group_count[m.agent_group[a]];
  CHECK(border_used == 0);
  CHECK(occupied == k);  // with agent_cell[cell_agent[c]] == c: one agent per occupied cell, K agents placed
  CHECK(group_count[1] == k / 2);
  CHECK(group_count[2] == k - k / 2);
  // The empty list holds exactly the empty interior cells, once each.
  std::vector<std::int32_t> empties = m.empty_cells;
  std::sort(empties.begin(), empties.end());
  CHECK(std::adjacent_find(empties.begin(), empties.end()) == empties.end());
  CHECK(empties.size() == static_cast<std::size_t>(m.params.side * m.params.side - k));
  for (const std::int32_t c : empties) {
    CHECK(m.cell_agent[c] == -1);
    CHECK((m.x_of(c) >= 0 && m.y_of(c) >= 0 && m.x_of(c) < m.params.side && m.y_of(c) < m.params.side));
  }
}

/// Straightforward Schelling on (x, y) coordinates with bounds checks: same rules, same keyed draws.
struct ReferenceSchelling {
  SchellingParams p;
  std::uint64_t seed;
  std::vector<std::vector<int>> grid;  // grid[x][y] = agent or -1
  std::vector<int> x, y, group;
  std::vector<std::pair<int, int>> empties;
  std::vector<int> order;
  std::vector<int> happy_per_step;
  std::int64_t step = 0;

  ReferenceSchelling(const SchellingParams& params, std::uint64_t s) : p(params), seed(s) {
    grid.assign(p.side, std::vector<int>(p.side, -1));
    std::vector<int> perm(p.side * p.side);
    std::iota(perm.begin(), perm.end(), 0);
    sim::Rng rng(seed, 0, schelling_setup, 0, 0);
    for (std::size_t i = 0; i < static_cast<std::size_t>(p.agents); ++i)
      std::swap(perm[i], perm[i + rng.below(perm.size() - i)]);
    for (int a = 0; a < p.agents; ++a) {
      x.push_back(perm[a] % p.side);
      y.push_back(perm[a] / p.side);
      group.push_back(a < p.agents / 2 ? 1 : 2);
      grid[x[a]][y[a]] = a;
    }
    for (std::size_t i = p.agents; i < perm.size(); ++i) empties.emplace_back(perm[i] % p.side, perm[i] / p.side);
    order.resize(p.agents);
    std::iota(order.begin(), order.end(), 0);
  }

  /// Brute-force happiness count: scan the Moore neighbourhood of radius r inside the grid.
  int same_group_neighbours(int a) const {
    int same = 0;
    for (int dx = -p.radius; dx <= p.radius; ++dx)
      for (int dy = -p.radius; dy <= p.radius; ++dy) {
        if (dx == 0 && dy == 0) continue;
        const int nx = x[a] + dx, ny = y[a] + dy;
        if (nx < 0 || ny < 0 || nx >= p.side || ny >= p.side) continue;
        const int b = grid[nx][ny];
        if (b >= 0 && group[b] == group[a]) ++same;
      }
    return same;
  }

  void do_step() {
    sim::Rng order_rng(seed, step, schelling_order, 0, 0);
    for (std::size_t i = order.size() - 1; i > 0; --i) std::swap(order[i], order[order_rng.below(i + 1)]);
    sim::Rng rng(seed, step, schelling_activate, 0, 0);
    std::vector<bool> happy(p.agents, false);
    for (const int a : order) {
      if (same_group_neighbours(a) >= p.min_happy) {
        happy[a] = true;
        continue;
      }
      const std::size_t j = rng.below(empties.size());
      const auto [ex, ey] = empties[j];
      empties[j] = {x[a], y[a]};
      grid[x[a]][y[a]] = -1;
      grid[ex][ey] = a;
      x[a] = ex;
      y[a] = ey;
    }
    happy_per_step.push_back(static_cast<int>(std::count(happy.begin(), happy.end(), true)));
    ++step;
  }
};

// --- Boltzmann ---------------------------------------------------------------------------------

void check_boltzmann_lists(const Boltzmann& m) {
  std::vector<std::int32_t> seen(m.agents.size(), 0);
  for (std::size_t c = 0; c < m.cells.size(); ++c) {
    int count = 0;
    std::int32_t prev = -1;
    for (std::int32_t a = m.cells[c].head; a >= 0; a = m.agents[a].next) {
      REQUIRE(m.agents[a].cell == static_cast<std::int32_t>(c));
      REQUIRE(m.agents[a].prev == prev);
      ++seen[a];
      ++count;
      prev = a;
    }
    REQUIRE(count == m.cells[c].count);
  }
  CHECK(std::all_of(seen.begin(), seen.end(), [](std::int32_t s) { return s == 1; }));
  const auto now = m.wealth_now();
  for (std::size_t a = 0; a < m.agents.size(); ++a) REQUIRE(now[a] == m.agents[a].wealth);
}

/// Wealth is conserved and non-negative in every record; the Gini series matches the sorted formula.
void check_boltzmann_records(const Boltzmann& m) {
  const std::size_t n = m.agents.size();
  REQUIRE(m.wealth_history.size() == n * (static_cast<std::size_t>(m.step) + 1));
  REQUIRE(m.gini.size() == static_cast<std::size_t>(m.step) + 1);
  for (std::size_t r = 0; r <= static_cast<std::size_t>(m.step); ++r) {
    const std::span<const std::int32_t> row(m.wealth_history.data() + r * n, n);
    std::int64_t total = 0;
    for (const std::int32_t w : row) {
      REQUIRE(w >= 0);
      total += w;
    }
    CHECK(total == static_cast<std::int64_t>(n));
    CHECK(m.gini[r] == Approx(gini_sorted(row)).margin(1e-12));
  }
}

/// Mesa's rules with a std::vector per cell (new arrivals at the front), same keyed draws; the grid does not
/// wrap (a border cell has 5 or 3 neighbours and draws once more to pick one).
struct ReferenceBoltzmann {
  BoltzmannParams p;
  std::uint64_t seed;
  std::vector<std::vector<int>> cells;
  std::vector<int> cell, wealth, order;
  std::int64_t step = 0;

  ReferenceBoltzmann(const BoltzmannParams& params, std::uint64_t s) : p(params), seed(s) {
    cells.resize(static_cast<std::size_t>(p.width) * p.height);
    sim::Rng rng(seed, 0, boltzmann_setup, 0, 0);
    for (int a = 0; a < p.agents; ++a) {
      cell.push_back(static_cast<int>(rng.below(cells.size())));
      wealth.push_back(1);
      cells[cell[a]].insert(cells[cell[a]].begin(), a);
    }
    order.resize(p.agents);
    std::iota(order.begin(), order.end(), 0);
  }

  void do_step() {
    static constexpr int dx[8] = {-1, 0, 1, -1, 1, -1, 0, 1};
    static constexpr int dy[8] = {-1, -1, -1, 0, 0, 1, 1, 1};
    sim::Rng order_rng(seed, step, boltzmann_order, 0, 0);
    for (std::size_t i = order.size() - 1; i > 0; --i) std::swap(order[i], order[order_rng.below(i + 1)]);
    sim::Rng rng(seed, step, boltzmann_activate, 0, 0);
    for (const int a : order) {
      const std::uint64_t bits = rng.bits();
      // Mesa 3.3.1: OrthogonalMooreGrid(torus=False), neighbourhood = the Moore cells on the grid.
      std::vector<int> on_grid;
      for (int dir = 0; dir < 8; ++dir) {
        const int nx = cell[a] % p.width + dx[dir], ny = cell[a] / p.width + dy[dir];
        if (nx >= 0 && nx < p.width && ny >= 0 && ny < p.height) on_grid.push_back(ny * p.width + nx);
      }
      const std::size_t pick = on_grid.size() == 8 ? static_cast<std::size_t>(bits >> 61) : rng.below(on_grid.size());
      auto& from = cells[cell[a]];
      from.erase(std::find(from.begin(), from.end(), a));
      cell[a] = on_grid[pick];
      auto& to = cells[cell[a]];
      to.insert(to.begin(), a);
      if (wealth[a] > 0 && to.size() > 1) {
        const std::uint64_t others = to.size() - 1;
        const auto k =
            static_cast<std::size_t>((static_cast<sim::uint128>(bits & ((std::uint64_t{1} << 61) - 1)) * others) >> 61);
        ++wealth[to[1 + k]];
        --wealth[a];
      }
    }
    ++step;
  }
};

}  // namespace

TEST_CASE("Schelling keeps one agent per cell, K agents and both groups", "[smoke][schelling]") {
  for (const auto& p : {SchellingParams{20, 300, 1, 3, 8}, SchellingParams{20, 320, 2, 8, 8}}) {
    Schelling m = make_schelling(p, 7);
    check_schelling_invariants(m);
    for (int s = 0; s < p.steps; ++s) {
      step_schelling(m);
      check_schelling_invariants(m);
    }
    CHECK(m.happy_per_step.size() == static_cast<std::size_t>(p.steps));
  }
}

TEST_CASE("Schelling matches a brute-force reference draw for draw", "[smoke][schelling][reference]") {
  for (const auto& p :
       {SchellingParams{15, 150, 1, 3, 10}, SchellingParams{18, 250, 2, 8, 10}, SchellingParams{16, 200, 3, 12, 6}}) {
    for (const std::uint64_t seed : {1ULL, 99ULL}) {
      Schelling m = make_schelling(p, seed);
      ReferenceSchelling ref(p, seed);
      for (int s = 0; s < p.steps; ++s) {
        for (int a = 0; a < p.agents; ++a) REQUIRE(count_same_group(m, a) == ref.same_group_neighbours(a));
        step_schelling(m);
        ref.do_step();
        REQUIRE(m.happy_per_step.back() == ref.happy_per_step.back());
        for (int a = 0; a < p.agents; ++a) {
          REQUIRE(m.x_of(m.agent_cell[a]) == ref.x[a]);
          REQUIRE(m.y_of(m.agent_cell[a]) == ref.y[a]);
        }
        REQUIRE(m.empty_cells.size() == ref.empties.size());
        for (std::size_t i = 0; i < ref.empties.size(); ++i)
          REQUIRE(m.empty_cells[i] == m.cell_of(ref.empties[i].first, ref.empties[i].second));
      }
    }
  }
}

TEST_CASE("Schelling segregates: more agents happy at the end than at the start", "[smoke][schelling]") {
  // Averaged over seeds, the happy count rises from step 1 to step 20 (the small benchmark's sizes).
  std::int64_t first = 0, last = 0;
  for (std::uint64_t seed = 1; seed <= 5; ++seed) {
    Schelling m = make_schelling(schelling_small, seed);
    for (int s = 0; s < schelling_small.steps; ++s) step_schelling(m);
    first += m.happy_per_step.front();
    last += m.happy_per_step.back();
  }
  CHECK(last > first);
  CHECK(last > 5 * schelling_small.agents * 9 / 10);  // most agents end happy on the small case
}

TEST_CASE("Schelling refuses impossible parameters", "[smoke][schelling]") {
  CHECK_THROWS_AS(make_schelling({10, 100, 1, 3, 5}, 1), ConfigError);  // no empty cell
  CHECK_THROWS_AS(make_schelling({10, 50, 0, 3, 5}, 1), ConfigError);
  CHECK_THROWS_AS(make_schelling({10, 1, 1, 3, 5}, 1), ConfigError);
}

TEST_CASE("Gini of known vectors (Mesa's formula)", "[smoke][boltzmann]") {
  std::vector<std::int32_t> scratch;
  const std::vector<std::int32_t> equal{1, 1, 1, 1};
  const std::vector<std::int32_t> one_has_all{0, 4, 0, 0};
  const std::vector<std::int32_t> mixed{3, 0, 1, 2, 0};
  CHECK(gini_counting(equal, scratch) == Approx(0.0).margin(1e-15));
  CHECK(gini_counting(one_has_all, scratch) == Approx(0.75));  // (n-1)/n
  // sorted 0,0,1,2,3: b = (1*3 + 2*2 + 3*1) / (5*6) = 1/3; G = 1 + 1/5 - 2/3 = 8/15
  CHECK(gini_counting(mixed, scratch) == Approx(8.0 / 15.0));
  CHECK(gini_sorted(mixed) == Approx(8.0 / 15.0));
}

TEST_CASE("Boltzmann conserves wealth every step and keeps its cell lists consistent", "[smoke][boltzmann]") {
  const BoltzmannParams p{300, 10, 10, 30};
  Boltzmann m = make_boltzmann(p, 3);
  check_boltzmann_lists(m);
  for (int s = 0; s < p.steps; ++s) {
    step_boltzmann(m);
    check_boltzmann_lists(m);
  }
  check_boltzmann_records(m);
  CHECK(m.gini.front() == Approx(0.0).margin(1e-15));
  CHECK(m.gini.back() > 0.2);  // wealth spreads out
}

TEST_CASE("Boltzmann matches a reference implementation draw for draw", "[smoke][boltzmann][reference]") {
  for (const auto& p :
       {BoltzmannParams{100, 10, 10, 40}, BoltzmannParams{250, 5, 7, 20}, BoltzmannParams{60, 12, 3, 25}}) {
    for (const std::uint64_t seed : {5ULL, 1234ULL}) {
      Boltzmann m = make_boltzmann(p, seed);
      ReferenceBoltzmann ref(p, seed);
      for (int s = 0; s < p.steps; ++s) {
        step_boltzmann(m);
        ref.do_step();
        for (int a = 0; a < p.agents; ++a) {
          REQUIRE(m.agents[a].cell == ref.cell[a]);
          REQUIRE(m.agents[a].wealth == ref.wealth[a]);
        }
        REQUIRE(m.gini.back() == Approx(gini_sorted(ref.wealth)).margin(1e-12));
      }
    }
  }
}

TEST_CASE("Boltzmann moves to an adjacent cell on the grid, never wrapping", "[smoke][boltzmann]") {
  const BoltzmannParams p{200, 6, 4, 30};  // most cells on the border
  Boltzmann m = make_boltzmann(p, 11);
  std::vector<int> visits(m.cells.size(), 0);
  for (int s = 0; s < p.steps; ++s) {
    std::vector<std::int32_t> before;
    for (const MoneyAgent& a : m.agents) before.push_back(a.cell);
    step_boltzmann(m);
    for (std::size_t a = 0; a < m.agents.size(); ++a) {
      const int c = m.agents[a].cell;
      REQUIRE(c >= 0);
      REQUIRE(c < p.width * p.height);
      const int dx = c % p.width - before[a] % p.width, dy = c / p.width - before[a] / p.width;
      REQUIRE(std::max(std::abs(dx), std::abs(dy)) == 1);  // a wrap would jump by width - 1 or height - 1
      ++visits[static_cast<std::size_t>(c)];
    }
  }
  for (const int v : visits) CHECK(v > 0);  // corners and edges are reached
}

TEST_CASE("Boltzmann synchronous variant conserves wealth", "[smoke][boltzmann]") {
  const BoltzmannParams p{500, 10, 10, 15};
  Boltzmann m = make_boltzmann(p, 8);
  for (int s = 0; s < p.steps; ++s) step_boltzmann_sync_parallel(m);
  check_boltzmann_records(m);
  std::vector<std::int32_t> count(m.cells.size(), 0);
  for (const MoneyAgent& a : m.agents) ++count[a.cell];
  for (std::size_t c = 0; c < m.cells.size(); ++c) REQUIRE(count[c] == m.cells[c].count);
}

TEST_CASE("Same seed gives identical results at 1 and 4 threads", "[smoke][threads]") {
  const SchellingParams sp{20, 300, 2, 8, 10};
  const BoltzmannParams bp{400, 10, 10, 12};
  constexpr int runs = 12;
  auto replicate_set = [&](int threads) {
    tbb::global_control limit(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(threads));
    std::vector<std::uint64_t> out(2 * runs + 1);
    tbb::parallel_for(0, runs, 1, [&](int r) {
      Schelling s = make_schelling(sp, 100 + static_cast<std::uint64_t>(r));
      for (int i = 0; i < sp.steps; ++i) step_schelling(s);
      out[2 * r] = checksum(s);
      Boltzmann b = make_boltzmann(bp, 100 + static_cast<std::uint64_t>(r));
      for (int i = 0; i < bp.steps; ++i) step_boltzmann(b);
      out[2 * r + 1] = checksum(b);
    });
    Boltzmann sync = make_boltzmann({5000, 40, 40, 5}, 77);
    for (int i = 0; i < 5; ++i) step_boltzmann_sync_parallel(sync);
    out[2 * runs] = checksum(sync);
    return out;
  };
  const auto one = replicate_set(1);
  const auto four = replicate_set(4);
  CHECK(one == four);
  // And a serial run outside TBB gives the same as the replicate inside it.
  Schelling s = make_schelling(sp, 100);
  for (int i = 0; i < sp.steps; ++i) step_schelling(s);
  CHECK(checksum(s) == one[0]);
  // Different seeds differ (the checksum is not trivially constant).
  CHECK(one[0] != one[2]);
  CHECK(one[1] != one[3]);
}
