#include "tests/bench/peers/schelling.hpp"

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

/// Same-group cells in the (2R+1)^2 window around `cell`, minus the agent itself. R == 0: use `radius`.
template <int R>
int count_window(const std::uint8_t* groups, std::int32_t cell, int stride, int radius, std::uint8_t group) {
  const int r = R > 0 ? R : radius;
  int same = 0;
  for (int dy = -r; dy <= r; ++dy) {
    const std::uint8_t* row = groups + cell + dy * stride;
    for (int dx = -r; dx <= r; ++dx) same += row[dx] == group ? 1 : 0;
  }
  return same - 1;
}

int count_dispatch(const Schelling& m, std::int32_t cell, std::uint8_t group) {
  const std::uint8_t* g = m.cell_group.data();
  switch (m.params.radius) {
    case 1:
      return count_window<1>(g, cell, m.stride, 1, group);
    case 2:
      return count_window<2>(g, cell, m.stride, 2, group);
    default:
      return count_window<0>(g, cell, m.stride, m.params.radius, group);
  }
}

/// Phase 1: a fresh uniformly random activation order (Fisher-Yates, one keyed stream per step).
void shuffle_order(Schelling& m) {
  sim::Rng rng(m.seed, m.step, schelling_order, 0, 0);
  auto& order = m.order;
  for (std::size_t i = order.size() - 1; i > 0; --i) std::swap(order[i], order[rng.below(i + 1)]);
}

/// Phase 2: every agent in order counts same-group neighbours; an unhappy one moves to a random
/// empty cell (swap with the empty list: the vacated cell takes the chosen slot, O(1)).
template <int R>
void activate(Schelling& m) {
  sim::Rng rng(m.seed, m.step, schelling_activate, 0, 0);
  const std::uint8_t* groups = m.cell_group.data();
  const int min_happy = m.params.min_happy;
  const std::uint64_t empties = m.empty_cells.size();
  for (const std::int32_t a : m.order) {
    const std::int32_t cell = m.agent_cell[a];
    const std::uint8_t group = m.agent_group[a];
    if (count_window<R>(groups, cell, m.stride, m.params.radius, group) >= min_happy) {
      m.agent_happy[a] = 1;
      continue;
    }
    m.agent_happy[a] = 0;
    const std::size_t slot = rng.below(empties);
    const std::int32_t dest = m.empty_cells[slot];
    m.empty_cells[slot] = cell;
    m.cell_agent[cell] = -1;
    m.cell_group[cell] = 0;
    m.cell_agent[dest] = a;
    m.cell_group[dest] = group;
    m.agent_cell[a] = dest;
  }
}

void activate_agents(Schelling& m) {
  switch (m.params.radius) {
    case 1:
      activate<1>(m);
      break;
    case 2:
      activate<2>(m);
      break;
    default:
      activate<0>(m);
      break;
  }
}

/// Phase 3: record the happy count, advance the clock.
void record(Schelling& m) {
  m.happy_per_step.push_back(std::accumulate(m.agent_happy.begin(), m.agent_happy.end(), 0));
  ++m.step;
}

/// The step, top to bottom.
constexpr std::array<sim::Phase<Schelling>, 3> schelling_phases{{
    {"shuffle order", shuffle_order},
    {"activate agents", activate_agents},
    {"record", record},
}};

}  // namespace

Schelling make_schelling(const SchellingParams& p, std::uint64_t seed) {
  if (p.side < 1 || p.side > 20000 || p.radius < 1 || p.radius > p.side || p.agents < 2 ||
      static_cast<std::int64_t>(p.agents) >= static_cast<std::int64_t>(p.side) * p.side || p.steps < 0 ||
      p.min_happy < 0)
    throw ConfigError(
        "schelling: need 1 <= side <= 20000, 1 <= radius <= side, 2 <= agents < side^2, steps >= 0, "
        "min_happy >= 0; got side " +
        std::to_string(p.side) + ", radius " + std::to_string(p.radius) + ", agents " + std::to_string(p.agents) +
        ", steps " + std::to_string(p.steps) + ", min_happy " + std::to_string(p.min_happy) +
        " (fix the --size/--runs arguments)");
  Schelling m;
  m.params = p;
  m.seed = seed;
  m.stride = p.side + 2 * p.radius;
  const std::size_t padded = static_cast<std::size_t>(m.stride) * static_cast<std::size_t>(m.stride);
  m.cell_agent.assign(padded, -1);
  m.cell_group.assign(padded, 0);

  // K random distinct cells: a partial Fisher-Yates shuffle of all cells; the rest start empty.
  const std::int32_t cells = p.side * p.side;
  std::vector<std::int32_t> perm(static_cast<std::size_t>(cells));
  std::iota(perm.begin(), perm.end(), 0);
  sim::Rng rng(seed, 0, schelling_setup, 0, 0);
  const auto k = static_cast<std::size_t>(p.agents);
  for (std::size_t i = 0; i < k; ++i) std::swap(perm[i], perm[i + rng.below(perm.size() - i)]);

  m.agent_cell.resize(k);
  m.agent_group.resize(k);
  m.agent_happy.assign(k, 0);
  for (std::size_t a = 0; a < k; ++a) {
    const std::int32_t cell = m.cell_of(perm[a] % p.side, perm[a] / p.side);
    const auto group = static_cast<std::uint8_t>(a < k / 2 ? 1 : 2);
    m.agent_cell[a] = cell;
    m.agent_group[a] = group;
    m.cell_agent[cell] = static_cast<std::int32_t>(a);
    m.cell_group[cell] = group;
  }
  m.empty_cells.reserve(perm.size() - k);
  for (std::size_t i = k; i < perm.size(); ++i) m.empty_cells.push_back(m.cell_of(perm[i] % p.side, perm[i] / p.side));
  m.order.resize(k);
  std::iota(m.order.begin(), m.order.end(), 0);
  m.happy_per_step.reserve(static_cast<std::size_t>(p.steps));
  return m;
}

void step_schelling(Schelling& model) {
  for (const auto& phase : schelling_phases) phase.run(model);
}

int count_same_group(const Schelling& model, std::int32_t agent) {
  return count_dispatch(model, model.agent_cell[agent], model.agent_group[agent]);
}

std::uint64_t checksum(const Schelling& m) {
  std::uint64_t h = hash_combine(m.seed, static_cast<std::uint64_t>(m.step));
  h = hash_span<std::int32_t>(h, m.agent_cell);
  h = hash_span<std::uint8_t>(h, m.agent_group);
  h = hash_span<std::int32_t>(h, m.empty_cells);
  return hash_span<std::int32_t>(h, m.happy_per_step);
}

}  // namespace biocluster::bench
