// biocluster: command-line entry point. Subcommands: run, check, replay, sweep*, calibrate, experiment. See README.md.
#include <CLI/CLI.hpp>

#include <unistd.h>
#include <atomic>
#include <cmath>
#include <csignal>
#include <cstdlib>
#include <iomanip>
#include <iostream>
#include <sstream>

#include "agents/params.hpp"
#include "app/replay.hpp"
#include "app/sweep_cli.hpp"
#include "batch/run.hpp"
#include "batch/study.hpp"
#include "biocluster/version.hpp"
#include "output/run_writer.hpp"
#include "sim/errors.hpp"

namespace {
std::atomic<bool> g_stop{false};
extern "C" void on_signal(int) { g_stop.store(true); }

// --seed: an integer in [0, 9e18] as the user wrote it (CLI11 would wrap -1 or clamp a huge value).
std::uint64_t parse_seed(const std::string& text) {
  constexpr std::uint64_t kMax = 9000000000000000000ULL;
  const bool digits = !text.empty() && text.size() <= 19 && text.find_first_not_of("0123456789") == std::string::npos;
  if (!digits || std::stoull(text) > kMax)
    throw biocluster::ConfigError("--seed " + biocluster::clip_for_message(text, 40) +
                                  ": expected an integer in [0, 9000000000000000000], e.g. --seed 7");
  return std::stoull(text);
}

// --max-memory: a finite positive number of GiB.
double parse_max_memory(const std::string& text) {
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (text.empty() || end != text.c_str() + text.size() || !std::isfinite(v) || v <= 0 || v > 1e6)
    throw biocluster::ConfigError("--max-memory " + biocluster::clip_for_message(text, 40) +
                                  ": expected a number of GiB in (0, 1e6], e.g. --max-memory 4");
  return v;
}

// Every key at its default, with one region called NAME (x_km set to its default to create it).
constexpr const char* kDefaultsScenario = "[regions.NAME]\nx_km = 10.0\n";
}  // namespace

int main(int argc, char** argv) {
  using namespace biocluster;
  CLI::App cli{
      "biocluster: agent-based simulation of bio-health industry clusters.\n"
      "Universities, research hospitals, startups, venture capital and pharma interact on a spatial grid;\n"
      "each run writes monthly trajectories, events and snapshots to one HDF5 file (docs/OUTPUT.md).",
      "biocluster"};
  cli.require_subcommand(1);
  cli.set_version_flag("--version", std::string("biocluster ") + kVersion + " (git " + kGitRevision + ")");

  batch::RunOptions ro;
  std::string seed_text, max_memory_text;
  std::int64_t steps = 0;
  bool quiet = false;
  auto* run = cli.add_subcommand("run", "Run a scenario and write an HDF5 file, then print a summary table.");
  // No CLI::ExistingFile on scenario files: the loader's message says what is wrong (docs/TROUBLESHOOTING.md).
  run->add_option("scenario", ro.scenario, "Scenario file (TOML), e.g. scenarios/default.toml")->required();
  run->add_option(
      "-o,--output", ro.output,
      "Output file (default: out/<scenario name>.h5, the directory made if missing). Written as FILE.partial "
      "and renamed to FILE only when the run completes.");
  auto* seed_opt =
      run->add_option("--seed", seed_text, "Random seed, an integer in [0, 9e18]; overrides run.seed in the scenario");
  auto* steps_opt =
      run->add_option("--steps", steps, "Number of monthly steps; overrides run.steps")->check(CLI::Range(1, 12000));
  run->add_option("--threads", ro.threads, "Worker threads (default: all cores). Results are identical for any count.")
      ->check(CLI::Range(1, 1024));
  run->add_option("--set", ro.overrides,
                  "Override a parameter, e.g. --set policy.basic_research_share=0.5 (repeatable; TOML value syntax)");
  run->add_flag("-q,--quiet", quiet, "No progress bar and no summary table");
  run->add_flag(
      "--force", ro.force,
      "Let -o replace a file that is not an earlier run file (a symbolic link, directory or device never is)");
  auto* max_memory_opt =
      run->add_option("--max-memory", max_memory_text,
                      "Refuse scenarios estimated to need more than this many GiB (default: 80% of physical memory)");

  batch::RunOptions co;
  bool defaults = false, markdown = false, diff = false;
  auto* check = cli.add_subcommand(
      "check", "Validate a scenario and print the resolved parameters as TOML, with units and ranges.");
  check->add_option("scenario", co.scenario, "Scenario file (TOML)");
  check->add_option("--set", co.overrides, "Override a parameter, as for run (repeatable)");
  check->add_flag("--defaults", defaults, "Print every parameter at its default (no scenario needed)");
  check->add_flag("--markdown", markdown,
                  "Print a Markdown table (key, default, unit, range, description) instead of TOML");
  check->add_flag("--diff", diff,
                  "Print only the parameters the scenario (its includes and --set) changes from the defaults, each "
                  "with its default");

  app::SweepCommands sweeps(cli);  // sweep, sweep-merge, sweep-design (docs/SWEEPS.md)

  std::filesystem::path replay_file;
  int replay_threads = 0;
  bool replay_keep = false;
  auto* replay = cli.add_subcommand("replay",
                                    "Re-run a run file from the parameters and seed stored in it, and verify that "
                                    "every dataset comes out identical (exit 0) or list the differences (exit 5).");
  replay->add_option("file", replay_file, "A run file written by 'biocluster run'")
      ->required()
      ->check(CLI::ExistingFile);
  replay->add_option("--threads", replay_threads, "Worker threads for the replay (default: all cores)")
      ->check(CLI::Range(1, 1024));
  replay->add_flag("--keep", replay_keep, "Keep FILE.replay.h5 even when identical");

  // Calibration and experiments (docs/CALIBRATION.md, docs/EXPERIMENTS.md).
  batch::StudyOptions so;
  std::int64_t study_reps = 0, study_steps = 0;
  std::filesystem::path study_file;
  bool strict = false, study_quiet = false;
  auto study_options = [&](CLI::App* c) {
    c->add_option("--replicates", study_reps, "Replicates (paired seeds); overrides the file's")
        ->check(CLI::Range(2, 100000));
    c->add_option("--steps", study_steps, "Monthly steps of every run; overrides the file's and the scenario's")
        ->check(CLI::Range(1, 12000));
    c->add_option("--threads", so.threads, "Worker threads (default: all cores). Results are identical for any count.")
        ->check(CLI::Range(1, 1024));
    c->add_flag("--markdown", so.markdown, "Print Markdown tables (as in the docs)");
    c->add_option("--csv", so.csv, "Also write every row to this CSV file");
    c->add_flag("-q,--quiet", study_quiet, "No progress line (the tables are still printed)");
  };
  auto* calibrate = cli.add_subcommand(
      "calibrate",
      "Run a scenario's replicates and compare each calibration target (observed, simulated mean, 95% intervals, "
      "relative error). Exit 6 with --strict if a target misses its goal.");
  calibrate->add_option("targets", study_file, "Targets file (TOML), e.g. scenarios/us/boston.targets.toml")
      ->required();
  study_options(calibrate);
  calibrate->add_option("--set", so.set, "Override a scenario parameter for this calibration, as for run (repeatable)");
  calibrate->add_flag("--strict", strict, "Exit with status 6 if any target lies outside its tolerance");
  auto* experiment = cli.add_subcommand(
      "experiment",
      "Run a policy experiment: a baseline and variants on the same seeds, with paired differences and 95% intervals "
      "per outcome.");
  experiment->add_option("file", study_file, "Experiment file (TOML), e.g. scenarios/experiments/grace_period.toml")
      ->required();
  study_options(experiment);
  experiment->add_flag("--check", so.check_only,
                       "Only check the files and that each variant changes exactly what it declares");
  experiment->add_option("--save-runs", so.save_runs,
                         "Also keep every run's monthly time series in DIR (v<variant>_r<replicate>.h5, runs.csv, "
                         "outcomes.csv, results.csv) for biocluster-plot-experiment; the tables are unchanged");
  experiment
      ->add_option("--robust", so.robust,
                   "After the tables, rerun every arm over N Latin-hypercube sets of the uncertain parameters "
                   "(docs/MODEL.md 8.2) and report the share of sets in which each effect keeps its sign")
      ->check(CLI::Range(2, 10000));
  experiment
      ->add_option("--robust-replicates", so.robust_replicates,
                   "Paired replicates per --robust parameter set (default 4)")
      ->check(CLI::Range(1, 100000));

  // Command-line mistakes exit 2 like every other bad input (docs/TROUBLESHOOTING.md), not with CLI11's codes.
  try {
    cli.parse(argc, argv);
  } catch (const CLI::Success& e) {  // --help, --version
    return cli.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "biocluster: error: " << e.what()
              << "\n(run 'biocluster --help', or 'biocluster COMMAND --help', for the options)\n";
    return 2;
  }
  // A file-size limit (ulimit -f) makes a write fail with EFBIG ("File too large"), reported as an
  // output error with exit 3, instead of killing the process with SIGXFSZ.
  std::signal(SIGXFSZ, SIG_IGN);

  try {
    if (sweeps.selected()) {
      std::signal(SIGINT, on_signal);
      std::signal(SIGTERM, on_signal);
      return sweeps.dispatch(&g_stop);
    }
    if (*run) {
      if (*seed_opt) ro.seed = parse_seed(seed_text);
      if (*max_memory_opt) ro.max_memory_gib = parse_max_memory(max_memory_text);
      if (*steps_opt) ro.steps = steps;
      ro.progress = !quiet;  // a bar on a terminal, plain lines otherwise (batch/progress.hpp)
      ro.summary = !quiet;
      ro.report_interrupt = true;
      std::signal(SIGINT, on_signal);
      std::signal(SIGTERM, on_signal);
      const auto summary = batch::run_scenario(ro, &g_stop);
      if (summary.interrupted) {
        std::cerr << "biocluster: interrupted after " << summary.steps
                  << " steps; the partial output is kept as a .partial file\n";
        return 130;
      }
      if (ro.summary) batch::print_summary(std::cout, summary);
      return 0;
    }
    if (*calibrate || *experiment) {
      if (study_reps > 0) so.replicates = study_reps;
      if (study_steps > 0) so.steps = study_steps;
      so.progress = !study_quiet;
      if (*experiment) {
        batch::run_experiment(batch::load_experiment(study_file), so, std::cout);
        return 0;
      }
      const int missed = batch::run_calibration(batch::load_targets(study_file), so, std::cout);
      return strict && missed > 0 ? 6 : 0;
    }
    if (*replay) return app::replay(replay_file, replay_threads, replay_keep, std::cout);
    if (*check) {
      if (defaults) {
        const auto doc = sim::parse_scenario_text(kDefaultsScenario, "(defaults)");
        const auto params = agents::load_params(doc);
        std::cout << (markdown ? agents::to_markdown(params) : agents::to_toml(params));
        return 0;
      }
      if (co.scenario.empty()) throw ConfigError("check: give a scenario file, or --defaults");
      const auto params = agents::load_params(batch::load_doc(co));
      if (diff) {
        // The defaults, with a default region of each name the scenario declares.
        auto base = agents::load_params(sim::parse_scenario_text(kDefaultsScenario, "(defaults)"));
        const agents::RegionParams proto = base.regions.front();
        base.regions.clear();
        for (const auto& r : params.regions) {
          base.regions.push_back(proto);
          base.regions.back().name = r.name;
        }
        const auto was = batch::flatten_params(base), now = batch::flatten_params(params);
        auto shown = [](const std::string& v) {  // numbers to 12 significant digits, the rest as they are
          char* end = nullptr;
          const double x = std::strtod(v.c_str(), &end);
          if (v.empty() || end != v.c_str() + v.size()) return v;
          std::ostringstream o;
          o << std::setprecision(12) << x;
          return o.str();
        };
        std::ostringstream lines;
        std::size_t n = 0;
        for (const auto& [k, v] : now) {
          const auto it = was.find(k);
          if (it != was.end() && it->second == v) continue;
          lines << k << " = " << shown(v) << "  # default " << (it == was.end() ? "none" : shown(it->second)) << "\n";
          ++n;
        }
        std::cout << "# " << co.scenario.string() << ": valid; " << n << " parameters differ from the defaults\n"
                  << lines.str();
        return 0;
      }
      if (markdown)
        std::cout << agents::to_markdown(params);
      else
        std::cout << "# " << co.scenario.string() << ": valid\n" << agents::to_toml(params);
      return 0;
    }
  } catch (const ConfigError& e) {
    std::cerr << "biocluster: error: " << e.what() << "\n";
    return 2;
  } catch (const OutputError& e) {
    std::cerr << "biocluster: output error: " << e.what() << "\n";
    return 3;
  } catch (const InvariantError& e) {
    std::cerr << "biocluster: model invariant broken: " << e.what()
              << "\n(the partial output file is kept; please report this with the scenario and seed)\n";
    return 4;
  } catch (const std::exception& e) {
    std::cerr << "biocluster: error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
