#pragma once
/// @file Sweep index (DIR/index.h5) and what a sweep reads back from run files. HDF5 stays in
/// output/'s .cpp files. Layout: docs/SWEEPS.md.
#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace biocluster::output {

/// Root attribute "status" of a run file ("complete", "incomplete"), or "" if it cannot be read.
std::string run_file_status(const std::filesystem::path& file);

/// Scalar summaries of a run file's time series.
struct RunMetrics {
  std::vector<std::string> names;
  std::vector<std::string> units;
  std::vector<std::string> summaries;  ///< "sum" (flows: attribute kind = "flow") or "final" (stocks)
  std::vector<double> values;          ///< flows: sum over steps and regions; stocks: last step summed over regions
  std::uint64_t seed = 0;
};

/// A sweep metric name "startups@capital_area" -> ("startups", "capital_area"); without '@' ->
/// (name, ""). The groups are capital_area and elsewhere (docs/SWEEPS.md, "Region groups").
std::pair<std::string, std::string> split_group(const std::string& name);

/// Summarises `metrics` (empty: every /timeseries dataset, in name order).
/// @throws ConfigError naming the available metrics if one is missing; OutputError if unreadable.
RunMetrics summarise_run_file(const std::filesystem::path& file, const std::vector<std::string>& metrics);

/// Everything in DIR/index.h5 (and index.csv). No timings, nothing that depends on the order
/// runs finished in.
struct SweepIndex {
  std::string sweep_hash;
  std::string sweep_text;
  std::string design;
  std::string program_version;
  std::int64_t replicates = 1;
  std::uint64_t sweep_seed = 0;
  // design: [point x factor], row-major
  std::vector<std::string> factors;
  std::vector<std::int64_t> point_block;
  std::vector<std::string> point_role;
  std::vector<double> point_unit;
  std::vector<double> point_value;
  std::vector<std::string> point_text;
  // runs, sorted by (point, replicate)
  std::vector<std::int64_t> run_point, run_replicate;
  std::vector<std::uint64_t> run_seed;
  std::vector<std::string> run_status;  ///< "done", "failed" or "missing"
  std::vector<std::string> run_error;
  std::vector<std::string> run_file;  ///< relative to DIR, e.g. "runs/p3_r1.h5"
  // metrics: [metric x run]; NaN where the run is not done
  std::vector<std::string> metrics, metric_units, metric_summaries;
  std::vector<double> metric_values;
  // per-point statistics (batch::stats) of each metric over the point's done runs: [metric x point]
  std::vector<std::int64_t> stat_n;  ///< finite values among the point's done runs
  std::vector<double> stat_mean;     ///< NaN if n = 0
  std::vector<double> stat_sd;       ///< sample standard deviation (n - 1); NaN if n < 2
  std::vector<double> stat_ci_low;   ///< 95% Student-t interval of the mean; NaN if n < 2
  std::vector<double> stat_ci_high;
  /// Two-sided 95% Student-t factor by degrees of freedom, t95[df] for df = 0..replicates-1 (t95[0]
  /// NaN): what a reader needs for the interval of its own paired differences.
  std::vector<double> t95;
};

/// Writes `path` via a temporary file renamed into place. @throws OutputError.
void write_sweep_index(const std::filesystem::path& path, const SweepIndex& index);

}  // namespace biocluster::output
