// Calibration and experiments: paired-seed plans run in memory, reduced to quantities (batch/study.hpp).
#include "batch/study.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iomanip>
#include <map>
#include <optional>
#include <set>
#include <sstream>

#include "agents/model.hpp"
#include "agents/params.hpp"
#include "agents/simulate.hpp"
#include "batch/explain.hpp"
#include "batch/plan.hpp"
#include "batch/run.hpp"
#include "batch/runner.hpp"
#include "batch/stats.hpp"
#include "batch/sweep.hpp"
#include "batch/text.hpp"
#include "sim/errors.hpp"

namespace biocluster::batch {

namespace {

// ---------------------------------------------------------------- quantities

/// A quantity spec bound to one scenario: metric ids, region indices, step window.
struct Bound {
  std::vector<sim::MetricId> metrics;
  std::vector<int> regions;
  bool flow = false;
  std::int64_t s0 = 0, s1 = 0;  // window [s0, s1)
  double years = 1;
  bool per_year = false;
};

struct BoundQuantity {
  Bound num;
  std::optional<Bound> den;
  std::optional<double> at_least;
};

std::string where(const std::filesystem::path& file, int line) {
  return file.string() + ":" + std::to_string(line) + ": ";
}

Bound bind_spec(const QuantitySpec& q, const agents::Params& p, const std::vector<sim::MetricDef>& defs,
                const std::filesystem::path& file, std::vector<std::string>& errors) {
  Bound b;
  const std::string at = where(file, q.line);
  for (const auto& name : q.metrics) {
    auto it = std::find_if(defs.begin(), defs.end(), [&](const sim::MetricDef& d) { return d.name == name; });
    if (it == defs.end()) {
      errors.push_back(at + "unknown metric '" + name +
                       "'; the metrics are listed in docs/OUTPUT.md (e.g. startups_founded, employment_total)");
      continue;
    }
    const bool flow = it->flow;
    if (!b.metrics.empty() && flow != b.flow)
      errors.push_back(at + "metric '" + name + "' is a " + (flow ? "flow" : "stock") + " but '" + q.metrics.front() +
                       "' is not; sum flows with flows and stocks with stocks");
    b.flow = flow;
    b.metrics.push_back(static_cast<sim::MetricId>(it - defs.begin()));
  }
  const int nr = static_cast<int>(p.regions.size());
  if (!q.region_list.empty()) {
    for (const auto& name : q.region_list) {
      auto it = std::find_if(p.regions.begin(), p.regions.end(),
                             [&](const agents::RegionParams& r) { return r.name == name; });
      if (it == p.regions.end()) {
        std::string names;
        for (const auto& r : p.regions) names += (names.empty() ? "" : ", ") + r.name;
        errors.push_back(at + "unknown region '" + name + "'; the scenario's regions are " + names);
      } else {
        b.regions.push_back(static_cast<int>(it - p.regions.begin()));
      }
    }
  } else if (q.regions == "all" || q.regions == "capital_area" || q.regions == "outside_capital_area") {
    for (int r = 0; r < nr; ++r) {
      const bool cap = p.regions[static_cast<std::size_t>(r)].capital_area;
      if (q.regions == "all" || (q.regions == "capital_area") == cap) b.regions.push_back(r);
    }
    if (b.regions.empty())
      errors.push_back(at + "regions = \"" + q.regions +
                       "\" selects no region of this scenario (check regions.NAME.capital_area)");
  } else {
    errors.push_back(at + "regions = \"" + q.regions +
                     "\": write \"all\", \"capital_area\", \"outside_capital_area\" or a list of region names");
  }
  const sim::Calendar cal(p.run.start);
  const std::int64_t steps = p.run.steps;
  const auto last = cal.date_of(steps - 1);
  const std::string covers = sim::to_string(p.run.start) + " .. " + sim::to_string(last);
  if (q.when == "all") {
    b.s0 = 0, b.s1 = steps;
    b.years = static_cast<double>(steps) / 12.0;
  } else {
    int y0 = 0, y1 = 0, used = 0;
    const bool range = std::sscanf(q.when.c_str(), "%4d-%4d%n", &y0, &y1, &used) == 2;
    if (!range && std::sscanf(q.when.c_str(), "%4d%n", &y0, &used) == 1) y1 = y0;
    if (used != static_cast<int>(q.when.size()) || y0 < 1000 || y1 < y0) {
      errors.push_back(at + "when = \"" + q.when + "\": write \"all\", a year \"2018\" or a range \"2030-2039\"");
      return b;
    }
    b.s0 = (y0 - p.run.start.year) * 12 + (1 - p.run.start.month);
    b.s1 = (y1 - p.run.start.year) * 12 + (12 - p.run.start.month) + 1;
    b.years = y1 - y0 + 1;
    if (b.s0 < 0 || b.s1 > steps)
      errors.push_back(at + "when = \"" + q.when + "\" is not inside the run, which covers " + covers +
                       "; change 'when' or the run's start/steps");
  }
  b.per_year = q.per_year;
  if (q.per_year && !b.flow && !b.metrics.empty())
    errors.push_back(at + "per_year applies to flows only; '" + q.metrics.front() + "' is a stock");
  return b;
}

BoundQuantity bind_quantity(const Quantity& q, const agents::Params& p, const std::vector<sim::MetricDef>& defs,
                            const std::filesystem::path& file, std::vector<std::string>& errors) {
  BoundQuantity b{bind_spec(q.num, p, defs, file, errors), std::nullopt, q.at_least};
  if (q.den) b.den = bind_spec(*q.den, p, defs, file, errors);
  return b;
}

/// Runs one scenario with one seed and returns each quantity's value (NaN for 0/0 ratios).
/// `save`: also write the run to save->output through the run driver (same parameters and seed,
/// output.level "series"), measuring from its steps; the quantities are the same either way.
std::vector<double> measure(const agents::Params& params, std::uint64_t seed, const std::vector<BoundQuantity>& qs,
                            const RunOptions* save = nullptr) {
  std::vector<const Bound*> parts;
  for (const auto& q : qs) {
    parts.push_back(&q.num);
    if (q.den) parts.push_back(&*q.den);
  }
  std::vector<double> acc(parts.size(), 0.0);
  auto accumulate = [&](const agents::World& world, std::int64_t k) {
    for (std::size_t i = 0; i < parts.size(); ++i) {
      const Bound& b = *parts[i];
      if (b.flow ? (k < b.s0 || k >= b.s1) : k != b.s1 - 1) continue;
      double s = 0;
      for (auto m : b.metrics)
        for (int r : b.regions) s += world.metrics.get(m, r);
      acc[i] += s;
    }
  };
  if (save != nullptr) {
    RunOptions ro = *save;
    ro.on_step = accumulate;
    const RunSummary sum = run_scenario(ro);
    if (sum.interrupted) throw OutputError("run '" + ro.output.string() + "' was interrupted");
  } else {
    agents::World w = agents::make_world(params, seed);
    agents::simulate(w, params.run.steps, [&](agents::World& world, std::int64_t k) {
      world.events.clear_pending();
      accumulate(world, k);
    });
  }
  std::vector<double> out;
  std::size_t i = 0;
  for (const auto& q : qs) {
    auto value = [&](const Bound& b) { return b.flow && b.per_year ? acc[i] / b.years : acc[i]; };
    double v = value(q.num);
    ++i;
    if (q.den) {
      const double d = value(*q.den);
      ++i;
      v = d != 0 ? v / d : std::numeric_limits<double>::quiet_NaN();
    }
    if (q.at_least && std::isfinite(v)) v = v >= *q.at_least ? 1.0 : 0.0;
    out.push_back(v);
  }
  return out;
}

/// DIR/v<point>_r<replicate>.h5: a saved run of an experiment.
std::filesystem::path saved_run_path(const std::filesystem::path& dir, std::int64_t point, std::int64_t replicate) {
  return dir / ("v" + std::to_string(point) + "_r" + std::to_string(replicate) + ".h5");
}

/// The studies' sink: each run's quantities, in memory; result[point][replicate][quantity].
class Measurements : public Sink {
 public:
  Measurements(const Plan& plan, const std::vector<agents::Params>& params,
               const std::vector<std::vector<BoundQuantity>>& qs)
      : plan_(plan),
        params_(params),
        qs_(qs),
        result(plan.points.size(), std::vector<std::vector<double>>(static_cast<std::size_t>(plan.replicates))) {}
  const Plan& plan() const override { return plan_; }
  Outcome execute(const Run& r, int threads, bool, const std::atomic<bool>*, std::string&) override {
    const auto pt = static_cast<std::size_t>(r.point);
    if (save_dir.empty()) {
      result[pt][static_cast<std::size_t>(r.replicate)] = measure(params_[pt], r.seed, qs_[pt]);
      return Outcome::done;
    }
    RunOptions ro;
    ro.scenario = plan_.points[pt].scenario;
    ro.output = saved_run_path(save_dir, r.point, r.replicate);
    ro.seed = r.seed;
    ro.steps = plan_.steps;
    ro.overrides = plan_.points[pt].overrides;  // the point's own (none for an experiment's arms)
    ro.overrides.push_back("output.level=\"series\"");
    ro.threads = threads > 0 ? threads : 1;
    ro.progress = false;
    ro.summary = false;
    ro.own_thread_limit = false;
    ro.force = true;
    result[pt][static_cast<std::size_t>(r.replicate)] = measure(params_[pt], r.seed, qs_[pt], &ro);
    return Outcome::done;
  }
  std::vector<double> result_of(const Run& r) const override {
    return result[static_cast<std::size_t>(r.point)][static_cast<std::size_t>(r.replicate)];
  }
  void take_result(const Run& r, const std::vector<double>& v) override {
    result[static_cast<std::size_t>(r.point)][static_cast<std::size_t>(r.replicate)] = v;
  }

 private:
  const Plan& plan_;
  const std::vector<agents::Params>& params_;          // [point]
  const std::vector<std::vector<BoundQuantity>>& qs_;  // [point][quantity]

 public:
  std::filesystem::path save_dir;  // experiment --save-runs: write each run there too
  std::vector<std::vector<std::vector<double>>> result;
};

/// Runs every (point, replicate) of the plan, on this machine or, under mpirun, over the MPI ranks
/// (the runner's; each run's quantities return to rank 0); result[point][replicate][quantity].
/// Empty on the other ranks, which print nothing.
std::optional<std::vector<std::vector<std::vector<double>>>> measure_all(
    const Plan& plan, const std::vector<agents::Params>& params, const std::vector<std::vector<BoundQuantity>>& qs,
    const StudyOptions& o) {
  Measurements sink(plan, params, qs);
  sink.save_dir = o.save_runs;
  RunnerOptions ro;
  ro.threads = o.threads;
  ro.single_threaded_runs = false;  // runs share the arena's threads
  ro.progress = o.progress;
  ro.style = Progress::Style::study;
  bool reported = false;  // the report runs on rank 0 (or locally) only
  run_plan([&](bool) -> Sink& { return sink; }, ro,
           [&](const Pending&, const Progress&) {
             reported = true;
             return 0;
           });
  if (!reported) return std::nullopt;
  return std::move(sink.result);
}

// ---------------------------------------------------------------- statistics and formatting

/// 74256 -> "74,256"; 0.4123 -> "0.412"; 1234.5 -> "1,235"; 12.345 -> "12.3".
std::string fmt(double x) {
  if (!std::isfinite(x)) return "n/a";
  char b[64];
  if (std::fabs(x) >= 1000) {
    std::snprintf(b, sizeof b, "%.0f", std::fabs(x));
    std::string d = b, out;
    for (std::size_t i = 0; i < d.size(); ++i) {
      if (i > 0 && (d.size() - i) % 3 == 0) out += ',';
      out += d[i];
    }
    return (x < 0 ? "-" : "") + out;
  }
  if (x == 0) return "0";
  std::snprintf(b, sizeof b, "%.3g", x);
  return b;
}
std::string fmt_signed(double x) { return (std::isfinite(x) && x > 0 ? "+" : "") + fmt(x); }
std::string pct(double x) {
  if (!std::isfinite(x)) return "n/a";
  char b[32];
  std::snprintf(b, sizeof b, "%+.0f%%", 100 * x);
  return b;
}

/// A table printed as aligned text or as Markdown.
struct Table {
  std::vector<std::string> head;
  std::vector<std::vector<std::string>> rows;
  void print(std::ostream& out, bool markdown) const {
    if (markdown) {
      auto line = [&](const std::vector<std::string>& r) {
        out << "|";
        for (const auto& c : r) out << " " << c << " |";
        out << "\n";
      };
      line(head);
      out << "|";
      for (std::size_t i = 0; i < head.size(); ++i) out << (i == 0 ? "---|" : "---:|");
      out << "\n";
      for (const auto& r : rows) line(r);
      return;
    }
    std::vector<std::size_t> w(head.size(), 0);
    for (std::size_t i = 0; i < head.size(); ++i) w[i] = head[i].size();
    for (const auto& r : rows)
      for (std::size_t i = 0; i < r.size(); ++i) w[i] = std::max(w[i], r[i].size());
    auto line = [&](const std::vector<std::string>& r) {
      for (std::size_t i = 0; i < r.size(); ++i) {
        if (i == 0)
          out << std::left << std::setw(static_cast<int>(w[i])) << r[i];
        else
          out << "  " << std::right << std::setw(static_cast<int>(w[i])) << r[i];
      }
      out << "\n";
    };
    line(head);
    for (const auto& r : rows) line(r);
  }
};

std::string label(const std::string& name, const Quantity& q) {
  return q.unit.empty() ? name : name + " (" + q.unit + ")";
}

std::string seeds_text(const std::vector<std::uint64_t>& seeds) {
  std::string s;
  for (std::size_t i = 0; i < seeds.size() && i < 3; ++i) s += (i ? ", " : "") + std::to_string(seeds[i]);
  if (seeds.size() > 3) s += ", ...";
  return s;
}

}  // namespace

// ---------------------------------------------------------------- calibration

int run_calibration(const TargetsSpec& spec, const StudyOptions& o, std::ostream& out) {
  const auto steps = o.steps ? o.steps : spec.steps;
  auto set = spec.set;
  set.insert(set.end(), o.set.begin(), o.set.end());
  Plan plan;
  plan.points.push_back({spec.scenario, set});
  plan.replicates = o.replicates ? *o.replicates : spec.replicates;
  plan.seed = spec.seed;
  plan.steps = steps;
  const agents::Params params = load_params(spec.scenario, set, steps);
  const auto probe = agents::make_world(params, 1);
  std::vector<std::string> errors;
  std::vector<BoundQuantity> qs;
  for (const auto& t : spec.targets) qs.push_back(bind_quantity(t.q, params, probe.metrics.defs(), spec.file, errors));
  throw_errors(errors, "", "targets file '" + spec.file.string() + "'");
  const auto seeds = plan.seeds();
  const auto t0 = std::chrono::steady_clock::now();
  const auto all_runs = measure_all(plan, {params}, {qs}, o);
  if (!all_runs) return 0;  // an MPI worker rank: rank 0 prints the tables
  const auto& res = *all_runs;
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  Table tab{{"target", "observed", "simulated mean", "95% CI of mean", "95% of runs", "rel. error", "goal",
             "also reported (rel. error)", "source"},
            {}};
  std::ofstream csv;
  if (!o.csv.empty()) {
    csv.open(o.csv);
    if (!csv) throw OutputError("cannot write '" + o.csv.string() + "'");
    csv << "target,observed,sim_mean,ci_low,ci_high,runs_p2.5,runs_p97.5,rel_error,tolerance,within,n,source\n";
  }
  int outside = 0;
  for (std::size_t i = 0; i < spec.targets.size(); ++i) {
    const auto& t = spec.targets[i];
    std::vector<double> v;
    for (const auto& r : res[0]) v.push_back(r[i] * t.q.scale);
    const Stats s = stats(v);
    const double obs = t.observed * t.q.scale;
    const double rel = (s.mean - obs) / obs;
    const bool within = std::isfinite(rel) && std::fabs(rel) <= t.tolerance;
    outside += within ? 0 : 1;
    std::string also;
    for (const auto& [val, src] : t.also_reported)
      also += (also.empty() ? "" : "; ") + fmt(val * t.q.scale) + " " +
              pct((s.mean - val * t.q.scale) / (val * t.q.scale)) + " (" + src + ")";
    char goal[48];
    std::snprintf(goal, sizeof goal, "%s ±%.0f%%", within ? "yes" : "NO", 100 * t.tolerance);
    tab.rows.push_back({label(t.name, t.q), fmt(obs), fmt(s.mean), fmt(s.mean - s.half) + " .. " + fmt(s.mean + s.half),
                        fmt(s.lo) + " .. " + fmt(s.hi), pct(rel), goal, also.empty() ? "-" : also, t.source});
    if (csv)
      csv << csv_field(t.name) << ',' << obs << ',' << s.mean << ',' << s.mean - s.half << ',' << s.mean + s.half << ','
          << s.lo << ',' << s.hi << ',' << rel << ',' << t.tolerance << ',' << (within ? 1 : 0) << ',' << s.n << ','
          << csv_field(t.source) << "\n";
  }
  out << (o.markdown ? "" : "# ") << "calibration: " << spec.file.string() << "\n";
  if (o.markdown) out << "\n";
  std::string sets;
  for (const auto& x : o.set) sets += " --set " + x;
  out << (o.markdown ? "" : "# ") << "scenario " << spec.scenario.string() << sets << ", " << params.run.steps
      << " steps from " << sim::to_string(params.run.start) << ", " << seeds.size() << " replicates (seeds "
      << seeds_text(seeds) << " from seed " << spec.seed << "), " << fmt(wall) << " s\n\n";
  tab.print(out, o.markdown);
  out << "\n"
      << (o.markdown ? "" : "# ") << spec.targets.size() - static_cast<std::size_t>(outside) << " of "
      << spec.targets.size() << " targets within their goal\n";
  return outside;
}

// ---------------------------------------------------------------- experiments

/// DIR/runs.csv (one row per saved run) and DIR/outcomes.csv (what each outcome sums) for
/// experiment --save-runs; the figures (biocluster-plot-experiment) read them.
void write_saved_run_manifests(const ExperimentSpec& spec, const std::vector<const Variant*>& all, const Plan& plan,
                               const std::filesystem::path& dir) {
  std::string runs = "variant_index,variant,replicate,seed,file,scenario\n";
  const auto seeds = plan.seeds();
  for (std::size_t v = 0; v < all.size(); ++v) {
    std::error_code ec;
    const auto scenario = std::filesystem::absolute(all[v]->scenario, ec).lexically_normal();
    for (std::size_t r = 0; r < seeds.size(); ++r)
      runs += std::to_string(v) + "," + csv_field(all[v]->name) + "," + std::to_string(r) + "," +
              std::to_string(seeds[r]) + "," +
              saved_run_path(".", static_cast<std::int64_t>(v), static_cast<std::int64_t>(r)).filename().string() +
              "," + csv_field(scenario.string()) + "\n";
  }
  write_text(dir / "runs.csv", runs);
  // The experiment file itself: its name, question and mechanism head the report.
  write_text(dir / "experiment.toml", read_text(spec.file));
  // at_least: the target level of a 0/1 outcome (empty for a quantity); the figures draw it over the quantity.
  std::string oc = "outcome,name,metrics,regions,when,per_year,ratio,scale,unit,at_least\n";
  for (std::size_t q = 0; q < spec.outcomes.size(); ++q) {
    const auto& o = spec.outcomes[q];
    std::string metrics, regions = o.q.num.regions;
    for (const auto& m : o.q.num.metrics) metrics += (metrics.empty() ? "" : "+") + m;
    if (!o.q.num.region_list.empty()) {
      regions.clear();
      for (const auto& r : o.q.num.region_list) regions += (regions.empty() ? "" : "+") + r;
    }
    char scale[32], level[32] = "";
    std::snprintf(scale, sizeof scale, "%.17g", o.q.scale);
    if (o.q.at_least) std::snprintf(level, sizeof level, "%.17g", *o.q.at_least);
    oc += std::to_string(q) + "," + csv_field(o.name) + "," + csv_field(metrics) + "," + csv_field(regions) + "," +
          csv_field(o.q.num.when) + "," + (o.q.num.per_year ? "true" : "false") + "," + (o.q.den ? "true" : "false") +
          "," + scale + "," + csv_field(o.q.unit) + "," + level + "\n";
  }
  write_text(dir / "outcomes.csv", oc);
}

namespace {

int sign_of(double x) { return x > 0 ? 1 : x < 0 ? -1 : 0; }

/// experiment --robust: every arm rerun over o.robust Latin-hypercube sets of the uncertain parameters
/// (agents::plausible_ranges, log-uniform over each range's factors of the baseline's value), each on the
/// first o.robust_replicates seeds of the experiment; per variant and outcome, the share of sets whose
/// mean paired difference has the sign of the table's (`nominal`), its range, and the parameters whose
/// sampled level differs most between the sets that flip and those that keep the sign.
void print_robustness(const ExperimentSpec& spec, const StudyOptions& o, const std::vector<const Variant*>& all,
                      const std::map<std::string, std::string>& base, const std::vector<std::vector<double>>& nominal,
                      const std::vector<sim::MetricDef>& defs, std::optional<std::int64_t> steps, std::ostream& out) {
  struct Factor {
    std::string key;
    double value, lo, hi;
  };
  std::vector<Factor> factors;
  std::vector<std::string> skipped;
  for (const auto& pr : agents::plausible_ranges()) {
    const std::string key(pr.key);
    bool changed = false;  // a key a variant changes is the experiment's lever, not an uncertainty
    for (std::size_t v = 1; v < all.size(); ++v)
      for (const auto& c : all[v]->changes) changed = changed || c == key || c.ends_with("." + key);
    const auto it = base.find(key);
    double x = 0;
    if (it != base.end()) x = std::strtod(it->second.c_str(), nullptr);
    if (changed)
      skipped.push_back(key + " (a variant changes it)");
    else if (it == base.end() || !std::isfinite(x) || x == 0)
      skipped.push_back(key + " (0 in the baseline)");
    else
      factors.push_back({key, x, pr.low_factor, pr.high_factor});
  }
  if (factors.empty()) {
    out << "\nrobustness: no uncertain parameter to sample (" << skipped.size() << " skipped)\n";
    return;
  }
  const std::int64_t n = o.robust;
  const auto arms = all.size();
  const auto u = latin_hypercube(n, factors.size(), spec.seed ^ 0x526f6275737421ull);  // "Robust!"
  Plan plan;
  plan.replicates = o.robust_replicates;
  plan.seed = spec.seed;
  plan.steps = steps;
  std::vector<agents::Params> params;
  std::vector<std::vector<BoundQuantity>> qs;
  std::vector<std::string> errors;
  for (std::int64_t k = 0; k < n; ++k) {
    std::vector<std::string> set;
    for (std::size_t j = 0; j < factors.size(); ++j) {
      const auto& f = factors[j];
      char text[64];
      std::snprintf(text, sizeof text, "%.17g",
                    f.value * f.lo * std::pow(f.hi / f.lo, u[static_cast<std::size_t>(k)][j]));
      set.push_back(f.key + "=" + text);
    }
    for (const auto* v : all) {
      plan.points.push_back({v->scenario, set});
      params.push_back(load_params(v->scenario, set, steps));
      auto& bound = qs.emplace_back();
      for (const auto& oc : spec.outcomes) bound.push_back(bind_quantity(oc.q, params.back(), defs, spec.file, errors));
      throw_errors(errors, "", "experiment '" + spec.file.string() + "' (--robust)");
    }
  }
  const auto t0 = std::chrono::steady_clock::now();
  StudyOptions ro = o;
  ro.save_runs.clear();  // --save-runs keeps the table's runs; these would overwrite them (same point indices)
  const auto got = measure_all(plan, params, qs, ro);
  if (!got) return;
  const auto& res = *got;  // [k * arms + arm][replicate][outcome]
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const char* h = o.markdown ? "" : "## ";
  out << "\n"
      << (o.markdown ? "**" : h) << "Robustness of the sign" << (o.markdown ? "**" : "") << " (" << n
      << " Latin-hypercube sets of the uncertain parameters x " << plan.replicates << " paired replicates, "
      << static_cast<std::size_t>(n) * arms * static_cast<std::size_t>(plan.replicates) << " runs in " << fmt(wall)
      << " s; each parameter log-uniform over its range, as factors of the baseline's value):\n\n";
  for (const auto& f : factors)
    out << (o.markdown ? "- `" : "  ") << f.key << (o.markdown ? "`" : "") << " " << fmt(f.value) << " x [" << fmt(f.lo)
        << ", " << fmt(f.hi) << "]\n";
  if (!skipped.empty()) {
    out << (o.markdown ? "\nNot sampled: " : "  not sampled: ");
    for (std::size_t i = 0; i < skipped.size(); ++i) out << (i ? ", " : "") << skipped[i];
    out << "\n";
  }
  for (std::size_t v = 1; v < arms; ++v) {
    out << "\n"
        << (o.markdown ? "*" : "") << all[v]->name << " vs " << all[0]->name << (o.markdown ? "*" : "") << "\n\n";
    Table tab{{"outcome", "difference (table)", "sign kept in", "difference over the sets", "flips with"}, {}};
    for (std::size_t q = 0; q < spec.outcomes.size(); ++q) {
      const auto& oc = spec.outcomes[q];
      const int want = sign_of(nominal[v][q]);
      std::vector<double> d(static_cast<std::size_t>(n), NAN);
      double lo = HUGE_VAL, hi = -HUGE_VAL;
      std::int64_t kept = 0, finite = 0;
      std::vector<double> u_flip(factors.size(), 0.0), u_kept(factors.size(), 0.0);
      for (std::int64_t k = 0; k < n; ++k) {
        std::vector<double> diffs;
        for (std::int64_t r = 0; r < plan.replicates; ++r) {
          const auto ri = static_cast<std::size_t>(r), base_i = static_cast<std::size_t>(k) * arms;
          diffs.push_back(res[base_i + v][ri][q] - res[base_i][ri][q]);
        }
        const double m = stats(diffs).mean;
        if (!std::isfinite(m)) continue;
        ++finite;
        lo = std::min(lo, m * oc.q.scale), hi = std::max(hi, m * oc.q.scale);
        const bool keeps = sign_of(m) == want;
        kept += keeps;
        for (std::size_t j = 0; j < factors.size(); ++j)
          (keeps ? u_kept : u_flip)[j] += u[static_cast<std::size_t>(k)][j];
      }
      std::string flips = "-";
      const std::int64_t flipped = finite - kept;
      if (flipped > 0 && kept > 0) {  // the parameters whose level most separates the flipped sets
        std::vector<std::pair<double, std::size_t>> gap;
        for (std::size_t j = 0; j < factors.size(); ++j)
          gap.push_back({u_flip[j] / static_cast<double>(flipped) - u_kept[j] / static_cast<double>(kept), j});
        std::sort(gap.begin(), gap.end(), [](const auto& a, const auto& b) {
          return std::fabs(a.first) != std::fabs(b.first) ? std::fabs(a.first) > std::fabs(b.first)
                                                          : a.second < b.second;
        });
        flips.clear();
        for (std::size_t i = 0; i < std::min<std::size_t>(2, gap.size()); ++i) {
          char g[32];
          std::snprintf(g, sizeof g, "%+.2f", gap[i].first);
          flips +=
              (i ? ", " : "") + factors[gap[i].second].key + (gap[i].first > 0 ? " high" : " low") + " (" + g + ")";
        }
      }
      tab.rows.push_back({label(oc.name, oc.q), fmt_signed(nominal[v][q] * oc.q.scale),
                          finite ? std::to_string(kept) + " of " + std::to_string(finite) : "n/a",
                          finite ? "[" + fmt_signed(lo) + ", " + fmt_signed(hi) + "]" : "n/a", flips});
    }
    tab.print(out, o.markdown);
  }
  out << (o.markdown ? "\n" : "") << "(flips with: the parameters whose mean sampled level, on a 0-1 scale of "
      << "their range, differs most between the sets where the effect's sign flips and those where it holds)\n";
}

}  // namespace

void run_experiment(const ExperimentSpec& spec, const StudyOptions& o, std::ostream& out) {
  const auto steps = o.steps ? o.steps : spec.steps;
  std::vector<const Variant*> all{&spec.baseline};
  for (const auto& v : spec.variants) all.push_back(&v);
  std::vector<agents::Params> params;
  std::vector<std::string> errors;
  for (const auto* v : all) {
    try {
      params.push_back(load_params(v->scenario, {}, steps));
    } catch (const ConfigError& e) {
      errors.push_back(where(spec.file, v->line) + "variant '" + v->name + "': " + e.what());
    }
  }
  throw_errors(errors, "", "experiment '" + spec.file.string() + "'");
  // Each variant must change exactly the keys it declares.
  const auto base = flatten_params(params[0]);
  for (std::size_t i = 1; i < all.size(); ++i) {
    const auto var = flatten_params(params[i]);
    std::set<std::string> changed;
    for (const auto& [k, val] : var)
      if (auto it = base.find(k); it == base.end() || it->second != val) changed.insert(k);
    for (const auto& [k, val] : base)
      if (!var.count(k)) changed.insert(k);
    const std::set<std::string> declared(all[i]->changes.begin(), all[i]->changes.end());
    std::string extra, missing;
    for (const auto& k : changed)
      if (!declared.count(k)) extra += (extra.empty() ? "" : ", ") + k;
    for (const auto& k : declared)
      if (!changed.count(k)) missing += (missing.empty() ? "" : ", ") + k;
    if (!extra.empty())
      errors.push_back(where(spec.file, all[i]->line) + "variant '" + all[i]->name + "' (" + all[i]->scenario.string() +
                       ") changes keys it does not declare: " + extra +
                       "; add them to 'changes' or fix the override file");
    if (!missing.empty())
      errors.push_back(where(spec.file, all[i]->line) + "variant '" + all[i]->name +
                       "' declares changes that its scenario does not make: " + missing);
  }
  throw_errors(errors, "", "experiment '" + spec.file.string() + "'");
  // The metric set does not depend on parameters: one world gives the definitions for every variant.
  const auto defs = agents::make_world(params[0], 1).metrics.defs();
  std::vector<std::vector<BoundQuantity>> qs(params.size());
  for (std::size_t i = 0; i < params.size(); ++i) {
    for (const auto& oc : spec.outcomes) qs[i].push_back(bind_quantity(oc.q, params[i], defs, spec.file, errors));
    throw_errors(errors, "", "experiment '" + spec.file.string() + "'");
  }
  // The answer explains itself (batch/explain.hpp): the mechanism trace and each variant's lever reach
  // are measured on every run, after the outcomes.
  std::vector<std::string> names;
  for (const auto& d : defs) names.push_back(d.name);
  const auto trace = mechanism_trace(names);
  std::vector<std::pair<std::size_t, LeverReach>> reach;  // (variant, what its changed key acts on)
  std::vector<std::vector<std::string>> no_rule(all.size());
  for (std::size_t v = 1; v < all.size(); ++v)
    for (const auto& key : all[v]->changes) {
      if (auto r = lever_reach(key, params[0], names))
        reach.emplace_back(v, std::move(*r));
      else
        no_rule[v].push_back(key);
    }
  const std::size_t trace_at = spec.outcomes.size(), reach_at = trace_at + trace.size();
  for (std::size_t i = 0; i < params.size(); ++i) {
    for (const auto& t : trace) qs[i].push_back(bind_quantity(t.q, params[i], defs, spec.file, errors));
    for (const auto& [v, r] : reach) qs[i].push_back(bind_quantity(r.q, params[i], defs, spec.file, errors));
    throw_errors(errors, "", "experiment '" + spec.file.string() + "' (trace and lever reach)");
  }
  if (o.check_only) {
    out << spec.file.string() << ": valid: baseline and " << spec.variants.size()
        << " variant(s) load; each changes exactly the keys it declares\n";
    return;
  }
  Plan plan;
  for (const auto* v : all) plan.points.push_back({v->scenario, {}});
  plan.replicates = o.replicates ? *o.replicates : spec.replicates;
  plan.seed = spec.seed;
  plan.steps = steps;
  const auto seeds = plan.seeds();
  if (!o.save_runs.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(o.save_runs, ec);
    if (ec || !std::filesystem::is_directory(o.save_runs, ec))
      throw OutputError("--save-runs: cannot create directory '" + o.save_runs.string() + "'" +
                        (ec ? " (" + ec.message() + ")" : std::string()) + "; give a writable path");
  }
  const auto t0 = std::chrono::steady_clock::now();
  const auto all_runs = measure_all(plan, params, qs, o);
  if (!all_runs) return;  // an MPI worker rank: rank 0 prints the tables
  if (!o.save_runs.empty()) write_saved_run_manifests(spec, all, plan, o.save_runs);
  const auto& res = *all_runs;
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  const char* h = o.markdown ? "" : "# ";
  out << h << "experiment: " << spec.name << " (" << spec.file.string() << ")\n";
  if (o.markdown) out << "\n";
  out << h << params[0].run.steps << " steps from " << sim::to_string(params[0].run.start) << ", " << seeds.size()
      << " paired replicates per variant (seeds " << seeds_text(seeds) << " from seed " << spec.seed << "), "
      << all.size() * seeds.size() << " runs in " << fmt(wall) << " s\n";
  std::ofstream csv;
  const std::filesystem::path csv_path = !o.csv.empty()         ? o.csv
                                         : !o.save_runs.empty() ? o.save_runs / "results.csv"
                                                                : std::filesystem::path();
  if (!csv_path.empty()) {
    csv.open(csv_path);
    if (!csv) throw OutputError("cannot write '" + csv_path.string() + "'");
    csv << "variant,outcome,baseline_mean,variant_mean,diff_mean,diff_ci_low,diff_ci_high,rel_change,n\n";
  }
  auto mean_of = [&](std::size_t v, std::size_t q, double* max = nullptr) {
    double sum = 0, hi = -HUGE_VAL;
    std::size_t n = 0;
    for (const auto& run : res[v])
      if (std::isfinite(run[q])) sum += run[q], hi = std::max(hi, run[q]), ++n;
    if (max) *max = n ? hi : 0.0;
    return n ? sum / static_cast<double>(n) : NAN;
  };
  std::string reach_csv = "variant,key,acts_on,metrics,regions,when,unit,baseline_mean,variant_mean,warning\n";
  // Lever reach: what each key variant v changes acts on, in the baseline and in the variant.
  auto print_reach = [&](std::size_t v) {
    std::vector<std::string> lines, warnings;
    for (std::size_t k = 0; k < reach.size(); ++k) {
      if (reach[k].first != v) continue;
      const auto& r = reach[k].second;
      double bmax = 0;
      const double b = mean_of(0, reach_at + k, &bmax), x = mean_of(v, reach_at + k);
      std::string ms;
      for (const auto& m : r.q.num.metrics) ms += (ms.empty() ? "" : " + ") + m;
      const std::string scope = (r.q.num.region_list.empty() ? "" : ", " + r.q.num.region_list.front()) +
                                (r.q.num.when == "all" ? "" : ", " + r.q.num.when);
      lines.push_back(r.key + " acts on " + r.acts_on + " (" + ms + scope + "): " + fmt(b * r.q.scale) + " -> " +
                      fmt(x * r.q.scale) + (r.q.unit.empty() ? "" : " " + r.q.unit) + " per run");
      const std::string w = reach_warning(r, all[v]->name, b, bmax);
      if (!w.empty()) warnings.push_back(w);
      std::string regions;
      for (const auto& g : r.q.num.region_list) regions += g;
      char nums[96];
      std::snprintf(nums, sizeof nums, "%.17g,%.17g", b * r.q.scale, x * r.q.scale);
      reach_csv += csv_field(all[v]->name) + "," + csv_field(r.key) + "," + csv_field(r.acts_on) + "," + csv_field(ms) +
                   "," + csv_field(regions.empty() ? "all" : regions) + "," + csv_field(r.q.num.when) + "," +
                   csv_field(r.q.unit) + "," + nums + "," + csv_field(w) + "\n";
    }
    for (const auto& key : no_rule[v]) lines.push_back(key + ": no reach rule (batch/explain.cpp); not measured");
    if (lines.empty()) return;
    out << "\n"
        << (o.markdown ? "Lever reach (baseline -> variant, mean per run):\n\n"
                       : "lever reach (baseline -> variant, mean per run):\n");
    for (const auto& l : lines) out << (o.markdown ? "- " : "  ") << l << "\n";
    for (const auto& w : warnings) out << (o.markdown ? "\n**" + w + "**\n" : w + "\n");
  };
  // The mechanism trace: every variant's channels and binding constraints, mean per run.
  auto print_trace = [&] {
    if (trace.empty()) return;
    out << "\n"
        << (o.markdown ? "**" : "## ") << "Mechanism trace" << (o.markdown ? "**" : "")
        << " (mean per run over the whole run; jobs and openings at end; constraints count the firm-months "
           "each bound)\n\n";
    Table tab{{"channel / constraint"}, {}};
    for (const auto* v : all) tab.head.push_back(v->name);
    std::string csv_t = "group,row,metrics,unit";
    for (const auto* v : all) csv_t += "," + csv_field(v->name);
    csv_t += "\n";
    for (std::size_t t = 0; t < trace.size(); ++t) {
      std::vector<std::string> row{trace[t].group + ": " + label(trace[t].label, trace[t].q)};
      std::string ms;
      for (const auto& m : trace[t].q.num.metrics) ms += (ms.empty() ? "" : "+") + m;
      csv_t += csv_field(trace[t].group) + "," + csv_field(trace[t].label) + "," + csv_field(ms) + "," +
               csv_field(trace[t].q.unit);
      for (std::size_t v = 0; v < all.size(); ++v) {
        const double m = mean_of(v, trace_at + t) * trace[t].q.scale;
        row.push_back(fmt(m));
        char num[40];
        std::snprintf(num, sizeof num, ",%.17g", m);
        csv_t += num;
      }
      csv_t += "\n";
      tab.rows.push_back(std::move(row));
    }
    tab.print(out, o.markdown);
    if (!o.save_runs.empty()) {
      write_text(o.save_runs / "trace.csv", csv_t);
      write_text(o.save_runs / "reach.csv", reach_csv);
    }
  };
  if (all.size() == 1) {  // no variant: describe the baseline
    out << "\n";
    Table tab{{"outcome", all[0]->name + " mean", "95% CI of mean", "95% of runs"}, {}};
    for (std::size_t q = 0; q < spec.outcomes.size(); ++q) {
      std::vector<double> b;
      for (std::size_t r = 0; r < seeds.size(); ++r) b.push_back(res[0][r][q] * spec.outcomes[q].q.scale);
      const Stats s = stats(b);
      tab.rows.push_back({label(spec.outcomes[q].name, spec.outcomes[q].q), fmt(s.mean),
                          fmt(s.mean - s.half) + " .. " + fmt(s.mean + s.half), fmt(s.lo) + " .. " + fmt(s.hi)});
      if (csv)
        csv << csv_field(all[0]->name) << ',' << csv_field(spec.outcomes[q].name) << ',' << s.mean << ",,,,,," << s.n
            << "\n";
    }
    tab.print(out, o.markdown);
  }
  for (std::size_t v = 1; v < all.size(); ++v) {
    out << "\n"
        << (o.markdown ? "**" : "## ") << all[v]->name << " vs " << all[0]->name << (o.markdown ? "**" : "") << "\n\n";
    Table tab{{"outcome", all[0]->name, all[v]->name, "difference [95% CI]", "change", "CI excludes 0"}, {}};
    for (std::size_t q = 0; q < spec.outcomes.size(); ++q) {
      const auto& oc = spec.outcomes[q];
      std::vector<double> b, x, d;
      for (std::size_t r = 0; r < seeds.size(); ++r) {
        b.push_back(res[0][r][q] * oc.q.scale);
        x.push_back(res[v][r][q] * oc.q.scale);
        d.push_back(x.back() - b.back());  // paired: same seed
      }
      const Stats sb = stats(b), sx = stats(x), sd = stats(d);
      const double rel = sb.mean != 0 ? sd.mean / std::fabs(sb.mean) : NAN;
      const bool sig = std::isfinite(sd.half) && sd.n > 1 && (sd.mean - sd.half > 0 || sd.mean + sd.half < 0);
      tab.rows.push_back(
          {label(oc.name, oc.q), fmt(sb.mean), fmt(sx.mean),
           fmt_signed(sd.mean) + " [" + fmt_signed(sd.mean - sd.half) + ", " + fmt_signed(sd.mean + sd.half) + "]",
           pct(rel), sig ? "yes" : "no"});
      if (csv)
        csv << csv_field(all[v]->name) << ',' << csv_field(oc.name) << ',' << sb.mean << ',' << sx.mean << ','
            << sd.mean << ',' << sd.mean - sd.half << ',' << sd.mean + sd.half << ',' << rel << ',' << sd.n << "\n";
    }
    tab.print(out, o.markdown);
    print_reach(v);
  }
  print_trace();
  if (o.robust > 0 && all.size() > 1) {
    std::vector<std::vector<double>> nominal(all.size());  // [variant][outcome]: the table's mean difference
    for (std::size_t v = 1; v < all.size(); ++v)
      for (std::size_t q = 0; q < spec.outcomes.size(); ++q) {
        std::vector<double> d;
        for (std::size_t r = 0; r < seeds.size(); ++r) d.push_back(res[v][r][q] - res[0][r][q]);
        nominal[v].push_back(stats(d).mean);
      }
    print_robustness(spec, o, all, base, nominal, defs, steps, out);
  }
}

}  // namespace biocluster::batch
