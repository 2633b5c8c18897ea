#pragma once
/// @file Schelling segregation with the rules of the ABMFrameworksComparison benchmark
/// (Schelling/DECLARATION.md there; tests/bench/peers/README.md here).
///
/// X x X non-periodic grid, at most one agent per cell, K agents (K/2 per group) on random distinct
/// cells. Each step every agent, in a fresh random order, counts same-group agents within Chebyshev
/// radius r (itself excluded) and, when fewer than `min_happy`, moves to a uniformly random empty cell.
#include <cstdint>
#include <vector>

namespace biocluster::bench {

/// Parameters of one Schelling run.
struct SchellingParams {
  int side = 40;      ///< X: the grid is side x side cells, not periodic
  int agents = 1000;  ///< K, split into two equal groups (ids < K/2 are group 1)
  int radius = 1;     ///< r: Chebyshev radius of the neighbourhood
  int min_happy = 3;  ///< fewest same-group neighbours for an agent to stay
  int steps = 20;     ///< steps per run
};

inline constexpr SchellingParams schelling_small{40, 1000, 1, 3, 20};
inline constexpr SchellingParams schelling_large{100, 8000, 2, 8, 20};

/// Model state. Cells are indexed on a grid padded by `radius` empty cells on every side, so the
/// neighbourhood scan needs no bounds checks; `cell_of(x, y)` converts.
struct Schelling {
  SchellingParams params;
  std::uint64_t seed = 0;
  int stride = 0;                            ///< padded row length: side + 2 * radius
  std::vector<std::int32_t> cell_agent;      ///< padded cell -> agent index, -1 empty or border
  std::vector<std::uint8_t> cell_group;      ///< padded cell -> group of its agent (1, 2), 0 empty or border
  std::vector<std::int32_t> agent_cell;      ///< agent -> padded cell
  std::vector<std::uint8_t> agent_group;     ///< agent -> group (1, 2)
  std::vector<std::uint8_t> agent_happy;     ///< agent -> happy at its last activation
  std::vector<std::int32_t> empty_cells;     ///< padded indices of the empty cells (order is part of the state)
  std::vector<std::int32_t> order;           ///< activation order, reshuffled each step
  std::vector<std::int32_t> happy_per_step;  ///< agents found happy in each step
  std::int64_t step = 0;                     ///< steps done

  /// Padded index of grid cell (x, y), 0 <= x, y < side.
  std::int32_t cell_of(int x, int y) const { return (y + params.radius) * stride + (x + params.radius); }
  int x_of(std::int32_t cell) const { return cell % stride - params.radius; }
  int y_of(std::int32_t cell) const { return cell / stride - params.radius; }
};

/// Builds the grid and places the agents at random distinct cells (keyed by seed).
/// @throws ConfigError when the parameters are out of range (K >= X*X, r < 1, ...).
Schelling make_schelling(const SchellingParams& params, std::uint64_t seed);

/// One step: shuffle the activation order, activate every agent in it, record the happy count.
void step_schelling(Schelling& model);

/// Same-group agents within the Chebyshev radius of `agent`, itself excluded.
int count_same_group(const Schelling& model, std::int32_t agent);

/// Hash of the positions, groups, empty-cell list and per-step happy counts (for determinism checks).
std::uint64_t checksum(const Schelling& model);

/// Keyed-RNG phase numbers of the Schelling model (one stream per (seed, step, phase)).
enum SchellingPhase : std::uint32_t { schelling_setup = 1, schelling_order = 2, schelling_activate = 3 };

}  // namespace biocluster::bench
