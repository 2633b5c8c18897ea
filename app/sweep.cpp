// Sweep driver: validation, resumable runs in parallel (TBB), the index. See docs/SWEEPS.md.
#include "app/sweep.hpp"

#include <tbb/blocked_range.h>
#include <tbb/global_control.h>
#include <tbb/info.h>
#include <tbb/parallel_for.h>
#include <tbb/partitioner.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>
#include <unistd.h>

#include "agents/model.hpp"
#include "app/run.hpp"
#include "app/sweep_internal.hpp"
#include "biocluster/version.hpp"
#include "output/sweep_index.hpp"
#include "sim/errors.hpp"

namespace biocluster::app {

namespace sweep_detail {

namespace {

namespace fs = std::filesystem;

/// Collects the key path of every parameter.
class PathCollector : public sim::ParamVisitor {
 public:
  std::set<std::string> paths;
  void real(std::string_view key, double&, const sim::Meta&) override { paths.insert(path(key)); }
  void integer(std::string_view key, std::int64_t&, const sim::Meta&) override { paths.insert(path(key)); }
  using ParamVisitor::integer;
  void flag(std::string_view key, bool&, std::string_view) override { paths.insert(path(key)); }
  void text(std::string_view key, std::string&, std::string_view, std::span<const std::string_view>) override {
    paths.insert(path(key));
  }
  void date(std::string_view key, sim::YearMonth&, std::string_view) override { paths.insert(path(key)); }
  std::vector<std::string> map_names(std::string_view, const std::vector<std::string>& existing) override { return existing; }
};

std::string read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return {};
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

/// Writes a small text file atomically (temporary file + rename). @throws OutputError.
void write_text(const fs::path& p, const std::string& text) {
  const fs::path tmp = p.string() + ".tmp" + std::to_string(::getpid());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << text;
    out.flush();
    if (!out) throw OutputError("cannot write '" + tmp.string() + "' (directory not writable or disk full?)");
  }
  std::error_code ec;
  fs::rename(tmp, p, ec);
  if (ec) throw OutputError("cannot rename '" + tmp.string() + "' to '" + p.string() + "': " + ec.message());
}


std::string csv_number(double v) { return std::isfinite(v) ? sim::format_double(v) : std::string(); }

std::string format_seconds(double s) {
  char buf[32];
  if (s < 60) std::snprintf(buf, sizeof buf, "%.0fs", s);
  else if (s < 3600) std::snprintf(buf, sizeof buf, "%dm%02ds", static_cast<int>(s / 60), static_cast<int>(s) % 60);
  else std::snprintf(buf, sizeof buf, "%dh%02dm", static_cast<int>(s / 3600), (static_cast<int>(s) / 60) % 60);
  return buf;
}

}  // namespace

fs::path run_path(const fs::path& dir, const RunPlan& p) {
  return dir / "runs" / ("p" + std::to_string(p.point) + "_r" + std::to_string(p.replicate) + ".h5");
}
fs::path failed_path(const fs::path& dir, const RunPlan& p) {
  return dir / "runs" / ("p" + std::to_string(p.point) + "_r" + std::to_string(p.replicate) + ".failed");
}

Prepared prepare(const SweepOptions& o, bool init_dir) {
  Prepared s;
  s.spec = load_sweep_file(o.file);
  s.dir = o.dir;
  const auto& spec = s.spec;
  if (spec.scenario.empty())
    throw ConfigError("sweep file '" + spec.file + "' needs scenario = \"FILE\" (relative to the sweep file)");
  if (o.shards < 1 || o.shard < 0 || o.shard >= o.shards)
    throw ConfigError("--shard " + std::to_string(o.shard) + "/" + std::to_string(o.shards) + ": expected i/N with 0 <= i < N");

  // The base scenario with the fixed overrides must be valid: errors here concern the whole sweep.
  RunOptions base;
  base.scenario = spec.scenario;
  base.overrides = spec.set;
  base.steps = spec.steps;
  sim::ScenarioDoc doc;
  agents::Params params;
  try {
    doc = load_doc(base);
    params = agents::load_params(doc);
  } catch (const ConfigError& e) {
    throw ConfigError("sweep '" + spec.file + "': the base scenario (with 'set' and 'steps' applied) is invalid:\n" +
                      std::string(e.what()));
  }
  PathCollector keys;
  agents::describe(keys, params);
  std::vector<std::string> errors;
  for (const auto& f : spec.factors)
    if (!keys.paths.count(f.key)) {
      std::string hint;
      const auto dot = f.key.rfind('.');
      const std::string leaf = dot == std::string::npos ? f.key : f.key.substr(dot + 1);
      for (const auto& k : keys.paths)
        if (k.size() >= leaf.size() && k.ends_with(leaf)) hint += (hint.empty() ? "" : ", ") + k;
      errors.push_back(f.pos.str() + ": factor '" + f.key + "' is not a parameter of scenario '" + spec.scenario.string() + "'" +
                       (hint.empty() ? "; `biocluster check " + spec.scenario.string() + "` lists every key"
                                     : "; did you mean " + hint + "?"));
    }
  if (!spec.metrics.empty()) {
    const agents::World w = agents::make_world(params, static_cast<std::uint64_t>(params.run.seed));
    std::vector<std::string> names;
    for (const auto& m : w.metrics.defs()) names.push_back(m.name);
    for (const auto& m : spec.metrics)
      if (std::find(names.begin(), names.end(), m) == names.end()) {
        std::string list;
        for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
        errors.push_back(spec.file + ": metric '" + m + "' is not a time series of the model; available: " + list);
      }
  }
  if (!errors.empty()) {
    std::string msg = errors.size() == 1 ? "sweep " + errors.front() : "sweep file '" + spec.file + "' has " + std::to_string(errors.size()) + " errors:";
    if (errors.size() > 1)
      for (const auto& e : errors) msg += "\n  " + e;
    throw ConfigError(msg);
  }

  s.design = make_design(spec);
  s.plans = make_plans(spec, s.design);
  s.hash = sweep_hash(spec);

  if (init_dir) {
    std::error_code ec;
    fs::create_directories(s.dir / "runs", ec);
    if (ec || !fs::is_directory(s.dir / "runs", ec))
      throw OutputError("cannot create output directory '" + (s.dir / "runs").string() + "'; pass -o with a writable path");
    const fs::path hash_file = s.dir / "sweep.hash";
    if (fs::exists(hash_file, ec)) {
      std::string old = read_text(hash_file);
      while (!old.empty() && (old.back() == '\n' || old.back() == '\r')) old.pop_back();
      if (old != s.hash)
        throw ConfigError("output directory '" + s.dir.string() + "' holds a different sweep (hash " + old + "; '" + spec.file +
                          "' and its scenario now hash to " + s.hash +
                          "): the sweep file or its scenario changed. Use a new -o DIR, or delete '" + s.dir.string() +
                          "' to start over");
    } else {
      write_text(s.dir / "sweep.toml", spec.text);
      write_text(hash_file, s.hash + "\n");
    }
  }
  return s;
}

bool finished_before(const Prepared& s, const RunPlan& p, Outcome& out) {
  std::error_code ec;
  const fs::path h5 = run_path(s.dir, p);
  if (fs::exists(h5, ec)) {
    if (output::run_file_status(h5) == "complete") {
      out = Outcome::skipped_done;
      return true;
    }  // not complete (damaged): redone; the writer replaces it
  }
  if (fs::exists(failed_path(s.dir, p), ec)) {
    out = Outcome::skipped_failed;
    return true;
  }
  return false;
}

Outcome execute(const Prepared& s, const RunPlan& p, int threads, bool own_thread_limit, const std::atomic<bool>* stop,
                std::string& message) {
  RunOptions ro;
  ro.scenario = s.spec.scenario;
  ro.output = run_path(s.dir, p);
  ro.seed = p.seed;
  ro.steps = s.spec.steps;
  ro.overrides = p.overrides;
  ro.threads = threads;
  ro.progress = false;
  ro.summary = false;
  ro.own_thread_limit = own_thread_limit;
  std::string failure;
  try {
    const RunSummary sum = run_scenario(ro, stop);
    if (sum.interrupted) return Outcome::interrupted;
    std::error_code ec;
    fs::remove(failed_path(s.dir, p), ec);
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
  for (std::size_t at = 0; !used.empty() && (at = failure.find(used, at)) != std::string::npos; at += s.spec.scenario_name.size())
    failure.replace(at, used.size(), s.spec.scenario_name);
  try {
    write_text(failed_path(s.dir, p), failure + "\n");
  } catch (const OutputError& e) {
    message = e.what();
    return Outcome::error;
  }
  return Outcome::failed;
}

std::size_t write_index(const Prepared& s) {
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
  for (const auto& p : s.plans) {  // plan order = (point, replicate): never completion order
    x.run_point.push_back(p.point);
    x.run_replicate.push_back(p.replicate);
    x.run_seed.push_back(p.seed);
    x.run_file.push_back("runs/" + run_path(s.dir, p).filename().string());
    const fs::path h5 = run_path(s.dir, p);
    std::vector<double> row;
    if (fs::exists(h5, ec) && output::run_file_status(h5) == "complete") {
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
      std::string why = read_text(failed_path(s.dir, p));
      while (!why.empty() && why.back() == '\n') why.pop_back();
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
  const std::size_t nr = s.plans.size();
  x.metric_values.assign(metrics.size() * nr, std::nan(""));
  for (std::size_t r = 0; r < nr; ++r)
    for (std::size_t m = 0; m < values[r].size() && m < metrics.size(); ++m) x.metric_values[m * nr + r] = values[r][m];
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

Progress::Progress(bool on, std::size_t total, std::size_t skipped)
    : on_(on), total_(total), skipped_(skipped), t0_(std::chrono::steady_clock::now()) {
  if (on_) {
    std::lock_guard<std::mutex> lock(m_);
    draw();
  }
}

void Progress::note_error(const std::string& m) {
  std::lock_guard<std::mutex> lock(m_);
  if (first_error_.empty()) first_error_ = m;
}

void Progress::tick(Outcome o) {
  std::lock_guard<std::mutex> lock(m_);
  switch (o) {
    case Outcome::done: ++done_; break;
    case Outcome::failed: ++failed_; break;
    case Outcome::interrupted: ++interrupted_; break;
    case Outcome::error: ++errors_; break;
    default: break;
  }
  if (on_) draw();
}

void Progress::draw() {
  const std::size_t n = done_ + failed_ + errors_ + interrupted_;
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0_).count();
  const int width = 24;
  const double f = total_ > 0 ? static_cast<double>(n) / static_cast<double>(total_) : 1.0;
  const int filled = static_cast<int>(f * width);
  const std::string eta = n > 0 && n < total_ ? format_seconds(elapsed * static_cast<double>(total_ - n) / static_cast<double>(n)) : "-";
  std::fprintf(stderr, "\rsweep [%.*s%*s] %zu/%zu runs", filled, "########################", width - filled, "", n, total_);
  if (skipped_ > 0) std::fprintf(stderr, " (+%zu done before)", skipped_);
  if (failed_ + errors_ > 0) std::fprintf(stderr, "  %zu failed", failed_ + errors_);
  std::fprintf(stderr, "  elapsed %s  ETA %s   ", format_seconds(elapsed).c_str(), eta.c_str());
  std::fflush(stderr);
}

void Progress::finish() {
  if (on_) std::fprintf(stderr, "\n");
}

int report(const Prepared& s, const SweepOptions& o, const Progress& pr, std::size_t skipped_done, std::size_t skipped_failed,
           std::size_t to_run) {
  if (pr.interrupted() > 0) {
    std::cerr << "biocluster: sweep interrupted; " << pr.done() << " runs finished this time. Run the same command again "
              << "to resume (finished runs are kept; unfinished ones are redone)\n";
    return 130;
  }
  std::size_t missing = 0;
  const bool sharded = o.shards > 1;
  if (!sharded) missing = write_index(s);
  if (!o.quiet) {
    std::cerr << "sweep: " << s.plans.size() << " runs (" << s.design.size() << " points x " << s.spec.replicates
              << " replicates)";
    if (sharded) std::cerr << ", shard " << o.shard << "/" << o.shards << " has " << (to_run + skipped_done + skipped_failed);
    std::cerr << ": " << pr.done() << " run now, " << skipped_done << " done before";
    if (pr.failed() + skipped_failed > 0) std::cerr << ", " << (pr.failed() + skipped_failed) << " failed";
    if (pr.errors() > 0) std::cerr << ", " << pr.errors() << " output errors";
    std::cerr << "\n";
    if (sharded)
      std::cerr << "sweep: when every shard has finished, run `biocluster sweep-merge " << s.dir.string()
                << "` to write the index\n";
    else
      std::cerr << "sweep: index " << (s.dir / "index.h5").string() << " and " << (s.dir / "index.csv").string() << "\n";
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

Pending pending_runs(const Prepared& s, const SweepOptions& o) {
  Pending out;
  for (const auto& p : s.plans) {
    if (p.index % o.shards != o.shard) continue;
    Outcome prev;
    if (finished_before(s, p, prev)) {
      (prev == Outcome::skipped_done ? out.skipped_done : out.skipped_failed)++;
      continue;
    }
    out.todo.push_back(&p);
  }
  return out;
}

}  // namespace sweep_detail

using namespace sweep_detail;

int run_sweep(const SweepOptions& o, const std::atomic<bool>* stop) {
  if (mpi_world()) return run_sweep_mpi(o, stop);
  const Prepared s = prepare(o, true);
  const Pending pending = pending_runs(s, o);  // not a structured binding: lambdas below capture it (clang 14)
  const auto& todo = pending.todo;
  const std::size_t skipped_done = pending.skipped_done, skipped_failed = pending.skipped_failed;
  const int cores = tbb::info::default_concurrency();
  const int threads = o.threads > 0 ? o.threads : cores;
  std::optional<tbb::global_control> allow;
  if (threads > cores) allow.emplace(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(threads));
  Progress pr(o.progress, todo.size(), skipped_done + skipped_failed);
  tbb::task_arena arena(threads);
  arena.execute([&] {
    tbb::parallel_for(
        tbb::blocked_range<std::size_t>(0, todo.size(), 1),
        [&](const tbb::blocked_range<std::size_t>& r) {
          for (std::size_t i = r.begin(); i != r.end(); ++i) {
            if (stop && stop->load()) {
              pr.tick(Outcome::interrupted);
              continue;
            }
            std::string message;
            Outcome out = Outcome::error;
            tbb::task_arena one(1);  // each run single-threaded, in its own arena
            one.execute([&] { out = execute(s, *todo[i], 1, false, stop, message); });
            if (out == Outcome::error) pr.note_error(message);
            pr.tick(out);
          }
        },
        tbb::simple_partitioner{});
  });
  pr.finish();
  return report(s, o, pr, skipped_done, skipped_failed, todo.size());
}

int merge_sweep(const std::filesystem::path& dir, bool quiet) {
  std::error_code ec;
  const auto sweep_file = dir / "sweep.toml";
  if (!std::filesystem::exists(sweep_file, ec))
    throw ConfigError("'" + dir.string() + "' is not a sweep directory (no sweep.toml); give the -o DIR of a sweep");
  Prepared s;
  s.spec = load_sweep_file(sweep_file);
  s.dir = dir;
  s.design = make_design(s.spec);
  s.plans = make_plans(s.spec, s.design);
  std::string h = read_text(dir / "sweep.hash");
  while (!h.empty() && (h.back() == '\n' || h.back() == '\r')) h.pop_back();
  s.hash = h;
  const std::size_t missing = write_index(s);
  if (!quiet || missing > 0) {
    std::cerr << "sweep-merge: " << s.plans.size() << " runs, " << (s.plans.size() - missing) << " present";
    if (missing > 0) {
      std::cerr << ", " << missing << " missing:";
      std::size_t shown = 0;
      for (const auto& p : s.plans) {
        Outcome o;
        if (finished_before(s, p, o)) continue;
        if (shown++ == 20) {
          std::cerr << " ...";
          break;
        }
        std::cerr << " " << run_path(dir, p).filename().string();
      }
      std::cerr << "\nsweep-merge: run the sweep (or the missing shards) again to complete them";
    }
    std::cerr << "\nsweep-merge: index " << (dir / "index.h5").string() << " and " << (dir / "index.csv").string() << "\n";
  }
  return missing > 0 ? 1 : 0;
}

}  // namespace biocluster::app
