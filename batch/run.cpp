#include "batch/run.hpp"

#include <tbb/global_control.h>

#include <unistd.h>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <iomanip>
#include <iostream>
#include <limits>
#include <sstream>

#include "agents/model.hpp"
#include "agents/simulate.hpp"
#include "batch/output_lock.hpp"
#include "batch/progress.hpp"
#include "biocluster/version.hpp"
#include "output/run_writer.hpp"
#include "sim/errors.hpp"

namespace biocluster::batch {

namespace {

std::string utc_now() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

output::RunHeader make_header(const RunOptions& o, const sim::ScenarioDoc& doc, const agents::World& w, int threads) {
  output::RunHeader h;
  h.scenario_file = o.scenario.string();
  h.scenario_sources = doc.sources_text();
  h.resolved_parameters = agents::to_toml(w.params);
  h.seed = w.seed;
  h.program_version = kVersion;
  h.git_revision = kGitRevision;
  h.threads = threads;
  h.started_at_utc = utc_now();
  h.start_date = sim::to_string(w.params.run.start);
  h.planned_steps = w.params.run.steps;
  h.currency = w.params.run.currency;
  h.grid_width = w.grid.width;
  h.grid_height = w.grid.height;
  h.cell_km = w.grid.cell_km;
  for (const auto& r : w.params.regions)
    h.regions.push_back({r.name, r.capital_area, r.x_km, r.y_km, r.radius_km, r.rent_usd_per_m2_month, r.amenity_index,
                         r.travel_time_to_capital_h});
  for (const auto& m : w.metrics.defs())
    h.metrics.push_back({m.name, m.unit, m.description, m.flow ? "flow" : "stock"});
  for (const auto* f : agents::output_fields(w)) h.fields.push_back({f->name, f->unit, f->description});
  for (const auto& t : agents::agent_snapshot(w)) {
    output::AgentTableSpec spec{t.type_name, {}};
    for (const auto& c : t.columns) spec.columns.push_back({c.name, c.unit, c.description});
    h.agent_tables.push_back(std::move(spec));
  }
  h.event_kind_names = agents::kEventKindNames;
  h.agent_type_names = agents::kAgentTypeNames;
  h.flush_every_steps =
      o.flush_at_end ? std::numeric_limits<int>::max() : static_cast<int>(w.params.output.flush_every_steps);
  h.level = output::parse_output_level(w.params.output.level);
  return h;
}

void write_snapshots(output::RunWriter& out, const agents::World& w, std::int64_t step, bool agents_due,
                     bool fields_due) {
  if (fields_due) {
    std::vector<std::span<const float>> views;
    for (const auto* f : agents::output_fields(w)) views.push_back(f->view());
    out.append_field_snapshot(step, views);
  }
  if (agents_due) {
    const auto tables = agents::agent_snapshot(w);
    for (std::size_t t = 0; t < tables.size(); ++t) {
      std::vector<std::span<const double>> cols;
      for (const auto& c : tables[t].values) cols.emplace_back(c);
      out.append_agent_snapshot(step, t, tables[t].ids, cols);
    }
  }
}

double physical_memory_bytes() {
  const long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGE_SIZE);
  return pages > 0 && size > 0 ? static_cast<double>(pages) * static_cast<double>(size) : 0.0;
}

/// Collects every parameter as key path -> value text.
class Flatten : public sim::ParamVisitor {
 public:
  std::map<std::string, std::string> values;
  void real(std::string_view key, double& v, const sim::Meta&) override {
    char b[40];
    std::snprintf(b, sizeof b, "%.17g", v);
    values[path(key)] = b;
  }
  void integer(std::string_view key, std::int64_t& v, const sim::Meta&) override {
    values[path(key)] = std::to_string(v);
  }
  using sim::ParamVisitor::integer;
  void flag(std::string_view key, bool& v, std::string_view) override { values[path(key)] = v ? "true" : "false"; }
  void text(std::string_view key, std::string& v, std::string_view, std::span<const std::string_view>) override {
    values[path(key)] = v;
  }
  void date(std::string_view key, sim::YearMonth& v, std::string_view) override {
    values[path(key)] = sim::to_string(v);
  }
  std::vector<std::string> map_names(std::string_view, const std::vector<std::string>& existing) override {
    return existing;
  }
};

}  // namespace

void check_memory(const agents::Params& params, double max_memory_gib) {
  const double limit = max_memory_gib > 0 ? max_memory_gib * 1073741824.0 : 0.8 * physical_memory_bytes();
  const double need = agents::estimate_memory_bytes(params);
  if (limit > 0 && need > limit) {
    char buf[512];
    std::snprintf(buf, sizeof buf,
                  "scenario needs about %.2f GiB at start (grid %d x %d = %.0f cells) but the limit is %.2f GiB; "
                  "use a coarser grid ([grid] cell_km, width, height) or raise the limit with --max-memory GIB",
                  need / 1073741824.0, params.grid.width, params.grid.height,
                  static_cast<double>(params.grid.width) * params.grid.height, limit / 1073741824.0);
    throw ConfigError(buf);
  }
}

sim::ScenarioDoc load_doc(const RunOptions& o) {
  sim::ScenarioDoc doc = sim::load_scenario_doc(o.scenario);
  for (const auto& s : o.overrides) sim::apply_override(doc, s);
  if (o.seed) sim::apply_override(doc, "run.seed=" + std::to_string(*o.seed));
  if (o.steps) sim::apply_override(doc, "run.steps=" + std::to_string(*o.steps));
  return doc;
}

agents::Params load_params(const std::filesystem::path& scenario, const std::vector<std::string>& overrides,
                           std::optional<std::int64_t> steps) {
  RunOptions ro;
  ro.scenario = scenario;
  ro.overrides = overrides;
  ro.steps = steps;
  return agents::load_params(load_doc(ro));
}

std::map<std::string, std::string> flatten_params(agents::Params params) {
  Flatten f;
  agents::describe(f, params);
  // Scheduled changes count as keys of their own: schedule.WINDOW.KEY (MODEL.md §8.1).
  for (const auto& sv : params.schedule)
    f.values["schedule." + sv.window + "." + sv.key] = agents::scalar_text(sv.value);
  return f.values;
}

RunSummary run_scenario(const RunOptions& o, const std::atomic<bool>* stop) {
  return run_document(load_doc(o), o, stop);
}

RunSummary run_document(const sim::ScenarioDoc& doc, const RunOptions& o, const std::atomic<bool>* stop) {
  const auto t0 = std::chrono::steady_clock::now();
  const agents::Params params = agents::load_params(doc);
  check_memory(params, o.max_memory_gib);
  const int threads =
      o.threads > 0 ? o.threads
                    : static_cast<int>(tbb::global_control::active_value(tbb::global_control::max_allowed_parallelism));
  std::optional<tbb::global_control> limit;
  if (o.own_thread_limit)
    limit.emplace(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(threads));

  agents::World w = agents::make_world(params, static_cast<std::uint64_t>(params.run.seed));
  RunSummary sum;
  using clock = std::chrono::steady_clock;
  auto seconds_since = [](clock::time_point t) { return std::chrono::duration<double>(clock::now() - t).count(); };
  sum.setup_seconds = seconds_since(t0);
  std::filesystem::path out_path = o.output;
  if (out_path.empty()) {  // no -o: out/<scenario name>.h5, said on stderr so nobody hunts for it
    out_path = std::filesystem::path("out") / (o.scenario.stem().string() + ".h5");
    std::error_code ec;
    std::filesystem::create_directories(out_path.parent_path(), ec);
    if (o.progress || o.summary) std::cerr << "biocluster: no -o given: writing " << out_path.string() << "\n";
  }
  // One writer per output path (a second process refuses at once), and -o replaces only what is ours.
  const OutputLock lock(out_path.string() + ".lock", OutputLock::Mode::exclusive, out_path.string());
  check_replaceable_run_file(out_path, o.force);
  auto t_out = clock::now();
  const output::RunHeader header = make_header(o, doc, w, threads);
  const output::OutputLevel level = header.level;
  output::RunWriter out(out_path, header);
  sum.output_seconds += seconds_since(t_out);

  for (const auto& r : params.regions) sum.regions.push_back(r.name), sum.capital_area.push_back(r.capital_area);
  for (const auto& m : w.metrics.defs())
    sum.metric_names.push_back(m.name), sum.metric_units.push_back(m.unit), sum.metric_flow.push_back(m.flow);
  sum.values.assign(sum.metric_names.size(), std::vector<double>(sum.regions.size(), 0.0));

  const auto& phases = agents::step_phases();
  agents::StepTimes times;
  const std::int64_t n = params.run.steps;
  const auto& O = params.output;
  Progress progress(Progress::Style::steps, o.progress, static_cast<std::size_t>(n), 0, t0);
  const std::int64_t ran = agents::simulate(
      w, n,
      [&](agents::World& world, std::int64_t k) {
        if (o.on_step) o.on_step(world, k);
        t_out = clock::now();
        const std::string date = sim::to_string(world.calendar.date_of(k));
        out.append_step(k, date, world.calendar.decimal_year(k), world.metrics.frame());
        if (level >= output::OutputLevel::events) out.append_events(world.events.pending());
        world.events.clear_pending();
        const bool last = k + 1 == n;
        // Snapshots after the first step, every N steps, and after the last (output level "full").
        if (level >= output::OutputLevel::full)
          write_snapshots(
              out, world, k, O.snapshot_every_steps > 0 && (k == 0 || (k + 1) % O.snapshot_every_steps == 0 || last),
              O.field_snapshot_every_steps > 0 && (k == 0 || (k + 1) % O.field_snapshot_every_steps == 0 || last));
        sum.output_seconds += seconds_since(t_out);
        for (std::size_t m = 0; m < sum.metric_names.size(); ++m)
          for (std::size_t r = 0; r < sum.regions.size(); ++r) {
            const double v = world.metrics.get(static_cast<sim::MetricId>(m), static_cast<int>(r));
            sum.values[m][r] = sum.metric_flow[m] ? sum.values[m][r] + v : v;
          }
        progress.tick(Outcome::done, date);
      },
      times, stop);
  if (ran < n) {
    // The writer's destructor writes every queued step to the .partial before the run returns: on a
    // loaded machine that can take seconds, so say what is happening.
    if (o.report_interrupt)
      std::cerr << "biocluster: interrupted at step " << ran << " of " << n
                << "; writing the steps simulated so far to " << out.current_path().string() << " ...\n";
    sum.interrupted = true;  // the writer's destructor keeps the .partial file with what was written
    sum.steps = ran;
    sum.output_worker_seconds = out.worker_busy_seconds();
    return sum;
  }
  progress.finish();
  sum.steps = n;
  sum.events = w.events.total();
  sum.wall_seconds = seconds_since(t0);
  for (std::size_t i = 0; i < phases.size(); ++i)
    sum.phase_seconds.emplace_back(std::string(phases[i].name), times.seconds[i]);
  t_out = clock::now();
  output::RunFooter footer{utc_now(), n, sum.wall_seconds, {}};
  for (const auto& per_region : sum.values)
    footer.summary.insert(footer.summary.end(), per_region.begin(), per_region.end());
  out.finish(footer);
  sum.output_seconds += seconds_since(t_out);
  sum.output_worker_seconds = out.worker_busy_seconds();
  sum.wall_seconds = seconds_since(t0);
  return sum;
}

void print_summary(std::ostream& out, const RunSummary& s) {
  std::size_t label_w = 28;
  for (const auto& row : agents::summary_rows()) label_w = std::max(label_w, row.label.size() + 2);
  std::vector<std::size_t> col_w;
  for (const auto& r : s.regions) col_w.push_back(std::max<std::size_t>(12, r.size() + 2));
  // The capital area and the rest as columns of their own, when the scenario has both.
  std::size_t in_capital = 0;
  for (std::size_t r = 0; r < s.regions.size(); ++r) in_capital += r < s.capital_area.size() && s.capital_area[r];
  const bool groups = in_capital > 0 && in_capital < s.regions.size();
  out << std::left << std::setw(static_cast<int>(label_w)) << "metric";
  for (std::size_t r = 0; r < s.regions.size(); ++r)
    out << std::right << std::setw(static_cast<int>(col_w[r])) << s.regions[r];
  if (groups) out << std::right << std::setw(14) << "capital area" << std::setw(12) << "elsewhere";
  out << std::right << std::setw(12) << "total"
      << "\n";
  for (const auto& [name, label, average] : agents::summary_rows()) {
    std::size_t m = 0;
    while (m < s.metric_names.size() && s.metric_names[m] != name) ++m;
    if (m == s.metric_names.size()) continue;
    const bool money = s.metric_units[m] == "USD" || s.metric_units[m] == "USD/month";
    const bool fraction = s.metric_units[m] == "fraction";
    out << std::left << std::setw(static_cast<int>(label_w)) << label << std::right << std::fixed
        << std::setprecision(money      ? 1
                             : fraction ? 3
                                        : 0);
    double total = 0, capital = 0, rest = 0;
    for (std::size_t r = 0; r < s.regions.size(); ++r) {
      const double v = money ? s.values[m][r] / 1e6 : s.values[m][r];
      const bool cap = r < s.capital_area.size() && s.capital_area[r];
      total += average ? v / static_cast<double>(s.regions.size()) : v;
      (cap ? capital : rest) += average ? v / static_cast<double>(cap ? in_capital : s.regions.size() - in_capital) : v;
      out << std::setw(static_cast<int>(col_w[r])) << v;
    }
    if (groups) out << std::setw(14) << capital << std::setw(12) << rest;
    out << std::setw(12) << total << "\n";
  }
  out << std::defaultfloat << std::setprecision(3) << "\n"
      << s.steps << " steps, " << s.events << " events, " << s.wall_seconds << " s wall time (phases:";
  for (const auto& [name, sec] : s.phase_seconds) out << " " << name << " " << sec;
  out << " s)\n";
  out << std::fixed << std::setprecision(2) << "HDF5 on the critical path " << s.output_seconds << " s ("
      << std::setprecision(1) << (s.wall_seconds > 0 ? 100.0 * s.output_seconds / s.wall_seconds : 0.0)
      << "%), writer thread busy " << std::setprecision(2) << s.output_worker_seconds << " s\n"
      << std::defaultfloat;
}

}  // namespace biocluster::batch
