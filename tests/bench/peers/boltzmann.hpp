#pragma once
/// @file Boltzmann wealth exchange with the rules of Mesa's BoltzmannWealth benchmark
/// (mesa/benchmarks, mesa.examples.basic.boltzmann_wealth_model; tests/bench/peers/README.md here).
///
/// n agents with wealth 1 on a width x height grid that does NOT wrap (Mesa 3.3.1's
/// `OrthogonalMooreGrid((width, height))`, torus=False; any number per cell). Each step, in a fresh
/// random order, an agent moves to one of its Moore neighbour cells on the grid at random (8 inside,
/// 5 on an edge, 3 at a corner), then, if its wealth is > 0 and another agent shares its new cell,
/// gives 1 unit to one of those others at random.
/// After setup and after every step the Gini coefficient and every agent's wealth are recorded.
#include <cstdint>
#include <span>
#include <vector>

namespace biocluster::bench {

/// Parameters of one Boltzmann run.
struct BoltzmannParams {
  int agents = 100;  ///< n
  int width = 10;    ///< grid width (cells), >= 2
  int height = 10;   ///< grid height (cells), >= 2
  int steps = 125;   ///< steps per run
};

inline constexpr BoltzmannParams boltzmann_small{100, 10, 10, 125};
inline constexpr BoltzmannParams boltzmann_large{10'000, 100, 100, 10};
inline constexpr BoltzmannParams boltzmann_huge{1'000'000, 1000, 1000, 10};

/// One agent's hot state, packed together: the activation order is random, so every agent visited is a
/// cache miss; one 16-byte record makes it one miss instead of four (position, wealth, list links).
struct MoneyAgent {
  std::int32_t cell = -1;   ///< cell (row-major)
  std::int32_t wealth = 1;  ///< wealth units
  std::int32_t next = -1;   ///< next agent in the same cell, -1 none
  std::int32_t prev = -1;   ///< previous agent in the same cell, -1 none
};

/// One cell's agents: an intrusive doubly linked list through MoneyAgent::next/prev.
struct CellList {
  std::int32_t head = -1;  ///< first agent in the cell, -1 none
  std::int32_t count = 0;  ///< agents in the cell
};

/// Model state: agents and cells as flat arrays of small records; data collection preallocated.
struct Boltzmann {
  BoltzmannParams params;
  std::uint64_t seed = 0;
  std::vector<MoneyAgent> agents;            ///< by agent id 0 .. n-1
  std::vector<CellList> cells;               ///< by cell, row-major
  std::vector<std::int32_t> order;           ///< activation order, reshuffled each step
  std::vector<double> gini;                  ///< Gini after setup and after each step
  std::vector<std::int32_t> wealth_history;  ///< (steps + 1) x n: every agent's wealth per record
  std::vector<std::int32_t> histogram;       ///< scratch for the counting-sort Gini (n + 1 bins)
  std::vector<std::int32_t> members;         ///< synchronous variant only: agents grouped by cell
  std::vector<std::int32_t> cell_start;      ///< synchronous variant only: start of each cell's group
  std::int64_t step = 0;                     ///< steps done

  /// Wealth of every agent at the latest record.
  std::span<const std::int32_t> wealth_now() const {
    return {wealth_history.data() + wealth_history.size() - agents.size(), agents.size()};
  }
};

/// Places the agents at uniformly random cells (keyed by seed) and records the initial state.
/// @throws ConfigError when the parameters are out of range.
Boltzmann make_boltzmann(const BoltzmannParams& params, std::uint64_t seed);

/// One step: shuffle the activation order, activate every agent in it, record Gini and wealth.
void step_boltzmann(Boltzmann& model);

/// Mesa's Gini, 1 + 1/n - 2 * sum_i x_(i) (n - i) / (n * sum x) over sorted x (i from 0), computed by
/// a counting sort of the (non-negative integer) wealths in O(n + max). `histogram` is scratch.
double gini_counting(std::span<const std::int32_t> wealth, std::vector<std::int32_t>& histogram);

/// The same formula by an explicit sort (reference for tests).
double gini_sorted(std::span<const std::int32_t> wealth);

/// Hash of positions, wealths, the Gini series and the whole wealth history.
std::uint64_t checksum(const Boltzmann& model);

/// A DIFFERENT rule, for the thread-scaling demonstration only ("synchronous" variant): each step all
/// agents first move at once (direction keyed by agent), then every cell is processed independently:
/// its agents, in a keyed random order per cell, each give 1 unit (if wealth > 0) to a random other
/// agent of the cell. Results do not depend on the thread count; they are not those of step_boltzmann.
/// It keeps MoneyAgent::cell, wealth and CellList::count; the list links are not maintained (do not mix
/// with step_boltzmann on one model). Its scratch arrays are allocated at the first call.
void step_boltzmann_sync_parallel(Boltzmann& model);

/// Keyed-RNG phase numbers of the Boltzmann model.
enum BoltzmannPhase : std::uint32_t {
  boltzmann_setup = 11,
  boltzmann_order = 12,
  boltzmann_activate = 13,
  boltzmann_sync_move = 14,
  boltzmann_sync_give = 15,
};

}  // namespace biocluster::bench
