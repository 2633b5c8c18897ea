#pragma once
/// @file Pieces of the sweep driver shared by the local (TBB) and MPI paths. Not a public API.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <string>
#include <vector>

#include "app/sweep.hpp"

namespace biocluster::app::sweep_detail {

/// A loaded sweep: spec, design, plans and the output directory.
struct Prepared {
  SweepSpec spec;
  std::vector<DesignPoint> design;
  std::vector<RunPlan> plans;
  std::string hash;
  std::filesystem::path dir;
};

/// Loads and validates the sweep file against its scenario (factor keys, metrics, fixed overrides).
/// If `init_dir`, creates DIR/runs and DIR/sweep.toml + DIR/sweep.hash, or checks that an existing
/// DIR holds the same sweep. @throws ConfigError, OutputError.
Prepared prepare(const SweepOptions& o, bool init_dir);

enum class Outcome : int { done = 0, failed = 1, interrupted = 2, error = 3, skipped_done = 4, skipped_failed = 5 };

std::filesystem::path run_path(const std::filesystem::path& dir, const RunPlan& p);
std::filesystem::path failed_path(const std::filesystem::path& dir, const RunPlan& p);

/// If the plan already has a final state (complete run file or a .failed marker), returns it.
bool finished_before(const Prepared& s, const RunPlan& p, Outcome& out);

/// The runs of this shard still to do, in plan order, and how many were finished before.
struct Pending {
  std::vector<const RunPlan*> todo;
  std::size_t skipped_done = 0, skipped_failed = 0;
};
Pending pending_runs(const Prepared& s, const SweepOptions& o);

/// Runs one plan. `own_thread_limit`: see RunOptions. A ConfigError or InvariantError is recorded
/// in a .failed marker (the sweep goes on); an OutputError is returned as Outcome::error with `message`.
Outcome execute(const Prepared& s, const RunPlan& p, int threads, bool own_thread_limit, const std::atomic<bool>* stop,
                std::string& message);

/// Quotes a CSV field when it holds a comma, quote or newline (RFC 4180).
std::string csv_field(const std::string& s);

/// Writes DIR/index.h5 and DIR/index.csv from the files present. Returns the number of missing runs.
std::size_t write_index(const Prepared& s);

/// Progress with ETA on stderr (only when `on`), thread-safe.
class Progress {
 public:
  Progress(bool on, std::size_t total, std::size_t skipped);
  void tick(Outcome o);
  void finish();
  std::size_t done() const { return done_; }
  std::size_t failed() const { return failed_; }
  std::size_t errors() const { return errors_; }
  std::size_t interrupted() const { return interrupted_; }
  std::string first_error() const { return first_error_; }
  void note_error(const std::string& m);

 private:
  void draw();
  bool on_;
  std::size_t total_, skipped_, done_ = 0, failed_ = 0, errors_ = 0, interrupted_ = 0;
  std::string first_error_;
  std::chrono::steady_clock::time_point t0_;
  std::mutex m_;
};

/// Final report and exit code after a sweep invocation.
int report(const Prepared& s, const SweepOptions& o, const Progress& pr, std::size_t skipped_done,
           std::size_t skipped_failed, std::size_t to_run);

/// MPI: true if this process was started by mpirun/srun with more than one rank (initialises MPI).
bool mpi_world();
/// MPI: runs the sweep across ranks (rank 0 hands out plans, writes the index). Returns the exit code.
int run_sweep_mpi(const SweepOptions& o, const std::atomic<bool>* stop);

}  // namespace biocluster::app::sweep_detail
