/// @file The run file's layout (docs/OUTPUT.md): header validation, the batch of rows of one
/// flush, and RunFile, which creates, appends to, finishes and closes the HDF5 file.
///
/// Crash safety, in short (details: docs/OUTPUT.md, "Flushing and interrupted runs"):
///  * a flush appends the buffered rows to every dataset and H5Fflush()es; then it appends the
///    snapshot indexes, bumps the root attribute `steps_written` (which vouch for those rows),
///    H5Fflush()es and fsync()s. A process killed between flushes leaves exactly the state of
///    the last flush on disk.
///  * The file is written in HDF5's SWMR mode (single writer / multiple readers), whose write
///    ordering keeps the file readable at every instant, so a kill *during* a flush also leaves
///    a readable file. SWMR mode marks the superblock "open for writing"; a killed run's file
///    must therefore be opened with the SWMR-read flag (h5py: swmr=True) or cleared with
///    `h5clear -s`. Files closed by finish() or by the destructor open normally.
///  * SWMR never reuses file space, so every flush leaves the superseded copy of each partly
///    filled chunk behind. finish() writes a compact copy when that dead space is large.
#include "output/run_layout.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>
#include <set>
#include <system_error>
#include <utility>

#include "sim/errors.hpp"

namespace biocluster::output::layout {
namespace {

namespace fs = std::filesystem;

constexpr int kFormatVersion = 1;
// gzip level 1, chosen by measurement (scenarios/bench/national.toml, --steps 120, 1 thread, two runs
// each, 2-core EPYC, issue #7): level 1: writer thread busy 1.48/1.60 s, critical path 0.39/0.40 s,
// file 57.4 MB; level 2: 1.59/1.56 s, 0.43/0.41 s, 56.8 MB; level 4: 2.06/2.16 s, 0.48/0.50 s,
// 54.6 MB. Level 1 costs about a quarter less compression time for a 5% larger file.
constexpr unsigned kDeflateLevel = 1;
constexpr hsize_t kStepsPerChunk = 64;               // /timeseries: 64 steps x all regions
constexpr hsize_t kSnapshotChunk = 256;              // /fields/step and the agent snapshot index arrays
constexpr hsize_t kEventChunk = 4096;                // /events rows
constexpr hsize_t kAgentRowChunk = 8192;             // /agents/<type>/id and columns
constexpr hsize_t kMaxChunkBytes = 4u << 20;         // no chunk above 4 MiB
constexpr hsize_t kCompactMinOverhead = 256u << 10;  // finish() compacts above this much dead space

constexpr const char* kIoHint =
    "check free disk space and that the file was not moved or deleted while the run was writing it";

std::string output_prefix(const fs::path& path) { return "HDF5 output '" + path.string() + "': "; }

// ---------------------------------------------------------------------------------------------
// Header validation (fails before any file is touched).

void check_link_name(const fs::path& path, const std::string& kind, const std::string& name) {
  if (name.empty() || name == "." || name == ".." || name.find('/') != std::string::npos ||
      name.find('\0') != std::string::npos)
    throw OutputError(output_prefix(path) + kind + " name '" + name +
                      "' cannot be an HDF5 object name; use a non-empty name without '/'");
}

void check_unique(const fs::path& path, const std::string& kind, const std::vector<std::string>& names,
                  const std::set<std::string>& reserved = {}) {
  std::set<std::string> seen;
  for (const auto& n : names) {
    if (reserved.count(n) != 0)
      throw OutputError(output_prefix(path) + kind + " name '" + n + "' is reserved by the file layout; rename it");
    if (!seen.insert(n).second)
      throw OutputError(output_prefix(path) + "duplicate " + kind + " name '" + n + "'; names must be unique");
  }
}

template <class T>
std::vector<std::string> names_of(const std::vector<T>& specs) {
  std::vector<std::string> out;
  out.reserve(specs.size());
  for (const auto& s : specs) out.push_back(s.name);
  return out;
}

}  // namespace

void validate_header(const fs::path& path, const RunHeader& h) {
  auto bad = [&](const std::string& what) { throw OutputError(output_prefix(path) + "invalid run header: " + what); };
  if (h.flush_every_steps < 1) bad("flush_every_steps is " + std::to_string(h.flush_every_steps) + ", must be >= 1");
  if (h.grid_width < 0 || h.grid_height < 0)
    bad("grid size " + std::to_string(h.grid_width) + " x " + std::to_string(h.grid_height) + " is negative");
  if (!h.fields.empty() && (h.grid_width == 0 || h.grid_height == 0))
    bad("fields are declared but the grid is empty (" + std::to_string(h.grid_width) + " x " +
        std::to_string(h.grid_height) + ")");
  if (h.event_kind_names.size() > static_cast<std::size_t>(std::numeric_limits<std::int16_t>::max()) + 1)
    bad("too many event kinds (" + std::to_string(h.event_kind_names.size()) + ", at most 32768)");
  if (h.agent_type_names.size() > static_cast<std::size_t>(std::numeric_limits<std::int8_t>::max()) + 1)
    bad("too many agent types (" + std::to_string(h.agent_type_names.size()) + ", at most 128)");

  for (const auto& m : h.metrics) check_link_name(path, "metric", m.name);
  check_unique(path, "metric", names_of(h.metrics));
  for (const auto& f : h.fields) check_link_name(path, "field", f.name);
  check_unique(path, "field", names_of(h.fields), {"step"});
  std::vector<std::string> tables;
  for (const auto& t : h.agent_tables) {
    check_link_name(path, "agent table", t.type_name);
    tables.push_back(t.type_name);
    for (const auto& c : t.columns) check_link_name(path, "agent column", c.name);
    check_unique(path, "agent column", names_of(t.columns),
                 {"id", "snapshot_step", "snapshot_start", "snapshot_count"});
  }
  check_unique(path, "agent table", tables);
  for (const auto& k : h.event_kind_names)
    if (k.empty()) bad("an event kind name is empty");
  check_unique(path, "event kind", h.event_kind_names);
  for (const auto& a : h.agent_type_names)
    if (a.empty()) bad("an agent type name is empty");
  check_unique(path, "agent type", h.agent_type_names, {"none"});
  if (h.start_date.size() > kDateLen) bad("start_date '" + h.start_date + "' is not YYYY-MM");
}

// ---------------------------------------------------------------------------------------------
// Batch

Batch::Batch(const RunHeader& h) : metric(h.metrics.size()), field(h.fields.size()), tables(h.agent_tables.size()) {
  for (std::size_t k = 0; k < h.agent_tables.size(); ++k) tables[k].cols.resize(h.agent_tables[k].columns.size());
}

void Batch::clear() {
  step.clear();
  date.clear();
  year.clear();
  for (auto& m : metric) m.clear();
  events.clear();
  field_step.clear();
  for (auto& f : field) f.clear();
  for (auto& b : tables) {
    b.snap_step.clear();
    b.snap_start.clear();
    b.snap_count.clear();
    b.ids.clear();
    for (auto& c : b.cols) c.clear();
  }
  bytes = 0;
}

// =============================================================================================
// RunFile

RunFile::RunFile(fs::path final_path, fs::path partial, const RunHeader& header)
    : final_path_(std::move(final_path)),
      partial_(std::move(partial)),
      header_(header),
      n_regions_(header.regions.size()),
      io_(output_prefix(partial_), kIoHint) {}

template <class Self, class F>
void RunFile::for_each_dataset(Self& self, F&& f) {
  f(self.time_step_);
  f(self.time_date_);
  f(self.time_year_);
  for (auto& d : self.metrics_) f(d);
  f(self.events_);
  for (auto& d : self.fields_) f(d);
  f(self.field_step_);
  for (auto& t : self.tables_) {
    f(t.snap_step);
    f(t.snap_start);
    f(t.snap_count);
    f(t.ids);
    for (auto& d : t.cols) f(d);
  }
}

// ----- objects --------------------------------------------------------------------------------

void RunFile::describe(hid_t loc, const std::string& units, const std::string& description) const {
  io_.attr_str(loc, "units", units);
  io_.attr_str(loc, "description", description);
}

/// Creates a chunked, shuffled, deflated dataset, extendible along its first dimension.
/// `dims` gives the fixed trailing dimensions (dims[0] is ignored and starts at 0).
RunFile::Dset RunFile::extendible(hid_t loc, const std::string& name, hid_t file_type, int rank,
                                  std::array<hsize_t, 3> dims, std::array<hsize_t, 3> chunk, const void* fill,
                                  hid_t fill_type) const {
  Dset d;
  d.rank = rank;
  d.dims = dims;
  d.dims[0] = 0;
  std::array<hsize_t, 3> maxdims = d.dims;
  maxdims[0] = H5S_UNLIMITED;
  for (int i = 1; i < rank; ++i) {
    if (d.dims[i] == 0) maxdims[i] = H5S_UNLIMITED;  // an empty axis cannot hold a chunk
    chunk[i] = std::max<hsize_t>(1, std::min(chunk[i], std::max<hsize_t>(1, d.dims[i])));
  }
  chunk[0] = std::max<hsize_t>(1, chunk[0]);
  h5::Handle space =
      io_.own(H5Screate_simple(rank, d.dims.data(), maxdims.data()), "create dataspace for '" + name + "'");
  h5::Handle dcpl = io_.untimed_plist(H5P_DATASET_CREATE);
  io_.ok(H5Pset_chunk(dcpl.get(), rank, chunk.data()), "set chunking of '" + name + "'");
  io_.ok(H5Pset_shuffle(dcpl.get()), "set shuffle filter of '" + name + "'");
  io_.ok(H5Pset_deflate(dcpl.get(), kDeflateLevel), "set gzip filter of '" + name + "'");
  if (fill != nullptr) io_.ok(H5Pset_fill_value(dcpl.get(), fill_type, fill), "set fill value of '" + name + "'");
  d.id = io_.own(H5Dcreate2(loc, name.c_str(), file_type, space.get(), H5P_DEFAULT, dcpl.get(), H5P_DEFAULT),
                 "create dataset '" + name + "'");
  return d;
}

/// Appends `n` rows (each the size of the trailing dimensions) from `buf` to `d`.
void RunFile::append_rows(Dset& d, hid_t mem_type, const void* buf, hsize_t n, const std::string& what) const {
  if (n == 0) return;
  std::array<hsize_t, 3> start{d.dims[0], 0, 0};
  std::array<hsize_t, 3> count = d.dims;
  count[0] = n;
  std::array<hsize_t, 3> next = d.dims;
  next[0] += n;
  io_.ok(H5Dset_extent(d.id.get(), next.data()), "extend " + what);
  h5::Handle fspace = io_.own(H5Dget_space(d.id.get()), "get dataspace of " + what);
  io_.ok(H5Sselect_hyperslab(fspace.get(), H5S_SELECT_SET, start.data(), nullptr, count.data(), nullptr),
         "select rows of " + what);
  h5::Handle mspace = io_.own(H5Screate_simple(d.rank, count.data(), nullptr), "create memory dataspace");
  io_.ok(H5Dwrite(d.id.get(), mem_type, mspace.get(), fspace.get(), H5P_DEFAULT, buf), "write " + what);
  d.dims = next;
}

// ----- construction ---------------------------------------------------------------------------

/// Latest file format (needed for SWMR); STRONG close degree: H5Fclose closes anything left open.
h5::Handle RunFile::file_access_plist() const {
  h5::Handle fapl = io_.own(H5Pcreate(H5P_FILE_ACCESS), "create file access property list");
  io_.ok(H5Pset_libver_bounds(fapl.get(), H5F_LIBVER_LATEST, H5F_LIBVER_LATEST), "set file format bounds");
  io_.ok(H5Pset_fclose_degree(fapl.get(), H5F_CLOSE_STRONG), "set file close degree");
  // File locking: use it, but do not fail on file systems without flock (some NFS mounts).
  io_.ok(H5Pset_file_locking(fapl.get(), 1, 1), "set file locking");
  return fapl;
}

void RunFile::create_file() {
  const fs::path dir = partial_.has_parent_path() ? partial_.parent_path() : fs::path(".");
  const std::string hint = "cannot create '" + partial_.string() +
                           "': directory does not exist or is not writable; pass -o with a writable path";
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw OutputError(hint + " (no directory '" + dir.string() + "')");
  if (fs::is_directory(final_path_, ec))
    throw OutputError("cannot write run file '" + final_path_.string() +
                      "': a directory of that name exists; pass -o with a file name such as run.h5");

  // No time stamps on the root group (with the dataset/group settings: reproducible files).
  h5::Handle fcpl = io_.untimed_plist(H5P_FILE_CREATE);
  h5::Handle fapl = file_access_plist();
  file_ = h5::Handle(H5Fcreate(partial_.c_str(), H5F_ACC_TRUNC, fcpl.get(), fapl.get()));
  if (!file_.valid()) {
    const std::string detail = h5::error_text();
    throw OutputError(hint + (detail.empty() ? std::string() : " (HDF5: " + detail + ")"));
  }
}

void RunFile::write_header_attributes(hid_t root) const {
  const RunHeader& h = header_;
  io_.attrs(root, {{"format", "biocluster-run"},
                   {"format_version", std::int32_t{kFormatVersion}},
                   {"status", "incomplete"},
                   {"scenario_file", h.scenario_file},
                   {"scenario_sources", h.scenario_sources},
                   {"resolved_parameters", h.resolved_parameters},
                   {"seed", h.seed},
                   {"program_version", h.program_version},
                   {"git_revision", h.git_revision},
                   {"threads", std::int32_t{h.threads}},
                   {"started_at_utc", h.started_at_utc},
                   {"start_date", h.start_date},
                   {"planned_steps", h.planned_steps},
                   {"currency", h.currency},
                   {"flush_every_steps", std::int32_t{h.flush_every_steps}},
                   {"output_level", output_level_name(h.level)},
                   {"steps_written", std::int64_t{0}}});
}

void RunFile::create_grid_and_regions() {
  const RunHeader& h = header_;
  h5::Handle grid = io_.group(file_.get(), "grid");
  io_.attr_i32(grid.get(), "width", h.grid_width);
  io_.attr_i32(grid.get(), "height", h.grid_height);
  io_.attr_f64(grid.get(), "cell_km", h.cell_km);
  io_.ok(grid.reset(), "close group 'grid'");

  // /regions: packed compound rows, built byte by byte.
  std::size_t name_len = 1;
  for (const auto& r : h.regions) name_len = std::max(name_len, r.name.size());
  h5::Handle str = io_.fixed_string_type(name_len, H5T_CSET_UTF8);
  // h5py reads an int8 enum {FALSE=0, TRUE=1} as numpy bool.
  h5::Handle boolean = io_.own(H5Tenum_create(H5T_NATIVE_INT8), "create bool enum");
  const std::int8_t f0 = 0, t1 = 1;
  io_.ok(H5Tenum_insert(boolean.get(), "FALSE", &f0), "build bool enum");
  io_.ok(H5Tenum_insert(boolean.get(), "TRUE", &t1), "build bool enum");

  const char* dnames[] = {
      "x_km", "y_km", "radius_km", "rent_usd_per_m2_month", "amenity_index", "travel_time_to_capital_h"};
  const std::size_t row = name_len + 1 + 6 * sizeof(double);
  h5::Handle type = io_.own(H5Tcreate(H5T_COMPOUND, row), "create region type");
  io_.ok(H5Tinsert(type.get(), "name", 0, str.get()), "build region type");
  io_.ok(H5Tinsert(type.get(), "capital_area", name_len, boolean.get()), "build region type");
  for (std::size_t i = 0; i < 6; ++i)
    io_.ok(H5Tinsert(type.get(), dnames[i], name_len + 1 + i * sizeof(double), H5T_NATIVE_DOUBLE), "build region type");

  std::vector<unsigned char> bytes(row * h.regions.size(), 0);
  for (std::size_t k = 0; k < h.regions.size(); ++k) {
    const RegionSpec& r = h.regions[k];
    unsigned char* p = bytes.data() + k * row;
    std::memcpy(p, r.name.data(), r.name.size());
    p[name_len] = r.capital_area ? 1 : 0;
    const double d[6] = {
        r.x_km, r.y_km, r.radius_km, r.rent_usd_per_m2_month, r.amenity_index, r.travel_time_to_capital_h};
    std::memcpy(p + name_len + 1, d, sizeof d);
  }
  h5::Handle ds = io_.dataset(file_.get(), "regions", type.get(), {h.regions.size()});
  io_.write(ds.get(), type.get(), bytes.data(), h.regions.size(), "'regions'");
  io_.ok(ds.reset(), "close dataset 'regions'");
}

void RunFile::create_time() {
  h5::Handle time = io_.group(file_.get(), "time");
  time_step_ = extendible(time.get(), "step", H5T_STD_I64LE, 1, {0, 0, 0}, {kStepsPerChunk, 0, 0});
  describe(time_step_.id.get(), "step", "simulation step of each row of /timeseries");
  h5::Handle date = io_.fixed_string_type(kDateLen, H5T_CSET_ASCII);
  time_date_ = extendible(time.get(), "date", date.get(), 1, {0, 0, 0}, {kStepsPerChunk, 0, 0});
  describe(time_date_.id.get(), "YYYY-MM", "calendar month of each step");
  time_year_ = extendible(time.get(), "decimal_year", H5T_IEEE_F64LE, 1, {0, 0, 0}, {kStepsPerChunk, 0, 0});
  describe(time_year_.id.get(), "year", "decimal year of each step (e.g. 2026.5 for July 2026)");
  io_.ok(time.reset(), "close group 'time'");
}

void RunFile::create_timeseries() {
  h5::Handle ts = io_.group(file_.get(), "timeseries");
  const double nan = std::numeric_limits<double>::quiet_NaN();
  hsize_t steps_per_chunk = kStepsPerChunk;
  const hsize_t row_bytes = std::max<hsize_t>(1, n_regions_) * sizeof(double);
  while (steps_per_chunk > 1 && steps_per_chunk * row_bytes > kMaxChunkBytes) steps_per_chunk /= 2;
  for (const auto& m : header_.metrics) {
    Dset d = extendible(ts.get(), m.name, H5T_IEEE_F64LE, 2, {0, n_regions_, 0}, {steps_per_chunk, n_regions_, 0}, &nan,
                        H5T_NATIVE_DOUBLE);
    describe(d.id.get(), m.unit, m.description);
    io_.attr_str(d.id.get(), "dimensions", "step, region");
    io_.attr_str(d.id.get(), "kind", m.kind);
    metrics_.push_back(std::move(d));
  }
  io_.ok(ts.reset(), "close group 'timeseries'");
}

void RunFile::create_events() {
  // HDF5 cannot copy an enum without members (H5Tcopy crashes in 1.10.8): with no kinds declared
  // (so no events can be appended), `kind` is a plain int16.
  h5::Handle kind =
      io_.own(header_.event_kind_names.empty() ? H5Tcopy(H5T_NATIVE_INT16) : H5Tenum_create(H5T_NATIVE_INT16),
              "create event kind enum");
  for (std::size_t i = 0; i < header_.event_kind_names.size(); ++i) {
    const auto v = static_cast<std::int16_t>(i);
    io_.ok(H5Tenum_insert(kind.get(), header_.event_kind_names[i].c_str(), &v),
           "add event kind '" + header_.event_kind_names[i] + "'");
  }
  h5::Handle agent = io_.own(H5Tenum_create(H5T_NATIVE_INT8), "create agent type enum");
  const std::int8_t none = -1;
  io_.ok(H5Tenum_insert(agent.get(), "none", &none), "add agent type 'none'");
  for (std::size_t i = 0; i < header_.agent_type_names.size(); ++i) {
    const auto v = static_cast<std::int8_t>(i);
    io_.ok(H5Tenum_insert(agent.get(), header_.agent_type_names[i].c_str(), &v),
           "add agent type '" + header_.agent_type_names[i] + "'");
  }
  using sim::Event;
  h5::Handle t = io_.own(H5Tcreate(H5T_COMPOUND, sizeof(Event)), "create event type");
  const std::string what = "build event type";
  io_.ok(H5Tinsert(t.get(), "step", HOFFSET(Event, step), H5T_NATIVE_INT32), what);
  io_.ok(H5Tinsert(t.get(), "kind", HOFFSET(Event, kind), kind.get()), what);
  io_.ok(H5Tinsert(t.get(), "region", HOFFSET(Event, region), H5T_NATIVE_INT16), what);
  io_.ok(H5Tinsert(t.get(), "subject_type", HOFFSET(Event, subject_type), agent.get()), what);
  io_.ok(H5Tinsert(t.get(), "object_type", HOFFSET(Event, object_type), agent.get()), what);
  io_.ok(H5Tinsert(t.get(), "detail", HOFFSET(Event, detail), H5T_NATIVE_INT16), what);
  io_.ok(H5Tinsert(t.get(), "aux", HOFFSET(Event, aux), H5T_NATIVE_INT32), what);
  io_.ok(H5Tinsert(t.get(), "subject_id", HOFFSET(Event, subject_id), H5T_NATIVE_INT64), what);
  io_.ok(H5Tinsert(t.get(), "object_id", HOFFSET(Event, object_id), H5T_NATIVE_INT64), what);
  io_.ok(H5Tinsert(t.get(), "amount", HOFFSET(Event, amount), H5T_NATIVE_DOUBLE), what);
  io_.ok(H5Tinsert(t.get(), "value", HOFFSET(Event, value), H5T_NATIVE_DOUBLE), what);
  h5::Handle packed = io_.own(H5Tcopy(t.get()), "copy event type");
  io_.ok(H5Tpack(packed.get()), "pack event type");
  events_ = extendible(file_.get(), "events", packed.get(), 1, {0, 0, 0}, {kEventChunk, 0, 0});
  io_.attr_str(events_.id.get(), "description",
               "events in the order they happened; kind, subject_type and "
               "object_type are HDF5 enums");
  io_.attr_str(events_.id.get(), "amount_units", header_.currency);
  event_mem_type_ = std::move(t);
}

void RunFile::create_fields() {
  h5::Handle g = io_.group(file_.get(), "fields");
  field_step_ = extendible(g.get(), "step", H5T_STD_I64LE, 1, {0, 0, 0}, {kSnapshotChunk, 0, 0});
  describe(field_step_.id.get(), "step", "simulation step of each field snapshot");
  const auto h = static_cast<hsize_t>(header_.grid_height);
  const auto w = static_cast<hsize_t>(header_.grid_width);
  // Chunk = one whole snapshot, or bands of rows (and columns) so that no chunk exceeds 4 MiB.
  hsize_t cw = std::max<hsize_t>(1, std::min<hsize_t>(w, kMaxChunkBytes / sizeof(float)));
  hsize_t ch = std::max<hsize_t>(1, std::min<hsize_t>(h, kMaxChunkBytes / sizeof(float) / cw));
  const float nan = std::numeric_limits<float>::quiet_NaN();
  for (const auto& f : header_.fields) {
    Dset d = extendible(g.get(), f.name, H5T_IEEE_F32LE, 3, {0, h, w}, {1, ch, cw}, &nan, H5T_NATIVE_FLOAT);
    describe(d.id.get(), f.unit, f.description);
    io_.attr_str(d.id.get(), "dimensions", "snapshot, y, x");
    fields_.push_back(std::move(d));
  }
  io_.ok(g.reset(), "close group 'fields'");
}

void RunFile::create_agent_tables() {
  h5::Handle agents = io_.group(file_.get(), "agents");
  for (const auto& spec : header_.agent_tables) {
    h5::Handle g = io_.group(agents.get(), spec.type_name);
    AgentTable t;
    t.snap_step = extendible(g.get(), "snapshot_step", H5T_STD_I64LE, 1, {0, 0, 0}, {kSnapshotChunk, 0, 0});
    describe(t.snap_step.id.get(), "step", "simulation step of each snapshot");
    t.snap_start = extendible(g.get(), "snapshot_start", H5T_STD_I64LE, 1, {0, 0, 0}, {kSnapshotChunk, 0, 0});
    describe(t.snap_start.id.get(), "row", "first row of each snapshot in id and the column datasets");
    t.snap_count = extendible(g.get(), "snapshot_count", H5T_STD_I64LE, 1, {0, 0, 0}, {kSnapshotChunk, 0, 0});
    describe(t.snap_count.id.get(), "rows", "number of rows (agents) in each snapshot");
    t.ids = extendible(g.get(), "id", H5T_STD_I64LE, 1, {0, 0, 0}, {kAgentRowChunk, 0, 0});
    describe(t.ids.id.get(), "id", "agent id of each row");
    std::vector<std::string> cols;
    const double nan = std::numeric_limits<double>::quiet_NaN();
    for (const auto& c : spec.columns) {
      Dset d =
          extendible(g.get(), c.name, H5T_IEEE_F64LE, 1, {0, 0, 0}, {kAgentRowChunk, 0, 0}, &nan, H5T_NATIVE_DOUBLE);
      describe(d.id.get(), c.unit, c.description);
      t.cols.push_back(std::move(d));
      cols.push_back(c.name);
    }
    io_.attr_str_list(g.get(), "columns", cols);
    io_.ok(g.reset(), "close group 'agents/" + spec.type_name + "'");
    tables_.push_back(std::move(t));
  }
  io_.ok(agents.reset(), "close group 'agents'");
}

void RunFile::create() {
  create_file();
  try {
    write_header_attributes(file_.get());
    create_grid_and_regions();
    create_time();
    // What the output level leaves out is absent, not empty (docs/OUTPUT.md, "Output levels").
    if (header_.level >= OutputLevel::series) create_timeseries();
    if (header_.level >= OutputLevel::events) create_events();
    if (header_.level >= OutputLevel::full) {
      create_fields();
      create_agent_tables();
    }
    sync_to_disk();
    // From here on the file is only appended to, in SWMR mode (see the file comment).
    io_.ok(H5Fstart_swmr_write(file_.get()), "start SWMR writing");
  } catch (...) {
    close_all();
    std::error_code ec;
    fs::remove(partial_, ec);
    throw;
  }
}

// ----- flushing -------------------------------------------------------------------------------

/// Phase 1 of a flush: every row of data (everything except the snapshot index datasets).
void RunFile::write_rows(const Batch& b) {
  const auto steps = static_cast<hsize_t>(b.step.size());
  append_rows(time_step_, H5T_NATIVE_INT64, b.step.data(), steps, "/time/step");
  {
    h5::Handle date = io_.fixed_string_type(kDateLen, H5T_CSET_ASCII);
    append_rows(time_date_, date.get(), b.date.data(), steps, "/time/date");
  }
  append_rows(time_year_, H5T_NATIVE_DOUBLE, b.year.data(), steps, "/time/decimal_year");
  for (std::size_t m = 0; m < metrics_.size(); ++m)
    append_rows(metrics_[m], H5T_NATIVE_DOUBLE, b.metric[m].data(), steps, "/timeseries/" + header_.metrics[m].name);
  append_rows(events_, event_mem_type_.get(), b.events.data(), b.events.size(), "/events");

  const auto snaps = static_cast<hsize_t>(b.field_step.size());
  for (std::size_t f = 0; f < fields_.size(); ++f)
    append_rows(fields_[f], H5T_NATIVE_FLOAT, b.field[f].data(), snaps, "/fields/" + header_.fields[f].name);

  for (std::size_t k = 0; k < tables_.size(); ++k) {
    AgentTable& t = tables_[k];
    const AgentBuffer& ab = b.tables[k];
    const std::string where = "/agents/" + header_.agent_tables[k].type_name;
    const auto rows = static_cast<hsize_t>(ab.ids.size());
    for (std::size_t c = 0; c < t.cols.size(); ++c)
      append_rows(t.cols[c], H5T_NATIVE_DOUBLE, ab.cols[c].data(), rows,
                  where + "/" + header_.agent_tables[k].columns[c].name);
    append_rows(t.ids, H5T_NATIVE_INT64, ab.ids.data(), rows, where + "/id");
    const auto n = static_cast<hsize_t>(ab.snap_step.size());
    append_rows(t.snap_start, H5T_NATIVE_INT64, ab.snap_start.data(), n, where + "/snapshot_start");
    append_rows(t.snap_count, H5T_NATIVE_INT64, ab.snap_count.data(), n, where + "/snapshot_count");
  }
}

/// Phase 2 of a flush, once phase 1 is on disk: the index entries that vouch for those rows.
void RunFile::write_snapshot_index(const Batch& b) {
  append_rows(field_step_, H5T_NATIVE_INT64, b.field_step.data(), b.field_step.size(), "/fields/step");
  for (std::size_t k = 0; k < tables_.size(); ++k)
    append_rows(tables_[k].snap_step, H5T_NATIVE_INT64, b.tables[k].snap_step.data(), b.tables[k].snap_step.size(),
                "/agents/" + header_.agent_tables[k].type_name + "/snapshot_step");
}

/// H5Fflush, then fsync: the flushed state survives an OS crash or power loss, not only a kill.
void RunFile::sync_to_disk() const {
  io_.ok(H5Fflush(file_.get(), H5F_SCOPE_GLOBAL), "flush file");
  void* handle = nullptr;
  io_.ok(H5Fget_vfd_handle(file_.get(), H5P_DEFAULT, &handle), "get file descriptor");
  if (handle != nullptr && ::fsync(*static_cast<int*>(handle)) != 0)
    io_.fail(std::string("fsync failed: ") + std::strerror(errno));
}

void RunFile::flush(const Batch& b) {
  if (broken_)
    throw OutputError(output_prefix(partial_) +
                      "an earlier write failed; the file holds the steps up to the last "
                      "successful flush");
  if (!file_.valid()) return;
  try {
    // Rows first; then, once they are on disk, the snapshot index and step count vouching for them.
    write_rows(b);
    io_.ok(H5Fflush(file_.get(), H5F_SCOPE_GLOBAL), "flush file");
    write_snapshot_index(b);
    const std::int64_t steps = steps_written_ + static_cast<std::int64_t>(b.step.size());
    io_.attr_i64(file_.get(), "steps_written", steps);
    sync_to_disk();
    steps_written_ = steps;
  } catch (...) {
    broken_ = true;
    throw;
  }
}

// ----- finishing ------------------------------------------------------------------------------

/// Bytes of dataset storage (compressed chunks) in the file, summed over all datasets.
hsize_t RunFile::data_bytes() const {
  hsize_t total = 0;
  for_each_dataset(*this, [&total](const Dset& d) {
    if (d.id.valid()) total += H5Dget_storage_size(d.id.get());
  });
  return total;
}

/// /summary/<metric> [region]: the run totals the caller computed (a flow's sum over the steps, a
/// stock's last value), with the metric's units and kind; what sweeps and experiments read.
void RunFile::write_summary(hid_t root, const RunFooter& footer) const {
  if (footer.summary.empty()) return;
  h5::Handle g = io_.group(root, "summary");
  io_.attr_str(g.get(), "description",
               "run totals per metric and region: flows summed over the steps, stocks at the last step");
  for (std::size_t m = 0; m < header_.metrics.size(); ++m) {
    const MetricSpec& spec = header_.metrics[m];
    h5::Handle d = io_.dataset(g.get(), spec.name, H5T_IEEE_F64LE, {n_regions_});
    io_.write(d.get(), H5T_NATIVE_DOUBLE, footer.summary.data() + m * n_regions_, n_regions_, "/summary/" + spec.name);
    describe(d.get(), spec.unit, spec.description);
    io_.attr_str(d.get(), "dimensions", "region");
    io_.attr_str(d.get(), "kind", spec.kind);
    io_.attr_str(d.get(), "summary", spec.kind == "flow" ? "sum" : "final");
    io_.ok(d.reset(), "close /summary/" + spec.name);
  }
  io_.ok(g.reset(), "close group 'summary'");
}

void RunFile::write_footer(hid_t root, const RunFooter& footer) const {
  write_summary(root, footer);
  io_.attrs(root, {{"finished_at_utc", footer.finished_at_utc},
                   {"steps_completed", footer.steps_completed},
                   {"wall_seconds", footer.wall_seconds},
                   {"status", "complete"}});
}

/// Copies every object of the (closed) partial file into a new file `to`, leaving behind the
/// superseded chunk copies that SWMR writing accumulates, and writes the root attributes.
void RunFile::write_compact_copy(const fs::path& to, const RunFooter& footer) const {
  const h5::Checked out(output_prefix(to), kIoHint);
  h5::Handle fapl = file_access_plist();
  h5::Handle src = io_.own(H5Fopen(partial_.c_str(), H5F_ACC_RDONLY, fapl.get()), "reopen to compact");
  h5::Handle fcpl = io_.untimed_plist(H5P_FILE_CREATE);
  h5::Handle dst =
      out.own(H5Fcreate(to.c_str(), H5F_ACC_TRUNC, fcpl.get(), fapl.get()), "cannot create the compacted copy");
  for (const char* name : {"grid", "regions", "time", "timeseries", "events", "fields", "agents"})
    if (H5Lexists(src.get(), name, H5P_DEFAULT) > 0)
      out.ok(H5Ocopy(src.get(), name, dst.get(), name, H5P_DEFAULT, H5P_DEFAULT),
             std::string("copying /") + name + " into the compacted file failed");
  write_header_attributes(dst.get());
  io_.attr_i64(dst.get(), "steps_written", steps_written_);
  write_footer(dst.get(), footer);
  io_.ok(H5Fflush(dst.get(), H5F_SCOPE_GLOBAL), "flush the compacted file");
  out.ok(dst.reset(), "closing the compacted file failed");
  io_.ok(src.reset(), "close file");
}

bool RunFile::close_all() noexcept {
  bool ok = true;
  for_each_dataset(*this, [&ok](Dset& d) { ok = (d.id.reset() >= 0) && ok; });
  ok = (event_mem_type_.reset() >= 0) && ok;
  if (file_.valid()) {
    const ssize_t open_objects = H5Fget_obj_count(file_.get(), H5F_OBJ_ALL & ~H5F_OBJ_FILE);
    if (open_objects != 0) ok = false;
    ok = (file_.reset() >= 0) && ok;
  }
  return ok;
}

void RunFile::finish(const RunFooter& footer) {
  hsize_t file_bytes = 0;
  io_.ok(H5Fget_filesize(file_.get(), &file_bytes), "get file size");
  const hsize_t data = data_bytes();
  // Close the SWMR session; footer attributes can only be added outside SWMR mode.
  if (!close_all()) io_.fail("closing the file failed");

  std::error_code ec;
  const hsize_t overhead = file_bytes > data ? file_bytes - data : 0;
  if (overhead > kCompactMinOverhead && overhead > data / 4) {
    fs::path tmp = partial_;
    tmp += ".tmp";
    try {
      write_compact_copy(tmp, footer);
    } catch (...) {
      fs::remove(tmp, ec);
      throw;
    }
    fs::rename(tmp, final_path_, ec);
    if (ec) {
      std::error_code ignored;
      fs::remove(tmp, ignored);
      throw OutputError("cannot rename '" + tmp.string() + "' to '" + final_path_.string() + "': " + ec.message() +
                        "; the run's data is in '" + partial_.string() + "'");
    }
    fs::remove(partial_, ec);  // a leftover .partial would only be redundant
  } else {
    h5::Handle fapl = file_access_plist();
    file_ = io_.own(H5Fopen(partial_.c_str(), H5F_ACC_RDWR, fapl.get()), "reopen to write the footer");
    write_footer(file_.get(), footer);
    io_.ok(H5Fflush(file_.get(), H5F_SCOPE_GLOBAL), "flush file");
    if (!close_all()) io_.fail("closing the file failed");
    fs::rename(partial_, final_path_, ec);
    if (ec)
      throw OutputError("cannot rename '" + partial_.string() + "' to '" + final_path_.string() + "': " + ec.message() +
                        "; the complete run is in '" + partial_.string() + "'");
  }
}

}  // namespace biocluster::output::layout
