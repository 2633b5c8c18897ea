// Sweep driver: validation, the sweep's sink (one HDF5 run file per run, .failed markers, resume),
// the index, the report. The runs go through the runner (batch/runner.hpp). See docs/SWEEPS.md.
#include "batch/sweep.hpp"

#include <algorithm>
#include <cmath>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>

#include "agents/model.hpp"
#include "batch/output_lock.hpp"
#include "batch/run.hpp"
#include "batch/runner.hpp"
#include "batch/stats.hpp"
#include "batch/text.hpp"
#include "biocluster/version.hpp"
#include "output/run_reader.hpp"
#include "output/sweep_index.hpp"
#include "sim/errors.hpp"

namespace biocluster::batch {

namespace {

namespace fs = std::filesystem;

std::string csv_number(double v) { return std::isfinite(v) ? sim::format_double(v) : std::string(); }

fs::path run_path(const fs::path& dir, const Run& p) {
  return dir / "runs" / ("p" + std::to_string(p.point) + "_r" + std::to_string(p.replicate) + ".h5");
}
fs::path failed_path(const fs::path& dir, const Run& p) {
  return dir / "runs" / ("p" + std::to_string(p.point) + "_r" + std::to_string(p.replicate) + ".failed");
}

/// A loaded sweep as the runner's sink: spec, design, plan and the output directory.
class SweepRuns : public Sink {
 public:
  SweepSpec spec;
  std::vector<DesignPoint> design;
  Plan runs;
  std::string hash;
  fs::path dir;
  std::unique_ptr<OutputLock> lock, shard_lock;  ///< held while this process writes into dir

  /// Throws OutputError unless the complete run file `h5` was made by run `p` of this plan (its seed
  /// and resolved parameters): a file copied or left from another point or sweep is never taken as done.
  void check_belongs(const Run& p, const fs::path& h5) const;

  const Plan& plan() const override { return runs; }
  std::optional<Outcome> finished_before(const Run& p) const override;
  /// A ConfigError or InvariantError is recorded in a .failed marker (the sweep goes on); an
  /// OutputError is returned as Outcome::error with `message`.
  Outcome execute(const Run& p, int threads, bool own_thread_limit, const std::atomic<bool>* stop,
                  std::string& message) override;
};

/// Loads and validates the sweep file against its scenario (factor keys, metrics, fixed overrides).
/// If `init_dir`, creates DIR/runs and DIR/sweep.toml + DIR/sweep.hash, or checks that an existing
/// DIR holds the same sweep. @throws ConfigError, OutputError.
/// DIR/sweep.replicates: the replicate count a sweep was extended to (0 if it never was).
std::int64_t recorded_replicates(const fs::path& dir) {
  std::error_code ec;
  const fs::path f = dir / "sweep.replicates";
  if (!fs::exists(f, ec)) return 0;
  const std::string line = read_line(f);
  char* end = nullptr;
  const long long n = std::strtoll(line.c_str(), &end, 10);
  if (line.empty() || *end != '\0' || n < 1)
    throw OutputError("'" + f.string() + "' should hold the sweep's replicate count, a positive integer, but holds '" +
                      line + "'; write the number of replicates run so far, or delete the file");
  return n;
}

/// The sweep's replicates: the file's, or more when DIR records an extension or --extend-replicates asks for one.
void apply_replicates(SweepSpec& spec, const SweepOptions& o, bool init_dir) {
  const std::int64_t current = std::max(spec.replicates, recorded_replicates(o.dir));
  if (o.extend_replicates <= 0) {
    spec.replicates = current;
    return;
  }
  std::error_code ec;
  if (init_dir && !fs::exists(o.dir / "sweep.hash", ec))
    throw ConfigError("--extend-replicates adds replicates to a sweep already run in the output directory, but '" +
                      o.dir.string() + "' holds none; run the sweep first, or set replicates = " +
                      std::to_string(o.extend_replicates) + " in '" + spec.file + "'");
  if (o.extend_replicates <= current)
    throw ConfigError("--extend-replicates " + std::to_string(o.extend_replicates) + ": the sweep in '" +
                      o.dir.string() + "' already has " + std::to_string(current) +
                      " replicates; give the new total, more than " + std::to_string(current));
  spec.replicates = o.extend_replicates;
}

void prepare(SweepRuns& s, const SweepOptions& o, bool init_dir) {
  s.spec = load_sweep_file(o.file);
  s.dir = o.dir;
  apply_replicates(s.spec, o, init_dir);
  const auto& spec = s.spec;
  if (spec.scenario.empty())
    throw ConfigError("sweep file '" + spec.file + "' needs scenario = \"FILE\" (relative to the sweep file)");
  if (o.shards < 1 || o.shard < 0 || o.shard >= o.shards)
    throw ConfigError("--shard " + std::to_string(o.shard) + "/" + std::to_string(o.shards) +
                      ": expected i/N with 0 <= i < N");

  // The base scenario with the fixed overrides must be valid: errors here concern the whole sweep.
  agents::Params params;
  try {
    params = load_params(spec.scenario, spec.set, spec.steps);
  } catch (const ConfigError& e) {
    throw ConfigError("sweep '" + spec.file + "': the base scenario (with 'set' and 'steps' applied) is invalid:\n" +
                      std::string(e.what()));
  }
  const auto keys = flatten_params(params);
  std::vector<std::string> errors;
  for (const auto& f : spec.factors)
    if (!keys.count(f.key)) {
      std::string hint;
      const auto dot = f.key.rfind('.');
      const std::string leaf = dot == std::string::npos ? f.key : f.key.substr(dot + 1);
      for (const auto& [k, value] : keys)
        if (k.size() >= leaf.size() && k.ends_with(leaf)) hint += (hint.empty() ? "" : ", ") + k;
      errors.push_back(f.pos.str() + ": factor '" + f.key + "' is not a parameter of scenario '" +
                       spec.scenario.string() + "'" +
                       (hint.empty() ? "; `biocluster check " + spec.scenario.string() + "` lists every key"
                                     : "; did you mean " + hint + "?"));
    }
  if (!spec.metrics.empty()) {
    const agents::World w = agents::make_world(params, static_cast<std::uint64_t>(params.run.seed));
    std::vector<std::string> names;
    for (const auto& m : w.metrics.defs()) names.push_back(m.name);
    std::size_t in_capital = 0;
    for (const auto& r : params.regions) in_capital += r.capital_area;
    const bool groups = in_capital > 0 && in_capital < params.regions.size();
    for (const auto& name : spec.metrics) {
      // NAME@capital_area / NAME@elsewhere: a metric over one region group (SWEEPS.md, "Region groups").
      const auto [m, g] = output::split_group(name);
      if (!g.empty() && g != "capital_area" && g != "elsewhere")
        errors.push_back(spec.file + ": metric '" + name +
                         "': the region group after '@' is capital_area or elsewhere");
      else if (!g.empty() && !groups)
        errors.push_back(spec.file + ": metric '" + name +
                         "': the scenario has no capital_area regions beside others; mark them with "
                         "regions.NAME.capital_area = true");
      if (std::find(names.begin(), names.end(), m) == names.end()) {
        std::string list;
        for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
        errors.push_back(spec.file + ": metric '" + m + "' is not a time series of the model; available: " + list);
      }
    }
  }
  // A factor (or a fixed `set`) on run.steps would be overridden by the sweep's own `steps` in every run.
  if (spec.steps) {
    for (const auto& f : spec.factors)
      if (f.key == "run.steps")
        errors.push_back(f.pos.str() + ": factor 'run.steps' conflicts with the sweep's steps = " +
                         std::to_string(*spec.steps) + ", which sets every run's length; remove one of the two");
    for (const auto& kv : spec.set)
      if (kv.rfind("run.steps=", 0) == 0 || kv.rfind("run.steps =", 0) == 0)
        errors.push_back(spec.file + ": set = [\"" + kv + "\"] conflicts with the sweep's steps = " +
                         std::to_string(*spec.steps) + "; remove one of the two");
  }
  throw_errors(errors, "sweep ", "sweep file '" + spec.file + "'");

  s.design = make_design(spec);
  s.runs = make_plan(spec, s.design);
  s.hash = sweep_hash(spec);

  if (init_dir) {
    std::error_code ec;
    check_output_directory(s.dir);
    fs::create_directories(s.dir / "runs", ec);
    if (ec || !fs::is_directory(s.dir / "runs", ec))
      throw OutputError("cannot create output directory '" + (s.dir / "runs").string() +
                        "'; pass -o with a writable path");
    // One sweep process per directory; the shards of a job array share it, one process per shard.
    if (o.shards > 1) {
      s.lock = std::make_unique<OutputLock>(s.dir / ".lock", OutputLock::Mode::shared, s.dir.string());
      s.shard_lock = std::make_unique<OutputLock>(
          s.dir / (".shard-" + std::to_string(o.shard) + "-of-" + std::to_string(o.shards) + ".lock"),
          OutputLock::Mode::exclusive,
          s.dir.string() + " (shard " + std::to_string(o.shard) + "/" + std::to_string(o.shards) + ")");
    } else {
      s.lock = std::make_unique<OutputLock>(s.dir / ".lock", OutputLock::Mode::exclusive, s.dir.string());
    }
    const fs::path hash_file = s.dir / "sweep.hash";
    if (fs::exists(hash_file, ec)) {
      const std::string old = read_line(hash_file);
      if (old != s.hash)
        throw ConfigError("output directory '" + s.dir.string() + "' holds a different sweep (hash " + old + "; '" +
                          spec.file + "' and its scenario now hash to " + s.hash +
                          "): the sweep file or its scenario changed. Use a new -o DIR, or delete '" + s.dir.string() +
                          "' to start over");
    } else {
      write_text(s.dir / "sweep.toml", spec.text);
      write_text(hash_file, s.hash + "\n");
    }
    // Same sweep, more replicates: the old runs keep their seeds (a replicate's seed depends only
    // on the sweep seed and its number), so their files and index rows stay as they are.
    if (o.extend_replicates > 0) write_text(s.dir / "sweep.replicates", std::to_string(spec.replicates) + "\n");
  }
}

void SweepRuns::check_belongs(const Run& p, const fs::path& h5) const {
  const output::RunProvenance prov = output::read_provenance(h5);
  const std::string name = "runs/" + h5.filename().string();
  const std::string fix = "; move it away or delete it, then run the sweep again";
  if (prov.seed != p.seed)
    throw OutputError(dir.string() + ": " + name + " does not belong to this sweep: it was made with seed " +
                      std::to_string(prov.seed) + ", and the plan's run p" + std::to_string(p.point) + "_r" +
                      std::to_string(p.replicate) + " has seed " + std::to_string(p.seed) + fix);
  // The point's overrides (and the seed and steps) applied to the file's own parameters must change
  // nothing. (The base scenario is covered by the sweep's hash; sweep-merge need not find it.)
  const Point& point = runs.points[static_cast<std::size_t>(p.point)];
  std::string expected;
  try {
    sim::ScenarioDoc doc = sim::parse_scenario_text(prov.resolved_parameters, name + " (its parameters)");
    for (const auto& kv : point.overrides) sim::apply_override(doc, kv);
    sim::apply_override(doc, "run.seed=" + std::to_string(p.seed));
    if (runs.steps) sim::apply_override(doc, "run.steps=" + std::to_string(*runs.steps));
    expected = agents::to_toml(agents::load_params(doc));
  } catch (const ConfigError&) {
    expected = "(the point's values are invalid for these parameters)";
  }
  if (expected != prov.resolved_parameters) {
    // Name the first parameter line that differs.
    std::istringstream a(prov.resolved_parameters), b(expected);
    std::string la, lb;
    while (std::getline(a, la) && std::getline(b, lb) && la == lb) {
    }
    throw OutputError(dir.string() + ": " + name + " does not belong to this sweep: its parameters differ from point " +
                      std::to_string(p.point) + "'s (file: '" + la + "', plan: '" + lb + "')" + fix);
  }
}

std::optional<Outcome> SweepRuns::finished_before(const Run& p) const {
  std::error_code ec;
  const fs::path h5 = run_path(dir, p);
  if (fs::exists(h5, ec)) {
    if (output::run_file_status(h5) == "complete") {
      check_belongs(p, h5);
      return Outcome::skipped_done;
    }
    // not complete (damaged): redone; the writer replaces it
  }
  if (fs::exists(failed_path(dir, p), ec)) return Outcome::skipped_failed;
  return std::nullopt;
}

Outcome SweepRuns::execute(const Run& p, int threads, bool own_thread_limit, const std::atomic<bool>* stop,
                           std::string& message) {
  const Point& point = runs.points[static_cast<std::size_t>(p.point)];
  RunOptions ro;
  ro.scenario = point.scenario;
  ro.output = run_path(dir, p);
  ro.seed = p.seed;
  ro.steps = runs.steps;
  ro.overrides = point.overrides;
  ro.threads = threads;
  ro.progress = false;
  ro.summary = false;
  ro.own_thread_limit = own_thread_limit;
  ro.force = true;         // DIR/runs is the sweep's own (and locked): a damaged file there is redone
  ro.flush_at_end = true;  // a run killed before its end is redone, so intermediate flushes buy nothing
  std::string failure;
  try {
    const RunSummary sum = run_scenario(ro, stop);
    if (sum.interrupted) return Outcome::interrupted;
    std::error_code ec;
    fs::remove(failed_path(dir, p), ec);
    return Outcome::done;
  } catch (const ConfigError& e) {
    failure = std::string("invalid parameters: ") + e.what();
  } catch (const InvariantError& e) {
    failure = std::string("model invariant broken: ") + e.what();
  } catch (const OutputError& e) {
    message = e.what();
    return Outcome::error;
  } catch (const std::exception& e) {
    message = e.what();
    return Outcome::error;
  }
  // Name the scenario as the sweep file does, so the text does not depend on the working directory.
  const std::string used = ro.scenario.string();
  for (std::size_t at = 0; !used.empty() && (at = failure.find(used, at)) != std::string::npos;
       at += spec.scenario_name.size())
    failure.replace(at, used.size(), spec.scenario_name);
  try {
    write_text(failed_path(dir, p), failure + "\n");
  } catch (const OutputError& e) {
    message = e.what();
    return Outcome::error;
  }
  return Outcome::failed;
}

/// Fills the per-point statistics of `x` (its metric values by run, in plan order) with stats():
/// per metric and point, over the point's done runs in replicate order. An interval (and the sd)
/// needs two values: NaN for fewer, where stats() reports half = 0 for one.
void add_point_stats(output::SweepIndex& x) {
  const std::size_t np = x.point_block.size(), nr = x.run_point.size(), nm = x.metrics.size();
  std::vector<std::vector<std::size_t>> runs_of(np);  // done runs of each point, by replicate
  for (std::size_t r = 0; r < nr; ++r)
    if (x.run_status[r] == "done") runs_of[static_cast<std::size_t>(x.run_point[r])].push_back(r);
  for (std::size_t m = 0; m < nm; ++m)
    for (std::size_t p = 0; p < np; ++p) {
      std::vector<double> v;
      for (std::size_t r : runs_of[p]) v.push_back(x.metric_values[m * nr + r]);
      const Stats st = stats(std::move(v));
      const bool interval = st.n > 1;
      x.stat_n.push_back(static_cast<std::int64_t>(st.n));
      x.stat_mean.push_back(st.mean);
      x.stat_sd.push_back(st.sd);
      x.stat_ci_low.push_back(interval ? st.mean - st.half : std::nan(""));
      x.stat_ci_high.push_back(interval ? st.mean + st.half : std::nan(""));
    }
  for (std::int64_t df = 0; df < x.replicates; ++df) x.t95.push_back(t95(df));
}

/// Writes DIR/index.h5 and DIR/index.csv from the files present. Returns the number of missing runs.
std::size_t write_index(const SweepRuns& s) {
  output::SweepIndex x;
  const auto& spec = s.spec;
  x.sweep_hash = s.hash;
  x.sweep_text = spec.text;
  x.design = design_name(spec.design);
  x.program_version = kVersion;
  x.replicates = spec.replicates;
  x.sweep_seed = spec.seed;
  for (const auto& f : spec.factors) x.factors.push_back(f.key);
  for (const auto& p : s.design) {
    x.point_block.push_back(p.block);
    x.point_role.push_back(p.role);
    x.point_unit.insert(x.point_unit.end(), p.unit.begin(), p.unit.end());
    x.point_value.insert(x.point_value.end(), p.value.begin(), p.value.end());
    x.point_text.insert(x.point_text.end(), p.text.begin(), p.text.end());
  }
  std::vector<std::string> metrics = spec.metrics;
  std::vector<std::vector<double>> values;  // [run][metric]
  std::size_t missing = 0;
  std::error_code ec;
  const auto runs = s.runs.runs();
  for (const auto& p : runs) {  // plan order = (point, replicate): never completion order
    x.run_point.push_back(p.point);
    x.run_replicate.push_back(p.replicate);
    x.run_seed.push_back(p.seed);
    x.run_file.push_back("runs/" + run_path(s.dir, p).filename().string());
    const fs::path h5 = run_path(s.dir, p);
    std::vector<double> row;
    if (fs::exists(h5, ec) && output::run_file_status(h5) == "complete") {
      s.check_belongs(p, h5);
      const auto m = output::summarise_run_file(h5, metrics);
      if (metrics.empty() || x.metric_units.empty()) {
        metrics = m.names;
        x.metric_units = m.units;
        x.metric_summaries = m.summaries;
      }
      row = m.values;
      x.run_status.push_back("done");
      x.run_error.push_back("");
    } else if (fs::exists(failed_path(s.dir, p), ec)) {
      const std::string why = read_line(failed_path(s.dir, p));
      x.run_status.push_back("failed");
      x.run_error.push_back(why);
    } else {
      ++missing;
      x.run_status.push_back("missing");
      x.run_error.push_back("");
    }
    values.push_back(std::move(row));
  }
  x.metrics = metrics;
  x.metric_units.resize(metrics.size());
  x.metric_summaries.resize(metrics.size(), "final");
  const std::size_t nr = runs.size();
  x.metric_values.assign(metrics.size() * nr, std::nan(""));
  for (std::size_t r = 0; r < nr; ++r)
    for (std::size_t m = 0; m < values[r].size() && m < metrics.size(); ++m) x.metric_values[m * nr + r] = values[r][m];
  add_point_stats(x);
  output::write_sweep_index(s.dir / "index.h5", x);

  std::string csv = "run,point,replicate,seed,status";
  for (const auto& f : x.factors) csv += "," + csv_field(f);
  for (const auto& m : x.metrics) csv += "," + csv_field(m);
  csv += ",error\n";
  const std::size_t nf = x.factors.size();
  for (std::size_t r = 0; r < nr; ++r) {
    const auto pt = static_cast<std::size_t>(x.run_point[r]);
    csv += std::to_string(r) + "," + std::to_string(x.run_point[r]) + "," + std::to_string(x.run_replicate[r]) + "," +
           std::to_string(x.run_seed[r]) + "," + x.run_status[r];
    for (std::size_t f = 0; f < nf; ++f) csv += "," + csv_field(x.point_text[pt * nf + f]);
    for (std::size_t m = 0; m < x.metrics.size(); ++m) csv += "," + csv_number(x.metric_values[m * nr + r]);
    std::string err = x.run_error[r];
    std::replace(err.begin(), err.end(), '\n', ' ');
    csv += "," + csv_field(err) + "\n";
  }
  write_text(s.dir / "index.csv", csv);
  return missing;
}

/// Final report and exit code after a sweep invocation.
int report(const SweepRuns& s, const SweepOptions& o, const Pending& pending, const Progress& pr) {
  const std::size_t skipped_done = pending.skipped_done, skipped_failed = pending.skipped_failed,
                    to_run = pending.todo.size();
  if (pr.interrupted() > 0) {
    std::cerr << "biocluster: sweep interrupted; " << pr.done()
              << " runs finished this time. Run the same command again "
              << "to resume (finished runs are kept; unfinished ones are redone)\n";
    return 130;
  }
  std::size_t missing = 0;
  const bool sharded = o.shards > 1;
  if (!sharded) missing = write_index(s);
  if (!o.quiet) {
    std::cerr << "sweep: " << s.runs.size() << " runs (" << s.design.size() << " points x " << s.spec.replicates
              << " replicates)";
    if (sharded)
      std::cerr << ", shard " << o.shard << "/" << o.shards << " has " << (to_run + skipped_done + skipped_failed);
    std::cerr << ": " << pr.done() << " run now, " << skipped_done << " done before";
    if (pr.failed() + skipped_failed > 0) std::cerr << ", " << (pr.failed() + skipped_failed) << " failed";
    if (pr.errors() > 0) std::cerr << ", " << pr.errors() << " output errors";
    std::cerr << "\n";
    if (sharded)
      std::cerr << "sweep: when every shard has finished, run `biocluster sweep-merge " << s.dir.string()
                << "` to write the index\n";
    else
      std::cerr << "sweep: index " << (s.dir / "index.h5").string() << " and " << (s.dir / "index.csv").string()
                << "\n";
    if (pr.failed() + skipped_failed > 0)
      std::cerr << "sweep: failed runs (invalid parameter combinations or model errors) are listed with their error in "
                   "index.csv; delete DIR/runs/*.failed to retry them\n";
  }
  if (pr.errors() > 0) {
    std::cerr << "biocluster: output error in " << pr.errors() << " runs, e.g.: " << pr.first_error()
              << "\n(run the same command again to redo them)\n";
    return 3;
  }
  (void)missing;
  return 0;
}

}  // namespace

int run_sweep(const SweepOptions& o, const std::atomic<bool>* stop) {
  RunnerOptions ro;
  ro.threads = o.threads;
  ro.shard = o.shard;
  ro.shards = o.shards;
  ro.progress = o.progress;
  ro.style = Progress::Style::sweep;
  ro.stop = stop;
  SweepRuns s;
  return run_plan(
      [&](bool first) -> Sink& {
        prepare(s, o, first);
        return s;
      },
      ro, [&](const Pending& pending, const Progress& pr) { return report(s, o, pending, pr); });
}

int merge_sweep(const std::filesystem::path& dir, bool quiet) {
  std::error_code ec;
  const auto sweep_file = dir / "sweep.toml";
  if (!std::filesystem::exists(sweep_file, ec))
    throw ConfigError("'" + dir.string() + "' is not a sweep directory (no sweep.toml); give the -o DIR of a sweep");
  SweepRuns s;
  s.spec = load_sweep_file(sweep_file);
  s.dir = dir;
  s.spec.replicates = std::max(s.spec.replicates, recorded_replicates(dir));
  s.lock = std::make_unique<OutputLock>(dir / ".lock", OutputLock::Mode::exclusive, dir.string());
  s.design = make_design(s.spec);
  s.runs = make_plan(s.spec, s.design);
  s.hash = read_line(dir / "sweep.hash");
  const std::size_t missing = write_index(s);
  if (!quiet || missing > 0) {
    std::cerr << "sweep-merge: " << s.runs.size() << " runs, " << (s.runs.size() - missing) << " present";
    if (missing > 0) {
      std::cerr << ", " << missing << " missing:";
      std::size_t shown = 0;
      for (const auto& p : s.runs.runs()) {
        if (s.finished_before(p)) continue;
        if (shown++ == 20) {
          std::cerr << " ...";
          break;
        }
        std::cerr << " " << run_path(dir, p).filename().string();
      }
      std::cerr << "\nsweep-merge: run the sweep (or the missing shards) again to complete them";
    }
    std::cerr << "\nsweep-merge: index " << (dir / "index.h5").string() << " and " << (dir / "index.csv").string()
              << "\n";
  }
  return missing > 0 ? 1 : 0;
}

}  // namespace biocluster::batch
