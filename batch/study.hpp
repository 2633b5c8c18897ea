#pragma once
/// @file Studies: many paired-seed runs of scenarios, reduced to named quantities.
///  - calibration (`biocluster calibrate TARGETS.toml`): each target's observed value against the
///    simulated mean, its 95% interval and the relative error (docs/CALIBRATION.md);
///  - experiments (`biocluster experiment EXPERIMENT.toml`): a baseline and variants (override files),
///    paired differences with 95% intervals per outcome (docs/EXPERIMENTS.md).
/// Both are plans (batch/plan.hpp) whose points are scenarios (the targets' scenario; the baseline and
/// each variant), run by the runner (batch/runner.hpp) into memory (no HDF5 files); run (variant, replicate) is exactly
/// `biocluster run SCENARIO --seed SEED [--steps N]`, whose seed the report lists.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace biocluster::batch {

/// Where to read a quantity from the monthly metrics: which metrics (summed), which regions (summed),
/// which months. Flows are summed over the window; stocks take their value at its last month.
struct QuantitySpec {
  std::vector<std::string> metrics;
  std::string regions = "all";           ///< "all", "capital_area", "outside_capital_area", or a list "a,b"
  std::vector<std::string> region_list;  ///< when regions names regions
  std::string when = "all";              ///< "all" (the whole run), "YYYY" or "YYYY-YYYY"
  bool per_year = false;                 ///< flows: divide the sum by the number of years in the window
  int line = 0;                          ///< where it was written (for messages)
};

/// A quantity, optionally divided by another (a share, a cost per job).
struct Quantity {
  QuantitySpec num;
  std::optional<QuantitySpec> den;
  double scale = 1.0;  ///< printed value = value * scale (e.g. 1e-6 for M USD)
  std::string unit;    ///< label of the printed value
  /// A target level: the quantity becomes 1 when its value (before `scale`) reaches it and 0 otherwise,
  /// so its mean is the share of runs that reach it (e.g. 1,000 startups founded by 2022).
  std::optional<double> at_least;
};

/// One calibration target: a reported figure and the model quantity it is compared with.
struct Target {
  std::string name;
  Quantity q;
  double observed = 0;
  std::string source;                                         ///< e.g. "seed/facts.csv id 296 (MassBio 2019)"
  double tolerance = 0.25;                                    ///< goal: |relative error| <= tolerance
  std::vector<std::pair<double, std::string>> also_reported;  ///< other figures for the same thing, with sources
  std::string note;
  int line = 0;
};

struct TargetsSpec {
  std::filesystem::path file;
  std::filesystem::path scenario;  ///< resolved against the targets file's folder
  std::int64_t replicates = 10;
  std::uint64_t seed = 1;
  std::optional<std::int64_t> steps;
  std::vector<std::string> set;  ///< fixed --set overrides
  std::vector<Target> targets;
};

struct Variant {
  std::string name;
  std::filesystem::path scenario;
  std::vector<std::string> changes;  ///< the parameter keys this variant claims to change
  int line = 0;
};

/// One outcome of an experiment: a named quantity.
struct ExperimentOutcome {
  std::string name;
  Quantity q;
  int line = 0;
};

struct ExperimentSpec {
  std::filesystem::path file;
  std::string name, question, mechanism;
  Variant baseline;
  std::vector<Variant> variants;
  std::vector<ExperimentOutcome> outcomes;
  std::int64_t replicates = 30;
  std::uint64_t seed = 1;
  std::optional<std::int64_t> steps;
};

/// Readers (batch/files.cpp). Every mistake is reported with file:line, all at once.
/// @throws ConfigError
TargetsSpec load_targets(const std::filesystem::path& file);
ExperimentSpec load_experiment(const std::filesystem::path& file);
/// The same readers on text: `name` names it in errors (and becomes spec.file), `base_dir` resolves
/// the scenario files it names (nothing is read). load_targets / load_experiment call these.
TargetsSpec parse_targets_text(const std::string& text, const std::string& name, const std::filesystem::path& base_dir);
ExperimentSpec parse_experiment_text(const std::string& text, const std::string& name,
                                     const std::filesystem::path& base_dir);

struct StudyOptions {
  std::optional<std::int64_t> replicates;  ///< overrides the file's
  std::optional<std::int64_t> steps;       ///< overrides the file's
  int threads = 0;                         ///< 0: all cores
  bool markdown = false;                   ///< print Markdown tables (for the docs)
  std::filesystem::path csv;               ///< also write every row as CSV here
  bool progress = false;
  bool check_only = false;       ///< experiment: validate files and declared changes, run nothing
  std::vector<std::string> set;  ///< calibrate: extra --set overrides (after the file's)
  /// experiment: also write every run's monthly time series (output.level "series") to
  /// DIR/v<variant>_r<replicate>.h5, with DIR/runs.csv, DIR/outcomes.csv and DIR/results.csv
  /// (docs/EXPERIMENTS.md, "Figures over time"). The tables are the same with or without it.
  std::filesystem::path save_runs;
  /// experiment: after the tables, rerun every arm over this many Latin-hypercube sets of the uncertain
  /// parameters (agents::plausible_ranges) and report how often each effect keeps its sign (0: off).
  std::int64_t robust = 0;
  std::int64_t robust_replicates = 4;  ///< paired replicates per parameter set
};

/// Runs the calibration and prints the table. Returns the number of targets outside their tolerance.
/// @throws ConfigError, InvariantError
int run_calibration(const TargetsSpec& spec, const StudyOptions& o, std::ostream& out);

/// Runs the experiment (baseline and variants on the same seeds) and prints the paired differences.
/// Before any run, checks that each variant's resolved parameters differ from the baseline's in
/// exactly the keys it declares. @throws ConfigError, InvariantError
void run_experiment(const ExperimentSpec& spec, const StudyOptions& o, std::ostream& out);

}  // namespace biocluster::batch
