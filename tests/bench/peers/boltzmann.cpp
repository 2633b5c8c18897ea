#include "tests/bench/peers/boltzmann.hpp"

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <array>
#include <numeric>
#include <string>
#include <utility>

#include "sim/errors.hpp"
#include "sim/rng.hpp"
#include "sim/schedule.hpp"
#include "tests/bench/peers/hash.hpp"

namespace biocluster::bench {
namespace {

constexpr std::array<int, 8> moore_dx{-1, 0, 1, -1, 1, -1, 0, 1};
constexpr std::array<int, 8> moore_dy{-1, -1, -1, 0, 0, 1, 1, 1};
constexpr std::uint64_t low61 = (std::uint64_t{1} << 61) - 1;

/// Mesa 3.3.1's `cell.neighborhood.select_random_cell()` on `OrthogonalMooreGrid(torus=False)`: one of
/// the cell's Moore neighbours that lie on the grid (8 inside, 5 on an edge, 3 at a corner), uniformly.
/// Inside the grid the top 3 bits of `bits` pick the direction; on the border `rng` is drawn once more.
std::int32_t move_target(std::int32_t cell, std::uint64_t bits, sim::Rng& rng, int width, int height) {
  const int x = cell % width, y = cell / width;
  if (x > 0 && x < width - 1 && y > 0 && y < height - 1) {
    const auto dir = static_cast<std::size_t>(bits >> 61);
    return cell + moore_dy[dir] * width + moore_dx[dir];
  }
  std::array<std::int32_t, 8> on_grid{};
  std::uint64_t k = 0;
  for (std::size_t dir = 0; dir < 8; ++dir) {
    const int nx = x + moore_dx[dir], ny = y + moore_dy[dir];
    if (nx >= 0 && nx < width && ny >= 0 && ny < height) on_grid[k++] = ny * width + nx;
  }
  return on_grid[rng.below(k)];
}

/// Uniform integer in [0, m) from 61 random bits (multiply-shift; bias < m / 2^61).
std::int32_t pick_below(std::uint64_t bits61, std::int32_t m) {
  return static_cast<std::int32_t>((static_cast<sim::uint128>(bits61) * static_cast<std::uint64_t>(m)) >> 61);
}

void unlink(Boltzmann& m, std::int32_t a) {
  MoneyAgent& agent = m.agents[a];
  if (agent.prev >= 0)
    m.agents[agent.prev].next = agent.next;
  else
    m.cells[agent.cell].head = agent.next;
  if (agent.next >= 0) m.agents[agent.next].prev = agent.prev;
  --m.cells[agent.cell].count;
}

/// Puts agent a at the head of cell c's list.
void link_front(Boltzmann& m, std::int32_t a, std::int32_t c) {
  CellList& cell = m.cells[c];
  MoneyAgent& agent = m.agents[a];
  agent.next = cell.head;
  agent.prev = -1;
  if (cell.head >= 0) m.agents[cell.head].prev = a;
  cell.head = a;
  ++cell.count;
  agent.cell = c;
}

/// Phase 1: a fresh uniformly random activation order (Fisher-Yates, one keyed stream per step).
void shuffle_order(Boltzmann& m) {
  sim::Rng rng(m.seed, m.step, boltzmann_order, 0, 0);
  auto& order = m.order;
  for (std::size_t i = order.size() - 1; i > 0; --i) std::swap(order[i], order[rng.below(i + 1)]);
}

/// Phase 2: each agent in order moves to a random Moore neighbour cell (on the grid, not wrapping), then
/// gives 1 unit to a random other agent of its new cell if it has wealth. One 64-bit draw per agent: the
/// top 3 bits pick the direction (inside the grid), the low 61 bits the recipient; a border cell draws
/// once more for its direction (move_target).
void activate_agents(Boltzmann& m) {
  sim::Rng rng(m.seed, m.step, boltzmann_activate, 0, 0);
  const int width = m.params.width, height = m.params.height;
  const std::size_t n = m.order.size();
  constexpr std::size_t ahead = 8;  // prefetch distance: the agents and cells of upcoming activations
  for (std::size_t i = 0; i < n; ++i) {
    if (i + 2 * ahead < n) __builtin_prefetch(&m.agents[m.order[i + 2 * ahead]]);
    if (i + ahead < n) __builtin_prefetch(&m.cells[m.agents[m.order[i + ahead]].cell]);
    const std::int32_t a = m.order[i];
    const std::uint64_t bits = rng.bits();
    const std::int32_t dest = move_target(m.agents[a].cell, bits, rng, width, height);
    unlink(m, a);
    link_front(m, a, dest);
    const std::int32_t others = m.cells[dest].count - 1;
    MoneyAgent& giver = m.agents[a];
    if (giver.wealth <= 0 || others == 0) continue;
    // a is at the head of its cell's list, so the others are the agents after it.
    std::int32_t other = giver.next;
    for (std::int32_t k = pick_below(bits & low61, others); k > 0; --k) other = m.agents[other].next;
    ++m.agents[other].wealth;
    --giver.wealth;
  }
}

/// Phase 3: data collection (Mesa's DataCollector: model "Gini", agent "Wealth"), clock.
void collect(Boltzmann& m) {
  const std::size_t row = m.wealth_history.size();
  m.wealth_history.resize(row + m.agents.size());  // within the capacity reserved at setup
  std::int32_t* out = m.wealth_history.data() + row;
  for (const MoneyAgent& a : m.agents) *out++ = a.wealth;
  m.gini.push_back(gini_counting(m.wealth_now(), m.histogram));
}

void record(Boltzmann& m) {
  collect(m);
  ++m.step;
}

/// The step, top to bottom.
constexpr std::array<sim::Phase<Boltzmann>, 3> boltzmann_phases{{
    {"shuffle order", shuffle_order},
    {"activate agents", activate_agents},
    {"record", record},
}};

}  // namespace

Boltzmann make_boltzmann(const BoltzmannParams& p, std::uint64_t seed) {
  if (p.agents < 2 || p.width < 2 || p.height < 2 || p.steps < 0 ||
      static_cast<std::int64_t>(p.width) * p.height > 1'000'000'000 || p.agents > 200'000'000)
    throw ConfigError(
        "boltzmann: need 2 <= agents <= 2e8, width and height >= 2 (every cell has a Moore neighbour "
        "on the non-wrapping grid), width * height <= 1e9, steps >= 0; got agents " +
        std::to_string(p.agents) + ", " + std::to_string(p.width) + " x " + std::to_string(p.height) + ", steps " +
        std::to_string(p.steps) + " (fix the --size arguments)");
  Boltzmann m;
  m.params = p;
  m.seed = seed;
  const auto n = static_cast<std::size_t>(p.agents);
  const auto cells = static_cast<std::size_t>(p.width) * static_cast<std::size_t>(p.height);
  m.agents.assign(n, MoneyAgent{});
  m.cells.assign(cells, CellList{});
  m.order.resize(n);
  std::iota(m.order.begin(), m.order.end(), 0);
  m.histogram.assign(n + 1, 0);
  m.gini.reserve(static_cast<std::size_t>(p.steps) + 1);
  m.wealth_history.reserve((static_cast<std::size_t>(p.steps) + 1) * n);

  sim::Rng rng(seed, 0, boltzmann_setup, 0, 0);
  for (std::size_t a = 0; a < n; ++a)
    link_front(m, static_cast<std::int32_t>(a), static_cast<std::int32_t>(rng.below(cells)));
  // Mesa collects once at the end of __init__.
  collect(m);
  return m;
}

void step_boltzmann(Boltzmann& model) {
  for (const auto& phase : boltzmann_phases) phase.run(model);
}

double gini_counting(std::span<const std::int32_t> wealth, std::vector<std::int32_t>& histogram) {
  const auto n = static_cast<std::int64_t>(wealth.size());
  if (n == 0) return 0.0;
  std::int32_t max_w = 0;
  for (const std::int32_t w : wealth) max_w = std::max(max_w, w);
  if (histogram.size() < static_cast<std::size_t>(max_w) + 1) histogram.resize(static_cast<std::size_t>(max_w) + 1);
  std::fill_n(histogram.begin(), max_w + 1, 0);
  for (const std::int32_t w : wealth) ++histogram[w];
  // Sorted positions i0 .. i0+c-1 hold value v; their weights n - i sum to c*n - c*i0 - c*(c-1)/2.
  std::int64_t weighted = 0, total = 0, i0 = 0;
  for (std::int32_t v = 0; v <= max_w; ++v) {
    const std::int64_t c = histogram[v];
    if (c == 0) continue;
    weighted += v * (c * n - c * i0 - c * (c - 1) / 2);
    total += v * c;
    i0 += c;
  }
  if (total == 0) return 0.0;
  const double nd = static_cast<double>(n);
  const double b = static_cast<double>(weighted) / (nd * static_cast<double>(total));
  return 1.0 + 1.0 / nd - 2.0 * b;
}

double gini_sorted(std::span<const std::int32_t> wealth) {
  std::vector<std::int64_t> x(wealth.begin(), wealth.end());
  std::sort(x.begin(), x.end());
  const auto n = static_cast<std::int64_t>(x.size());
  if (n == 0) return 0.0;
  std::int64_t weighted = 0, total = 0;
  for (std::int64_t i = 0; i < n; ++i) {
    weighted += x[i] * (n - i);
    total += x[i];
  }
  if (total == 0) return 0.0;
  const double nd = static_cast<double>(n);
  return 1.0 + 1.0 / nd - 2.0 * static_cast<double>(weighted) / (nd * static_cast<double>(total));
}

std::uint64_t checksum(const Boltzmann& m) {
  std::uint64_t h = hash_combine(m.seed, static_cast<std::uint64_t>(m.step));
  for (const MoneyAgent& a : m.agents)
    h = hash_combine(h, static_cast<std::uint64_t>(a.cell) << 32 ^ static_cast<std::uint32_t>(a.wealth));
  h = hash_span<double>(h, m.gini);
  return hash_span<std::int32_t>(h, m.wealth_history);
}

void step_boltzmann_sync_parallel(Boltzmann& m) {
  const int width = m.params.width, height = m.params.height;
  const auto n = m.agents.size();
  const auto cells = m.cells.size();
  if (m.members.size() != n) m.members.resize(n);  // first call only
  if (m.cell_start.size() != cells) m.cell_start.resize(cells);
  // 1. Move: every agent at once, direction keyed by (seed, step, phase, agent).
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, n, 4096), [&](const tbb::blocked_range<std::size_t>& r) {
    for (std::size_t a = r.begin(); a < r.end(); ++a) {
      sim::Rng rng(m.seed, m.step, boltzmann_sync_move, static_cast<std::int64_t>(a), 0);
      const std::uint64_t bits = rng.bits();
      m.agents[a].cell = move_target(m.agents[a].cell, bits, rng, width, height);
    }
  });
  // 2. Group agents by cell (stable counting sort: id order within a cell).
  for (CellList& c : m.cells) c.count = 0;
  for (const MoneyAgent& a : m.agents) ++m.cells[a.cell].count;
  std::int32_t start = 0;
  for (std::size_t c = 0; c < cells; ++c) {
    m.cell_start[c] = start;
    start += m.cells[c].count;
  }
  for (std::size_t a = 0; a < n; ++a) m.members[m.cell_start[m.agents[a].cell]++] = static_cast<std::int32_t>(a);
  for (std::size_t c = 0; c < cells; ++c) m.cell_start[c] -= m.cells[c].count;
  // 3. Give: cells are independent; within a cell the givers act in a keyed random order.
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, cells, 1024), [&](const tbb::blocked_range<std::size_t>& r) {
    for (std::size_t c = r.begin(); c < r.end(); ++c) {
      const std::int32_t count = m.cells[c].count;
      if (count < 2) continue;
      std::int32_t* members = m.members.data() + m.cell_start[c];
      sim::Rng rng(m.seed, m.step, boltzmann_sync_give, static_cast<std::int64_t>(c), 0);
      for (std::int32_t i = count - 1; i > 0; --i)
        std::swap(members[i], members[rng.below(static_cast<std::uint64_t>(i) + 1)]);
      for (std::int32_t i = 0; i < count; ++i) {
        MoneyAgent& giver = m.agents[members[i]];
        if (giver.wealth <= 0) continue;
        std::int32_t k = static_cast<std::int32_t>(rng.below(static_cast<std::uint64_t>(count) - 1));
        if (k >= i) ++k;  // skip the giver itself
        ++m.agents[members[k]].wealth;
        --giver.wealth;
      }
    }
  });
  // 4. Record (same data collection as the serial rule).
  record(m);
}

}  // namespace biocluster::bench
