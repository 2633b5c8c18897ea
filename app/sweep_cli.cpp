#include "app/sweep_cli.hpp"

#include <CLI/CLI.hpp>

#include <unistd.h>
#include <iostream>

#include "batch/sweep.hpp"
#include "sim/errors.hpp"

namespace biocluster::app {

struct SweepCommands::State {
  CLI::App* sweep = nullptr;
  CLI::App* merge = nullptr;
  CLI::App* design = nullptr;
  batch::SweepOptions so;
  std::string shard;
  std::filesystem::path merge_dir, design_file;
  bool quiet = false, merge_quiet = false, runs = false;
};

SweepCommands::SweepCommands(CLI::App& cli) : s_(std::make_unique<State>()) {
  auto& s = *s_;
  s.sweep =
      cli.add_subcommand("sweep",
                         "Run every (point x replicate) of a sweep file into DIR: one HDF5 file per run and an "
                         "index (docs/SWEEPS.md). Re-running resumes; under mpirun the runs spread over the ranks.");
  s.sweep->add_option("file", s.so.file, "Sweep file (TOML), e.g. scenarios/sweeps/policy.toml")->required();
  s.sweep
      ->add_option("-o,--output", s.so.dir,
                   "Output directory (created; DIR/runs/p<point>_r<rep>.h5, DIR/index.h5, DIR/index.csv)")
      ->required();
  s.sweep
      ->add_option("--threads", s.so.threads,
                   "Runs at once on this machine (default: all cores; each run single-threaded). Under mpirun: "
                   "threads per run (default 1)")
      ->check(CLI::Range(1, 1024));
  s.sweep->add_option(
      "--shard", s.shard,
      "Run only plan indices with index % N == i, e.g. --shard $SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT; "
      "then `sweep-merge DIR` writes the index");
  s.sweep
      ->add_option("--extend-replicates", s.so.extend_replicates,
                   "Add replicates to the sweep already in DIR, up to this new total; the runs done keep their seeds, "
                   "files and index rows (docs/SWEEPS.md)")
      ->check(CLI::Range(std::int64_t{2}, std::int64_t{10000000}));
  s.sweep->add_flag("-q,--quiet", s.quiet, "No progress bar and no report");

  s.merge = cli.add_subcommand("sweep-merge",
                               "Rebuild DIR/index.h5 and DIR/index.csv from the run files present (after "
                               "sharded runs); lists missing runs (exit code 1 if any)");
  s.merge->add_option("dir", s.merge_dir, "Sweep output directory")->required()->check(CLI::ExistingDirectory);
  s.merge->add_flag("-q,--quiet", s.merge_quiet, "Report only missing runs");

  s.design = cli.add_subcommand("sweep-design",
                                "Print a sweep's design matrix as CSV (point, block, role, factor values), "
                                "or with --runs the run plans (seed and --set overrides of every run)");
  s.design->add_option("file", s.design_file, "Sweep file (TOML)")->required();
  s.design->add_flag("--runs", s.runs, "Print run,point,replicate,seed,overrides instead");
}

SweepCommands::~SweepCommands() = default;

bool SweepCommands::selected() const { return s_->sweep->parsed() || s_->merge->parsed() || s_->design->parsed(); }

int SweepCommands::dispatch(const std::atomic<bool>* stop) {
  auto& s = *s_;
  if (s.sweep->parsed()) {
    if (!s.shard.empty()) {
      const auto slash = s.shard.find('/');
      try {
        std::size_t a = 0, b = 0;
        if (slash == std::string::npos) throw std::invalid_argument("");
        s.so.shard = std::stoi(s.shard.substr(0, slash), &a);
        s.so.shards = std::stoi(s.shard.substr(slash + 1), &b);
        if (a != slash || b != s.shard.size() - slash - 1) throw std::invalid_argument("");
      } catch (const std::exception&) {
        throw ConfigError("--shard '" + s.shard + "': expected i/N, e.g. --shard 0/4");
      }
      if (s.so.shards < 1 || s.so.shard < 0 || s.so.shard >= s.so.shards)
        throw ConfigError("--shard '" + s.shard + "': expected i/N with 0 <= i < N");
    }
    s.so.quiet = s.quiet;
    s.so.progress = !s.quiet;
    return batch::run_sweep(s.so, stop);
  }
  if (s.merge->parsed()) return batch::merge_sweep(s.merge_dir, s.merge_quiet);
  if (s.design->parsed()) {
    const batch::SweepSpec spec = batch::load_sweep_file(s.design_file);
    const auto design = batch::make_design(spec);
    if (!s.runs) {
      std::cout << batch::design_csv(spec, design);
      return 0;
    }
    std::cout << "run,point,replicate,seed,overrides\n";
    const batch::Plan plan = batch::make_plan(spec, design);
    for (const auto& p : plan.runs()) {
      std::string ov;
      for (const auto& x : plan.points[static_cast<std::size_t>(p.point)].overrides)
        ov += (ov.empty() ? "" : " ") + std::string("--set '") + x + "'";
      std::cout << p.index << "," << p.point << "," << p.replicate << "," << p.seed << "," << ov << "\n";
    }
    return 0;
  }
  return 1;
}

}  // namespace biocluster::app
