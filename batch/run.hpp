#pragma once
/// @file The run driver: scenario -> world -> steps (agents::simulate) -> HDF5 file and summary table.
/// `biocluster run` and `replay` use it directly; a sweep's runs through its sink (batch/sweep.cpp).
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "agents/params.hpp"
#include "sim/config.hpp"

namespace biocluster::agents {
struct World;
}

namespace biocluster::batch {

struct RunOptions {
  std::filesystem::path scenario;
  std::filesystem::path output;        ///< empty: <scenario stem>.h5 in the current directory
  std::optional<std::uint64_t> seed;   ///< overrides run.seed
  std::optional<std::int64_t> steps;   ///< overrides run.steps
  std::vector<std::string> overrides;  ///< "key.path=value"
  int threads = 0;                     ///< 0: all cores
  bool progress = false;               ///< draw a progress bar on stderr
  bool summary = true;                 ///< print the summary table on stdout
  double max_memory_gib = 0;           ///< refuse scenarios estimated above this (0: 80% of physical memory)
  bool report_interrupt = false;       ///< on interruption, say on stderr that the queued steps are being written
  bool force = false;                  ///< -o may replace any regular file, not only an earlier run file
  bool flush_at_end = false;  ///< write the file once, at the end (a resumable sweep's runs: a killed run is redone)
  bool own_thread_limit =
      true;  ///< false: no tbb::global_control (the caller bounds threads, e.g. a sweep's task_arena)
  /// Called after each step (before its output is written) with the world and the step; for
  /// benchmarks and tests that watch the run. Must not change the world.
  std::function<void(const agents::World&, std::int64_t)> on_step;
};

/// Refuses a scenario whose estimated memory exceeds the limit (resource guard).
/// @throws ConfigError with the estimate, the limit and a hint.
void check_memory(const agents::Params& params, double max_memory_gib);

/// Loads the scenario with every override applied. @throws ConfigError.
sim::ScenarioDoc load_doc(const RunOptions& o);

/// Loads a scenario file with overrides and a steps override (as `run --set ... --steps N`). @throws ConfigError.
agents::Params load_params(const std::filesystem::path& scenario, const std::vector<std::string>& overrides,
                           std::optional<std::int64_t> steps);

/// Every resolved parameter as key path -> value text (the keys a scenario has; what an override file changes).
std::map<std::string, std::string> flatten_params(agents::Params params);

/// Per-region totals over a run, for the summary table.
struct RunSummary {
  std::vector<std::string> regions;
  std::vector<bool> capital_area;  ///< per region: in the capital area (regions.NAME.capital_area)
  std::vector<std::string> metric_names;
  std::vector<std::string> metric_units;
  std::vector<bool> metric_flow;            ///< flows are summed over steps, stocks reported at the end
  std::vector<std::vector<double>> values;  ///< [metric][region]: sum over steps for flows, last value for stocks
  std::int64_t steps = 0;
  bool interrupted = false;  ///< stopped early on request; the output is a .partial file
  std::int64_t events = 0;
  double wall_seconds = 0;
  /// Of wall_seconds: time the simulation thread spends in output calls (creating the file,
  /// copying and queueing rows, waiting on a full queue, finish() draining the queue).
  double output_seconds = 0;
  /// HDF5 work done on the writer thread (compression, writes, flushes), mostly overlapping the
  /// simulation; not part of the critical path except where output_seconds waited for it.
  double output_worker_seconds = 0;
  double setup_seconds = 0;  ///< of wall_seconds: loading parameters and building the world
  std::vector<std::pair<std::string, double>> phase_seconds;
};

/// Runs an already loaded scenario document (o.scenario names it in the output; o.overrides,
/// o.seed and o.steps are ignored: apply them to `doc` first). Used by replay.
RunSummary run_document(const sim::ScenarioDoc& doc, const RunOptions& o, const std::atomic<bool>* stop = nullptr);

/// Runs a scenario to completion and writes the HDF5 file. Returns the summary.
/// @throws ConfigError, OutputError, InvariantError. If `stop` becomes true the run ends early
/// and the .partial file is kept (the caller reports it).
RunSummary run_scenario(const RunOptions& o, const std::atomic<bool>* stop = nullptr);

/// Prints the summary table.
void print_summary(std::ostream& out, const RunSummary& s);

}  // namespace biocluster::batch
