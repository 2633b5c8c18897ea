#pragma once
/// @file HDF5 writer for one run. Declared output: the model describes its metrics, fields and
/// agent tables in a RunHeader; the writer knows nothing about behaviour. HDF5 stays inside
/// output/'s .cpp files (the file's layout: run_layout.cpp). Layout: docs/OUTPUT.md.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "sim/events.hpp"

namespace biocluster::output {

/// What a run file holds (docs/OUTPUT.md, "Output levels"); each level adds to the one before.
/// Every level writes the header, /grid, /regions, /time and, at finish, /summary.
enum class OutputLevel {
  summary,  ///< run totals only: /summary/<metric> [region]
  series,   ///< + /timeseries (monthly, per region)
  events,   ///< + /events
  full,     ///< + /fields and /agents snapshots
};

/// "summary", "series", "events" or "full". @throws OutputError naming the allowed values.
OutputLevel parse_output_level(const std::string& name);
const char* output_level_name(OutputLevel level);

/// A time series recorded per step and region: dataset /timeseries/<name> [step x region].
struct MetricSpec {
  std::string name;         ///< dataset name, snake_case
  std::string unit;         ///< e.g. "count", "USD", "persons"
  std::string description;  ///< one line
  std::string kind =
      "stock";  ///< "flow" (amount during the month: sum over steps) or "stock" (level at the month's end)
};

/// A dense grid field: dataset /fields/<name> [snapshot x H x W], float32.
struct FieldSpec {
  std::string name;
  std::string unit;
  std::string description;
};

/// One column of an agent-state snapshot table.
struct ColumnSpec {
  std::string name;
  std::string unit;
  std::string description;
};

/// Agent-state snapshots of one agent type: group /agents/<type_name>/ (see docs/OUTPUT.md).
struct AgentTableSpec {
  std::string type_name;            ///< e.g. "startup"
  std::vector<ColumnSpec> columns;  ///< besides the id column, which is always present
};

/// A named site on the grid.
struct RegionSpec {
  std::string name;
  bool capital_area = false;
  double x_km = 0.0, y_km = 0.0, radius_km = 0.0;
  double rent_usd_per_m2_month = 0.0;
  double amenity_index = 0.0;
  double travel_time_to_capital_h = 0.0;
};

/// Everything known at the start of a run; written as root attributes and fixed datasets.
struct RunHeader {
  std::string scenario_file;     ///< path the user gave
  std::string scenario_sources;  ///< the text of every scenario file read (includes too), each preceded by "# ==> path
                                 ///< <==" line
  std::string resolved_parameters;  ///< the full resolved parameter set as loadable TOML
  std::uint64_t seed = 0;
  std::string program_version;
  std::string git_revision;
  int threads = 1;
  std::string started_at_utc;  ///< ISO 8601, e.g. 2026-11-24T19:40:00Z
  std::string start_date;      ///< "YYYY-MM" of step 0
  std::int64_t planned_steps = 0;
  std::string currency;  ///< model currency, e.g. "USD"
  int grid_width = 0, grid_height = 0;
  double cell_km = 1.0;
  std::vector<RegionSpec> regions;
  std::vector<MetricSpec> metrics;
  std::vector<FieldSpec> fields;
  std::vector<AgentTableSpec> agent_tables;
  std::vector<std::string> event_kind_names;  ///< index = Event::kind; written as an HDF5 enum
  std::vector<std::string> agent_type_names;  ///< index = Event::subject_type/object_type
  int flush_every_steps = 12;                 ///< flush the file every N appended steps (>= 1)
  OutputLevel level = OutputLevel::full;      ///< what the file holds; append_* calls for more are ignored
};

/// What is known at the end of a run.
struct RunFooter {
  std::string finished_at_utc;
  std::int64_t steps_completed = 0;
  double wall_seconds = 0.0;
  /// Run totals, metric-major (summary[m * n_regions + r]): a flow summed over the steps, a stock's
  /// value at the last step. Written as /summary/<metric> [region]; empty: no /summary group.
  std::vector<double> summary;
};

/// Writes one run to NAME.h5.partial and renames it to NAME.h5 only in finish().
/// If the object is destroyed without finish() (error, exception), the .partial file stays,
/// closed cleanly, holding every step appended so far, with root attribute status="incomplete".
///
/// Threading: every HDF5 call (file creation included) runs on one writer thread that the object
/// owns. The public calls validate their arguments at once (OutputError), copy the data and queue
/// it; the writer thread compresses and writes it. The queue is bounded (512 MiB): a caller that
/// gets that far ahead waits. A failure on the writer thread (e.g. disk full) is kept and thrown,
/// as the same OutputError, by the next public call, by flush() and by finish(). Flush points
/// depend only on the sequence of calls, so the file does not depend on thread timing.
/// One RunWriter must be used from one thread at a time.
class RunWriter {
 public:
  /// Creates `final_path` + ".partial" (truncating one left from an earlier run); waits until
  /// the writer thread has created it. @throws OutputError if the directory does not exist or is not writable, with the
  /// path and a hint.
  RunWriter(std::filesystem::path final_path, const RunHeader& header);
  ~RunWriter();
  RunWriter(const RunWriter&) = delete;
  RunWriter& operator=(const RunWriter&) = delete;

  /// "NAME.h5" -> "NAME.h5.partial".
  static std::filesystem::path partial_path(const std::filesystem::path& final_path);

  /// Appends one row to every /timeseries dataset and to /time.
  /// `values` is metric-major: values[m * n_regions + r], size n_metrics * n_regions.
  /// Flushes the file every header.flush_every_steps calls (on the writer thread, asynchronously).
  /// @throws OutputError on size mismatch, or the writer thread's earlier failure.
  void append_step(std::int64_t step, const std::string& date, double decimal_year, std::span<const double> values);

  /// Appends rows to /events.
  void append_events(std::span<const sim::Event> events);

  /// Appends one snapshot of every field (in header.fields order), each H*W row-major (y, then x).
  void append_field_snapshot(std::int64_t step, std::span<const std::span<const float>> fields);

  /// Appends a snapshot of agent table `table` (index into header.agent_tables).
  /// `columns` in the table's column order, each the same length as `ids`.
  void append_agent_snapshot(std::int64_t step, std::size_t table, std::span<const std::int64_t> ids,
                             std::span<const std::span<const double>> columns);

  /// Writes everything appended so far to the file and fsyncs it; returns when that is done.
  void flush();

  /// Waits for every queued write, then writes the footer attributes, sets status="complete",
  /// closes and renames .partial -> final.
  void finish(const RunFooter& footer);

  /// Seconds the writer thread has spent in HDF5 work (compressing, writing, flushing, closing)
  /// so far; final once finish() returned.
  double worker_busy_seconds() const;

  /// Path of the file being written (the .partial until finish()).
  const std::filesystem::path& current_path() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace biocluster::output
