#pragma once
/// @file Batch scenario sweeps: a sweep file (TOML) -> a design (points x factors) -> a plan
/// (point x replicate, with paired seeds) -> one HDF5 run file per run and an index. See
/// docs/SWEEPS.md. toml11 stays in batch/files.cpp, HDF5 in output/sweep_index.cpp, MPI in
/// batch/mpi.cpp.
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "batch/plan.hpp"
#include "sim/config.hpp"

namespace biocluster::batch {

enum class Design { grid, lhs, morris, sobol };
const char* design_name(Design d);

/// One varied parameter: [factors.<key.path>] in the sweep file.
struct Factor {
  std::string key;                 ///< scenario key path, e.g. "policy.basic_research_share"
  sim::SourcePos pos;              ///< where it was declared
  bool is_list = false;            ///< `values = [...]` (else `min`/`max`)
  std::vector<std::string> texts;  ///< list: each value in TOML syntax (strings quoted)
  std::vector<double> numbers;     ///< list: numeric value (bool 0/1, string: its index)
  double min = 0.0, max = 0.0;     ///< range
  bool integer = false;            ///< range given as integers: values are rounded
  std::int64_t levels = 0;         ///< grid levels for a range (>= 2)
};

/// A parsed sweep file.
struct SweepSpec {
  std::string file;                ///< path as given
  std::string text;                ///< the file's text
  std::filesystem::path scenario;  ///< resolved relative to the sweep file; empty if absent
  std::string scenario_name;       ///< as written in the sweep file (used in recorded errors)
  std::int64_t replicates = 1;
  std::uint64_t seed = 1;
  std::optional<std::int64_t> steps;  ///< run.steps override
  std::vector<std::string> set;       ///< fixed "key.path=value" overrides for every run
  std::vector<Factor> factors;        ///< in the order written
  Design design = Design::grid;
  std::int64_t samples = 0;          ///< lhs: points; sobol: base samples N (N*(k+2) points)
  std::int64_t trajectories = 0;     ///< morris: r (r*(k+1) points)
  std::int64_t levels = 4;           ///< morris: grid levels p (even)
  std::vector<std::string> metrics;  ///< timeseries to summarise; empty: all
  /// output.level of every run (docs/SWEEPS.md): "summary" by default, the run totals the index
  /// needs; a `set` entry "output.level=..." wins over it.
  std::string output_level = "summary";
};

/// Reads and validates a sweep file (UTF-8, TOML, known keys, ranges; batch/files.cpp). @throws ConfigError with
/// file:line.
SweepSpec load_sweep_file(const std::filesystem::path& file);
/// Parses sweep text; `base_dir` resolves `scenario`. @throws ConfigError.
SweepSpec parse_sweep_text(const std::string& text, const std::string& name, const std::filesystem::path& base_dir);

/// One point of the design.
struct DesignPoint {
  std::int64_t block = 0;     ///< morris: trajectory; sobol: base sample; else the point index
  std::string role;           ///< grid/lhs: ""; morris: "base" or the factor key changed; sobol: "A", "B", "AB:<key>"
  std::vector<double> unit;   ///< coordinates in [0, 1] per factor
  std::vector<double> value;  ///< numeric value per factor (list of strings/bools: the index / 0-1)
  std::vector<std::string> text;  ///< value per factor in TOML syntax, as passed to --set
};

/// The design matrix: a pure function of the spec (its seed included).
std::vector<DesignPoint> make_design(const SweepSpec& spec);
/// A Latin hypercube of n points in [0, 1)^k, u[point][factor]: each factor's n strata in a keyed random
/// order, jittered within the stratum (the lhs design's unit sample; experiment --robust).
std::vector<std::vector<double>> latin_hypercube(std::int64_t n, std::size_t k, std::uint64_t seed);

/// The plan: one point per design point (the scenario with spec.set, then one "key=value" per
/// factor), spec.replicates replicates with seeds replicate_seed(spec.seed, r), spec.steps.
Plan make_plan(const SweepSpec& spec, const std::vector<DesignPoint>& design);

/// The design as CSV: point,block,role,<factor values...> (TOML value text; strings unquoted).
std::string design_csv(const SweepSpec& spec, const std::vector<DesignPoint>& design);

/// Content hash of the sweep: the sweep text and the text of every scenario file it reads (not
/// their paths), 16 hex digits (FNV-1a 64).
std::string sweep_hash(const SweepSpec& spec);

struct SweepOptions {
  std::filesystem::path file;  ///< sweep file
  std::filesystem::path dir;   ///< output directory
  int threads = 0;             ///< local runs at once (0: all cores); under MPI, threads per run
  int shard = 0, shards = 1;   ///< run plan indices with index % shards == shard
  bool progress = false;       ///< progress bar with ETA on stderr
  bool quiet = false;          ///< no final report
  /// > 0: extend the sweep already in `dir` to this many replicates (docs/SWEEPS.md, "More
  /// replicates"); recorded in DIR/sweep.replicates, so later resumes and sweep-merge keep it.
  std::int64_t extend_replicates = 0;
};

/// Runs (or resumes) a sweep locally with TBB, or distributed when launched under mpirun.
/// Returns the exit code: 0 (all runs done or failed on bad parameters), 3 output error, 130 interrupted.
/// @throws ConfigError (bad sweep file, changed sweep in DIR), OutputError.
int run_sweep(const SweepOptions& o, const std::atomic<bool>* stop);

/// Rebuilds DIR/index.h5 and DIR/index.csv from the run files present; reports missing runs.
/// Returns 0 when every run is done or failed, 1 when some are missing.
int merge_sweep(const std::filesystem::path& dir, bool quiet);

}  // namespace biocluster::batch
