#pragma once
/// @file The runner: executes the runs of a plan into a sink, locally on a TBB arena or spread
/// over MPI ranks (batch/mpi.cpp, the only file that sees mpi.h). Sinks: the sweep's files (one
/// HDF5 run file per run, .failed markers, the index; batch/sweep.cpp) and the studies' in-memory
/// quantities (batch/study.cpp).
#include <atomic>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "batch/plan.hpp"
#include "batch/progress.hpp"

namespace biocluster::batch {

/// Where the runs of a plan go.
class Sink {
 public:
  virtual ~Sink() = default;
  virtual const Plan& plan() const = 0;
  /// The final state an earlier invocation left for run `r` (done or failed), if any: it is not run again.
  virtual std::optional<Outcome> finished_before(const Run&) const { return std::nullopt; }
  /// Executes run `r` with `threads` threads (`own_thread_limit`: see RunOptions). Returns done,
  /// failed (recorded by the sink), interrupted, or error with `message` (an output error).
  virtual Outcome execute(const Run& r, int threads, bool own_thread_limit, const std::atomic<bool>* stop,
                          std::string& message) = 0;
  /// In-memory sinks: the numbers run `r` left on this process (under MPI, a worker rank sends them
  /// to rank 0) ...
  virtual std::vector<double> result_of(const Run&) const { return {}; }
  /// ... and taking them in on rank 0.
  virtual void take_result(const Run&, const std::vector<double>&) {}
};

struct RunnerOptions {
  int threads = 0;                   ///< local: runs at once (0: all cores); MPI: threads per run (0: 1)
  bool single_threaded_runs = true;  ///< local: each run in its own one-thread arena (else runs share the arena)
  int shard = 0, shards = 1;         ///< only runs with index % shards == shard
  bool progress = false;             ///< progress line on stderr
  Progress::Style style = Progress::Style::sweep;
  const std::atomic<bool>* stop = nullptr;
};

/// The runs of this shard still to do, in plan order, and how many were finished before.
struct Pending {
  std::vector<Run> todo;
  std::size_t skipped_done = 0, skipped_failed = 0;
};
Pending pending_runs(const Sink& sink, const RunnerOptions& o);

/// Runs `todo` on this machine (TBB), ticking `progress` once per run (interrupted once `stop` is set).
void run_local(Sink& sink, const std::vector<Run>& todo, const RunnerOptions& o, Progress& progress);

/// What a runner invocation reports at the end: pending runs and the progress counts. Returns the exit code.
using Report = std::function<int(const Pending&, const Progress&)>;

/// Runs the pending runs of the plan: locally, or over MPI ranks when launched by mpirun with
/// more than one rank. `setup(first)` builds the sink: once per process; under MPI rank 0 first
/// (`first` = true; its exceptions are rethrown there and the other ranks stop), then the others
/// (`first` = false). `report` runs on rank 0 (or locally) after the runs; its code is returned by every rank.
int run_plan(const std::function<Sink&(bool first)>& setup, const RunnerOptions& o, const Report& report);

// MPI (batch/mpi.cpp).
/// True if this process was started by mpirun/srun with more than one rank (initialises MPI).
/// Built without MPI: throws ConfigError under a multi-rank launcher, else false.
bool mpi_world();
/// run_plan over the MPI ranks: rank 0 hands out runs on request (dynamic load balancing).
int run_plan_mpi(const std::function<Sink&(bool first)>& setup, const RunnerOptions& o, const Report& report);

}  // namespace biocluster::batch
