/// @file HDF5 writer for one run (layout: docs/OUTPUT.md). All HDF5 C API use is confined here.
///
/// Threads: the public calls run on the caller's (simulation) thread: they validate, copy into a
/// Batch and, at each flush point, queue the batch. One writer thread per RunWriter makes every
/// HDF5 call (creation, writes, flushes, finish, close) in queue order. A failure there is stored
/// and rethrown by the next public call. Flush points are chosen on the caller's side from the
/// sequence of calls alone, so the file's contents never depend on thread timing.
///
/// Crash safety, in short (details: docs/OUTPUT.md, "Flushing and interrupted runs"):
///  * append_* only copy into memory buffers; the HDF5 library is not called between flushes,
///    so nothing in the file changes between two flushes. A flush is queued and done by the
///    writer thread; flush() and finish() wait for it, a process killed earlier loses it.
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
#include "output/run_writer.hpp"

#include <hdf5.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <array>
#include <cerrno>
#include <cmath>
#include <cstddef>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <exception>
#include <limits>
#include <optional>
#include <mutex>
#include <set>
#include <system_error>
#include <thread>
#include <utility>

#include "sim/errors.hpp"

namespace biocluster::output {
namespace {

// HDF5 must not run its atexit cleanup: when a write failed (disk full), the file that could not be
// closed stays open, and HDF5 1.10's library shutdown then crashes trying to close it. Without the
// cleanup the process exits with its error code and the .partial keeps what was flushed.
// Must run before any other HDF5 call, hence a static initialiser (HDF5 initialises lazily).
const bool kNoHdf5Atexit = [] { return H5dont_atexit() >= 0; }();

namespace fs = std::filesystem;

constexpr int kFormatVersion = 1;
// gzip level 1, chosen by measurement (scenarios/bench/national.toml, --steps 120, 1 thread, two runs
// each, 2-core EPYC, issue #7): level 1: writer thread busy 1.48/1.60 s, critical path 0.39/0.40 s,
// file 57.4 MB; level 2: 1.59/1.56 s, 0.43/0.41 s, 56.8 MB; level 4: 2.06/2.16 s, 0.48/0.50 s,
// 54.6 MB. Level 1 costs about a quarter less compression time for a 5% larger file.
constexpr unsigned kDeflateLevel = 1;
constexpr hsize_t kStepsPerChunk = 64;             // /timeseries: 64 steps x all regions
constexpr hsize_t kSnapshotChunk = 256;            // /fields/step and the agent snapshot index arrays
constexpr hsize_t kEventChunk = 4096;              // /events rows
constexpr hsize_t kAgentRowChunk = 8192;           // /agents/<type>/id and columns
constexpr hsize_t kMaxChunkBytes = 4u << 20;       // no chunk above 4 MiB
constexpr std::size_t kMaxBufferedBytes = 64u << 20;  // flush early when buffers exceed this
constexpr std::size_t kMaxQueuedBytes = 512u << 20;   // append_*/flush block while the writer thread lags this much
constexpr hsize_t kCompactMinOverhead = 256u << 10;   // finish() compacts above this much dead space
constexpr std::size_t kDateLen = 7;                // "YYYY-MM"

// ---------------------------------------------------------------------------------------------
// HDF5 plumbing: id ownership, error text, automatic error printing off.

/// Owns one HDF5 id; closes it with the matching H5?close.
class Hid {
 public:
  using Closer = herr_t (*)(hid_t);
  Hid() = default;
  Hid(hid_t id, Closer closer) : id_(id), closer_(closer) {}
  ~Hid() { reset(); }
  Hid(Hid&& o) noexcept : id_(std::exchange(o.id_, H5I_INVALID_HID)), closer_(o.closer_) {}
  Hid& operator=(Hid&& o) noexcept {
    if (this != &o) {
      reset();
      id_ = std::exchange(o.id_, H5I_INVALID_HID);
      closer_ = o.closer_;
    }
    return *this;
  }
  Hid(const Hid&) = delete;
  Hid& operator=(const Hid&) = delete;

  hid_t get() const { return id_; }
  bool valid() const { return id_ >= 0; }
  /// Closes the id; returns the close call's status (0 when there was nothing to close).
  herr_t reset() noexcept {
    herr_t status = 0;
    if (id_ >= 0 && closer_ != nullptr) status = closer_(id_);
    id_ = H5I_INVALID_HID;
    return status;
  }

 private:
  hid_t id_ = H5I_INVALID_HID;
  Closer closer_ = nullptr;
};

/// Turns HDF5's automatic error-stack printing off for the current thread (the library is
/// built thread-safe, where this setting is per thread) and restores the previous setting.
class QuietHdf5 {
 public:
  QuietHdf5() {
    if (H5Eget_auto2(H5E_DEFAULT, &func_, &data_) < 0) {
      func_ = nullptr;
      data_ = nullptr;
    }
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  }
  ~QuietHdf5() { H5Eset_auto2(H5E_DEFAULT, func_, data_); }
  QuietHdf5(const QuietHdf5&) = delete;
  QuietHdf5& operator=(const QuietHdf5&) = delete;

 private:
  H5E_auto2_t func_ = nullptr;
  void* data_ = nullptr;
};

herr_t innermost_error_cb(unsigned n, const H5E_error2_t* err, void* data) {
  if (n == 0 && err != nullptr) {
    auto* out = static_cast<std::string*>(data);
    if (err->func_name != nullptr) *out = std::string(err->func_name) + ": ";
    if (err->desc != nullptr) *out += err->desc;
  }
  return 0;
}

/// The innermost (most specific) message on the current thread's HDF5 error stack, then clears it.
std::string hdf5_error_text() {
  std::string text;
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, innermost_error_cb, &text);
  H5Eclear2(H5E_DEFAULT);
  return text;
}

[[noreturn]] void fail(const fs::path& path, const std::string& what, const std::string& hint) {
  std::string msg = "HDF5 output '" + path.string() + "': " + what;
  const std::string detail = hdf5_error_text();
  if (!detail.empty()) msg += " (HDF5: " + detail + ")";
  if (!hint.empty()) msg += "; " + hint;
  throw OutputError(msg);
}

constexpr const char* kIoHint =
    "check free disk space and that the file was not moved or deleted while the run was writing it";

std::string join_names(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

// ---------------------------------------------------------------------------------------------
// Header validation (fails before any file is touched).

void check_link_name(const fs::path& path, const std::string& kind, const std::string& name) {
  if (name.empty() || name == "." || name == ".." || name.find('/') != std::string::npos ||
      name.find('\0') != std::string::npos)
    throw OutputError("HDF5 output '" + path.string() + "': " + kind + " name '" + name +
                      "' cannot be an HDF5 object name; use a non-empty name without '/'");
}

void check_unique(const fs::path& path, const std::string& kind, const std::vector<std::string>& names,
                  const std::set<std::string>& reserved = {}) {
  std::set<std::string> seen;
  for (const auto& n : names) {
    if (reserved.count(n) != 0)
      throw OutputError("HDF5 output '" + path.string() + "': " + kind + " name '" + n +
                        "' is reserved by the file layout; rename it");
    if (!seen.insert(n).second)
      throw OutputError("HDF5 output '" + path.string() + "': duplicate " + kind + " name '" + n +
                        "'; names must be unique");
  }
}

template <class T>
std::vector<std::string> names_of(const std::vector<T>& specs) {
  std::vector<std::string> out;
  out.reserve(specs.size());
  for (const auto& s : specs) out.push_back(s.name);
  return out;
}

void validate_header(const fs::path& path, const RunHeader& h) {
  auto bad = [&](const std::string& what) {
    throw OutputError("HDF5 output '" + path.string() + "': invalid run header: " + what);
  };
  if (h.flush_every_steps < 1)
    bad("flush_every_steps is " + std::to_string(h.flush_every_steps) + ", must be >= 1");
  if (h.grid_width < 0 || h.grid_height < 0)
    bad("grid size " + std::to_string(h.grid_width) + " x " + std::to_string(h.grid_height) +
        " is negative");
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
// Buffered rows of one agent table.

struct AgentBuffer {
  std::vector<std::int64_t> snap_step, snap_start, snap_count;
  std::vector<std::int64_t> ids;
  std::vector<std::vector<double>> cols;
};

/// Everything appended between two flushes: filled by the simulation thread, written (and then
/// cleared for reuse) by the writer thread. One batch = one flush, so the flush points, and with
/// them the file's contents, depend only on the sequence of calls, never on thread timing.
struct Batch {
  std::vector<std::int64_t> step;
  std::vector<char> date;  // kDateLen bytes per step
  std::vector<double> year;
  std::vector<std::vector<double>> metric;  // per metric: steps x regions
  std::vector<sim::Event> events;
  std::vector<std::int64_t> field_step;
  std::vector<std::vector<float>> field;  // per field: snapshots x cells
  std::vector<AgentBuffer> tables;
  std::size_t bytes = 0;

  explicit Batch(const RunHeader& h) : metric(h.metrics.size()), field(h.fields.size()), tables(h.agent_tables.size()) {
    for (std::size_t k = 0; k < h.agent_tables.size(); ++k) tables[k].cols.resize(h.agent_tables[k].columns.size());
  }
  /// Empties every buffer, keeping its capacity (the batch is reused).
  void clear() {
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
};

// =============================================================================================

/// The HDF5 file of one run. Used only by the writer thread (RunWriter::Impl::worker_main).
struct Hdf5Run {
  /// An extendible dataset and its current extent.
  struct Dset {
    Hid id;
    int rank = 1;
    std::array<hsize_t, 3> dims{0, 0, 0};
  };
  struct AgentTable {
    Dset snap_step, snap_start, snap_count, ids;
    std::vector<Dset> cols;
  };

  fs::path final_path;
  fs::path partial;
  fs::path current;
  RunHeader header;  // copy: names, sizes, flush policy
  std::size_t n_regions = 0;
  std::size_t cells = 0;

  // ----- HDF5 objects (closed in close_all(), file last)
  Hid file;
  Hid event_mem_type;  // compound with sim::Event offsets
  Dset time_step, time_date, time_year;
  std::vector<Dset> metrics;
  Dset events;
  std::vector<Dset> fields;
  Dset field_step;
  std::vector<AgentTable> tables;

  std::int64_t steps_written = 0;   // steps on disk after the last flush
  bool broken = false;  // a write failed; the file is no longer extended

  // ------------------------------------------------------------------------------------------
  [[noreturn]] void fail_io(const std::string& what) const { fail(current, what, kIoHint); }

  hid_t check_id(hid_t id, const std::string& what) const {
    if (id < 0) fail_io(what);
    return id;
  }
  void check_ok(herr_t status, const std::string& what) const {
    if (status < 0) fail_io(what);
  }

  // ----- attributes ---------------------------------------------------------------------------
  void write_attr(hid_t loc, const char* name, hid_t file_type, hid_t mem_type, const void* value) {
    Hid space(check_id(H5Screate(H5S_SCALAR), "create scalar dataspace"), H5Sclose);
    const htri_t exists = H5Aexists(loc, name);
    if (exists < 0) fail_io(std::string("look up attribute '") + name + "'");
    Hid attr;
    if (exists > 0)
      attr = Hid(check_id(H5Aopen(loc, name, H5P_DEFAULT), std::string("open attribute '") + name + "'"),
                 H5Aclose);
    else
      attr = Hid(check_id(H5Acreate2(loc, name, file_type, space.get(), H5P_DEFAULT, H5P_DEFAULT),
                       std::string("create attribute '") + name + "'"),
                 H5Aclose);
    check_ok(H5Awrite(attr.get(), mem_type, value), std::string("write attribute '") + name + "'");
    check_ok(attr.reset(), std::string("close attribute '") + name + "'");
  }

  Hid vlen_string_type() const {
    Hid t(check_id(H5Tcopy(H5T_C_S1), "copy string type"), H5Tclose);
    check_ok(H5Tset_size(t.get(), H5T_VARIABLE), "make variable-length string type");
    check_ok(H5Tset_cset(t.get(), H5T_CSET_UTF8), "set UTF-8 string type");
    return t;
  }

  void attr_str(hid_t loc, const char* name, const std::string& value) {
    Hid t = vlen_string_type();
    const char* p = value.c_str();
    write_attr(loc, name, t.get(), t.get(), &p);
  }
  void attr_i64(hid_t loc, const char* name, std::int64_t v) {
    write_attr(loc, name, H5T_STD_I64LE, H5T_NATIVE_INT64, &v);
  }
  void attr_u64(hid_t loc, const char* name, std::uint64_t v) {
    write_attr(loc, name, H5T_STD_U64LE, H5T_NATIVE_UINT64, &v);
  }
  void attr_i32(hid_t loc, const char* name, int v) {
    const std::int32_t x = v;
    write_attr(loc, name, H5T_STD_I32LE, H5T_NATIVE_INT32, &x);
  }
  void attr_f64(hid_t loc, const char* name, double v) {
    write_attr(loc, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &v);
  }
  /// A 1-D array of variable-length strings.
  void attr_str_list(hid_t loc, const char* name, const std::vector<std::string>& values) {
    Hid t = vlen_string_type();
    const hsize_t n = values.size();
    Hid space(check_id(H5Screate_simple(1, &n, nullptr), "create dataspace"), H5Sclose);
    std::vector<const char*> ptrs;
    for (const auto& v : values) ptrs.push_back(v.c_str());
    Hid attr(check_id(H5Acreate2(loc, name, t.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT),
                   std::string("create attribute '") + name + "'"),
             H5Aclose);
    if (n > 0)
      check_ok(H5Awrite(attr.get(), t.get(), ptrs.data()), std::string("write attribute '") + name + "'");
    check_ok(attr.reset(), std::string("close attribute '") + name + "'");
  }
  void describe(hid_t loc, const std::string& units, const std::string& description) {
    attr_str(loc, "units", units);
    attr_str(loc, "description", description);
  }

  // ----- objects ------------------------------------------------------------------------------
  Hid group(hid_t loc, const std::string& name) {
    Hid gcpl(check_id(H5Pcreate(H5P_GROUP_CREATE), "create group property list"), H5Pclose);
    check_ok(H5Pset_obj_track_times(gcpl.get(), 0), "disable group time stamps");
    return Hid(check_id(H5Gcreate2(loc, name.c_str(), H5P_DEFAULT, gcpl.get(), H5P_DEFAULT),
                     "create group '" + name + "'"),
               H5Gclose);
  }

  /// Creates a chunked, shuffled, deflated dataset, extendible along its first dimension.
  /// `dims` gives the fixed trailing dimensions (dims[0] is ignored and starts at 0).
  Dset extendible(hid_t loc, const std::string& name, hid_t file_type, int rank,
                  std::array<hsize_t, 3> dims, std::array<hsize_t, 3> chunk, const void* fill = nullptr,
                  hid_t fill_type = H5I_INVALID_HID) {
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
    Hid space(check_id(H5Screate_simple(rank, d.dims.data(), maxdims.data()), "create dataspace for '" + name + "'"),
              H5Sclose);
    Hid dcpl(check_id(H5Pcreate(H5P_DATASET_CREATE), "create dataset property list"), H5Pclose);
    check_ok(H5Pset_chunk(dcpl.get(), rank, chunk.data()), "set chunking of '" + name + "'");
    check_ok(H5Pset_shuffle(dcpl.get()), "set shuffle filter of '" + name + "'");
    check_ok(H5Pset_deflate(dcpl.get(), kDeflateLevel), "set gzip filter of '" + name + "'");
    check_ok(H5Pset_obj_track_times(dcpl.get(), 0), "disable dataset time stamps");
    if (fill != nullptr) check_ok(H5Pset_fill_value(dcpl.get(), fill_type, fill), "set fill value of '" + name + "'");
    d.id = Hid(check_id(H5Dcreate2(loc, name.c_str(), file_type, space.get(), H5P_DEFAULT, dcpl.get(), H5P_DEFAULT),
                     "create dataset '" + name + "'"),
               H5Dclose);
    return d;
  }

  /// Appends `n` rows (each the size of the trailing dimensions) from `buf` to `d`.
  void append_rows(Dset& d, hid_t mem_type, const void* buf, hsize_t n, const char* what) {
    if (n == 0) return;
    std::array<hsize_t, 3> start{d.dims[0], 0, 0};
    std::array<hsize_t, 3> count = d.dims;
    count[0] = n;
    std::array<hsize_t, 3> next = d.dims;
    next[0] += n;
    check_ok(H5Dset_extent(d.id.get(), next.data()), std::string("extend ") + what);
    Hid fspace(check_id(H5Dget_space(d.id.get()), std::string("get dataspace of ") + what), H5Sclose);
    check_ok(H5Sselect_hyperslab(fspace.get(), H5S_SELECT_SET, start.data(), nullptr, count.data(), nullptr),
          std::string("select rows of ") + what);
    Hid mspace(check_id(H5Screate_simple(d.rank, count.data(), nullptr), "create memory dataspace"), H5Sclose);
    check_ok(H5Dwrite(d.id.get(), mem_type, mspace.get(), fspace.get(), H5P_DEFAULT, buf),
          std::string("write ") + what);
    d.dims = next;
  }

  // ----- construction -------------------------------------------------------------------------
  /// No time stamps on the root group (with the dataset/group settings: reproducible files).
  Hid file_create_plist() const {
    Hid fcpl(check_id(H5Pcreate(H5P_FILE_CREATE), "create file creation property list"), H5Pclose);
    check_ok(H5Pset_obj_track_times(fcpl.get(), 0), "disable root group time stamps");
    return fcpl;
  }
  /// Latest file format (needed for SWMR); STRONG close degree: H5Fclose closes anything left open.
  Hid file_access_plist() const {
    Hid fapl(check_id(H5Pcreate(H5P_FILE_ACCESS), "create file access property list"), H5Pclose);
    check_ok(H5Pset_libver_bounds(fapl.get(), H5F_LIBVER_LATEST, H5F_LIBVER_LATEST), "set file format bounds");
    check_ok(H5Pset_fclose_degree(fapl.get(), H5F_CLOSE_STRONG), "set file close degree");
    // File locking: use it, but do not fail on file systems without flock (some NFS mounts).
    check_ok(H5Pset_file_locking(fapl.get(), 1, 1), "set file locking");
    return fapl;
  }

  void create_file() {
    const fs::path dir = partial.has_parent_path() ? partial.parent_path() : fs::path(".");
    const std::string hint = "cannot create '" + partial.string() +
                             "': directory does not exist or is not writable; pass -o with a writable path";
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) throw OutputError(hint + " (no directory '" + dir.string() + "')");
    if (fs::is_directory(final_path, ec))
      throw OutputError("cannot write run file '" + final_path.string() +
                        "': a directory of that name exists; pass -o with a file name such as run.h5");

    Hid fcpl = file_create_plist();
    Hid fapl = file_access_plist();
    const hid_t f = H5Fcreate(partial.c_str(), H5F_ACC_TRUNC, fcpl.get(), fapl.get());
    if (f < 0) {
      std::string detail = hdf5_error_text();
      throw OutputError(hint + (detail.empty() ? std::string() : " (HDF5: " + detail + ")"));
    }
    file = Hid(f, H5Fclose);
  }

  void write_header_attributes(hid_t root) {
    const RunHeader& h = header;
    attr_str(root, "format", "biocluster-run");
    attr_i32(root, "format_version", kFormatVersion);
    attr_str(root, "status", "incomplete");
    attr_str(root, "scenario_file", h.scenario_file);
    attr_str(root, "scenario_sources", h.scenario_sources);
    attr_str(root, "resolved_parameters", h.resolved_parameters);
    attr_u64(root, "seed", h.seed);
    attr_str(root, "program_version", h.program_version);
    attr_str(root, "git_revision", h.git_revision);
    attr_i32(root, "threads", h.threads);
    attr_str(root, "started_at_utc", h.started_at_utc);
    attr_str(root, "start_date", h.start_date);
    attr_i64(root, "planned_steps", h.planned_steps);
    attr_str(root, "currency", h.currency);
    attr_i32(root, "flush_every_steps", h.flush_every_steps);
    attr_i64(root, "steps_written", 0);
  }

  void create_grid_and_regions() {
    const RunHeader& h = header;
    Hid grid = group(file.get(), "grid");
    attr_i32(grid.get(), "width", h.grid_width);
    attr_i32(grid.get(), "height", h.grid_height);
    attr_f64(grid.get(), "cell_km", h.cell_km);
    check_ok(grid.reset(), "close group 'grid'");

    // /regions: packed compound rows, built byte by byte.
    std::size_t name_len = 1;
    for (const auto& r : h.regions) name_len = std::max(name_len, r.name.size());
    Hid str(check_id(H5Tcopy(H5T_C_S1), "copy string type"), H5Tclose);
    check_ok(H5Tset_size(str.get(), name_len), "set region name size");
    check_ok(H5Tset_strpad(str.get(), H5T_STR_NULLPAD), "set region name padding");
    check_ok(H5Tset_cset(str.get(), H5T_CSET_UTF8), "set region name charset");
    // h5py reads an int8 enum {FALSE=0, TRUE=1} as numpy bool.
    Hid boolean(check_id(H5Tenum_create(H5T_NATIVE_INT8), "create bool enum"), H5Tclose);
    const std::int8_t f0 = 0, t1 = 1;
    check_ok(H5Tenum_insert(boolean.get(), "FALSE", &f0), "build bool enum");
    check_ok(H5Tenum_insert(boolean.get(), "TRUE", &t1), "build bool enum");

    const char* dnames[] = {"x_km", "y_km", "radius_km", "rent_usd_per_m2_month", "amenity_index",
                            "travel_time_to_capital_h"};
    const std::size_t row = name_len + 1 + 6 * sizeof(double);
    Hid type(check_id(H5Tcreate(H5T_COMPOUND, row), "create region type"), H5Tclose);
    check_ok(H5Tinsert(type.get(), "name", 0, str.get()), "build region type");
    check_ok(H5Tinsert(type.get(), "capital_area", name_len, boolean.get()), "build region type");
    for (std::size_t i = 0; i < 6; ++i)
      check_ok(H5Tinsert(type.get(), dnames[i], name_len + 1 + i * sizeof(double), H5T_NATIVE_DOUBLE),
            "build region type");

    std::vector<unsigned char> bytes(row * h.regions.size(), 0);
    for (std::size_t k = 0; k < h.regions.size(); ++k) {
      const RegionSpec& r = h.regions[k];
      unsigned char* p = bytes.data() + k * row;
      std::memcpy(p, r.name.data(), r.name.size());
      p[name_len] = r.capital_area ? 1 : 0;
      const double d[6] = {r.x_km, r.y_km, r.radius_km, r.rent_usd_per_m2_month, r.amenity_index,
                           r.travel_time_to_capital_h};
      std::memcpy(p + name_len + 1, d, sizeof d);
    }
    const hsize_t n = h.regions.size();
    Hid space(check_id(H5Screate_simple(1, &n, nullptr), "create dataspace for 'regions'"), H5Sclose);
    Hid dcpl(check_id(H5Pcreate(H5P_DATASET_CREATE), "create dataset property list"), H5Pclose);
    check_ok(H5Pset_obj_track_times(dcpl.get(), 0), "disable dataset time stamps");
    Hid ds(check_id(H5Dcreate2(file.get(), "regions", type.get(), space.get(), H5P_DEFAULT, dcpl.get(), H5P_DEFAULT),
                 "create dataset 'regions'"),
           H5Dclose);
    if (n > 0) check_ok(H5Dwrite(ds.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, bytes.data()), "write 'regions'");
    check_ok(ds.reset(), "close dataset 'regions'");
  }

  void create_time_and_timeseries() {
    Hid time = group(file.get(), "time");
    time_step = extendible(time.get(), "step", H5T_STD_I64LE, 1, {0, 0, 0}, {kStepsPerChunk, 0, 0});
    describe(time_step.id.get(), "step", "simulation step of each row of /timeseries");
    Hid date(check_id(H5Tcopy(H5T_C_S1), "copy string type"), H5Tclose);
    check_ok(H5Tset_size(date.get(), kDateLen), "set date string size");
    check_ok(H5Tset_strpad(date.get(), H5T_STR_NULLPAD), "set date string padding");
    time_date = extendible(time.get(), "date", date.get(), 1, {0, 0, 0}, {kStepsPerChunk, 0, 0});
    describe(time_date.id.get(), "YYYY-MM", "calendar month of each step");
    time_year = extendible(time.get(), "decimal_year", H5T_IEEE_F64LE, 1, {0, 0, 0}, {kStepsPerChunk, 0, 0});
    describe(time_year.id.get(), "year", "decimal year of each step (e.g. 2026.5 for July 2026)");
    check_ok(time.reset(), "close group 'time'");

    Hid ts = group(file.get(), "timeseries");
    const double nan = std::numeric_limits<double>::quiet_NaN();
    hsize_t steps_per_chunk = kStepsPerChunk;
    const hsize_t row_bytes = std::max<hsize_t>(1, n_regions) * sizeof(double);
    while (steps_per_chunk > 1 && steps_per_chunk * row_bytes > kMaxChunkBytes) steps_per_chunk /= 2;
    for (const auto& m : header.metrics) {
      Dset d = extendible(ts.get(), m.name, H5T_IEEE_F64LE, 2, {0, n_regions, 0}, {steps_per_chunk, n_regions, 0},
                          &nan, H5T_NATIVE_DOUBLE);
      describe(d.id.get(), m.unit, m.description);
      attr_str(d.id.get(), "dimensions", "step, region");
      attr_str(d.id.get(), "kind", m.kind);
      metrics.push_back(std::move(d));
    }
    check_ok(ts.reset(), "close group 'timeseries'");
  }

  void create_events() {
    // HDF5 cannot copy an enum without members (H5Tcopy crashes in 1.10.8): with no kinds declared
    // (so no events can be appended), `kind` is a plain int16.
    Hid kind(check_id(header.event_kind_names.empty() ? H5Tcopy(H5T_NATIVE_INT16) : H5Tenum_create(H5T_NATIVE_INT16),
                      "create event kind enum"),
             H5Tclose);
    for (std::size_t i = 0; i < header.event_kind_names.size(); ++i) {
      const auto v = static_cast<std::int16_t>(i);
      check_ok(H5Tenum_insert(kind.get(), header.event_kind_names[i].c_str(), &v),
            "add event kind '" + header.event_kind_names[i] + "'");
    }
    Hid agent(check_id(H5Tenum_create(H5T_NATIVE_INT8), "create agent type enum"), H5Tclose);
    const std::int8_t none = -1;
    check_ok(H5Tenum_insert(agent.get(), "none", &none), "add agent type 'none'");
    for (std::size_t i = 0; i < header.agent_type_names.size(); ++i) {
      const auto v = static_cast<std::int8_t>(i);
      check_ok(H5Tenum_insert(agent.get(), header.agent_type_names[i].c_str(), &v),
            "add agent type '" + header.agent_type_names[i] + "'");
    }
    using sim::Event;
    Hid t(check_id(H5Tcreate(H5T_COMPOUND, sizeof(Event)), "create event type"), H5Tclose);
    const std::string what = "build event type";
    check_ok(H5Tinsert(t.get(), "step", HOFFSET(Event, step), H5T_NATIVE_INT32), what);
    check_ok(H5Tinsert(t.get(), "kind", HOFFSET(Event, kind), kind.get()), what);
    check_ok(H5Tinsert(t.get(), "region", HOFFSET(Event, region), H5T_NATIVE_INT16), what);
    check_ok(H5Tinsert(t.get(), "subject_type", HOFFSET(Event, subject_type), agent.get()), what);
    check_ok(H5Tinsert(t.get(), "object_type", HOFFSET(Event, object_type), agent.get()), what);
    check_ok(H5Tinsert(t.get(), "detail", HOFFSET(Event, detail), H5T_NATIVE_INT16), what);
    check_ok(H5Tinsert(t.get(), "subject_id", HOFFSET(Event, subject_id), H5T_NATIVE_INT64), what);
    check_ok(H5Tinsert(t.get(), "object_id", HOFFSET(Event, object_id), H5T_NATIVE_INT64), what);
    check_ok(H5Tinsert(t.get(), "amount", HOFFSET(Event, amount), H5T_NATIVE_DOUBLE), what);
    check_ok(H5Tinsert(t.get(), "value", HOFFSET(Event, value), H5T_NATIVE_DOUBLE), what);
    // The file type drops the struct's padding.
    Hid packed(check_id(H5Tcopy(t.get()), "copy event type"), H5Tclose);
    check_ok(H5Tpack(packed.get()), "pack event type");
    events = extendible(file.get(), "events", packed.get(), 1, {0, 0, 0}, {kEventChunk, 0, 0});
    attr_str(events.id.get(), "description", "events in the order they happened; kind, subject_type and "
                                             "object_type are HDF5 enums");
    attr_str(events.id.get(), "amount_units", header.currency);
    event_mem_type = std::move(t);
  }

  void create_fields() {
    Hid g = group(file.get(), "fields");
    field_step = extendible(g.get(), "step", H5T_STD_I64LE, 1, {0, 0, 0}, {kSnapshotChunk, 0, 0});
    describe(field_step.id.get(), "step", "simulation step of each field snapshot");
    const auto h = static_cast<hsize_t>(header.grid_height);
    const auto w = static_cast<hsize_t>(header.grid_width);
    // Chunk = one whole snapshot, or bands of rows (and columns) so that no chunk exceeds 4 MiB.
    hsize_t cw = std::max<hsize_t>(1, std::min<hsize_t>(w, kMaxChunkBytes / sizeof(float)));
    hsize_t ch = std::max<hsize_t>(1, std::min<hsize_t>(h, kMaxChunkBytes / sizeof(float) / cw));
    const float nan = std::numeric_limits<float>::quiet_NaN();
    for (const auto& f : header.fields) {
      Dset d = extendible(g.get(), f.name, H5T_IEEE_F32LE, 3, {0, h, w}, {1, ch, cw}, &nan, H5T_NATIVE_FLOAT);
      describe(d.id.get(), f.unit, f.description);
      attr_str(d.id.get(), "dimensions", "snapshot, y, x");
      fields.push_back(std::move(d));
    }
    check_ok(g.reset(), "close group 'fields'");
  }

  void create_agent_tables() {
    Hid agents = group(file.get(), "agents");
    for (const auto& spec : header.agent_tables) {
      Hid g = group(agents.get(), spec.type_name);
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
        Dset d = extendible(g.get(), c.name, H5T_IEEE_F64LE, 1, {0, 0, 0}, {kAgentRowChunk, 0, 0}, &nan,
                            H5T_NATIVE_DOUBLE);
        describe(d.id.get(), c.unit, c.description);
        t.cols.push_back(std::move(d));
        cols.push_back(c.name);
      }
      attr_str_list(g.get(), "columns", cols);
      check_ok(g.reset(), "close group 'agents/" + spec.type_name + "'");
      tables.push_back(std::move(t));
    }
    check_ok(agents.reset(), "close group 'agents'");
  }

  // ----- flushing -----------------------------------------------------------------------------
  /// Phase 1 of a flush: every row of data (everything except the snapshot index datasets).
  void write_rows(const Batch& b) {
    const auto steps = static_cast<hsize_t>(b.step.size());
    append_rows(time_step, H5T_NATIVE_INT64, b.step.data(), steps, "/time/step");
    {
      Hid date(check_id(H5Tcopy(H5T_C_S1), "copy string type"), H5Tclose);
      check_ok(H5Tset_size(date.get(), kDateLen), "set date string size");
      check_ok(H5Tset_strpad(date.get(), H5T_STR_NULLPAD), "set date string padding");
      append_rows(time_date, date.get(), b.date.data(), steps, "/time/date");
    }
    append_rows(time_year, H5T_NATIVE_DOUBLE, b.year.data(), steps, "/time/decimal_year");
    for (std::size_t m = 0; m < metrics.size(); ++m) {
      append_rows(metrics[m], H5T_NATIVE_DOUBLE, b.metric[m].data(), steps,
                  ("/timeseries/" + header.metrics[m].name).c_str());
    }
    append_rows(events, event_mem_type.get(), b.events.data(), b.events.size(), "/events");

    const auto snaps = static_cast<hsize_t>(b.field_step.size());
    for (std::size_t f = 0; f < fields.size(); ++f)
      append_rows(fields[f], H5T_NATIVE_FLOAT, b.field[f].data(), snaps,
                  ("/fields/" + header.fields[f].name).c_str());

    for (std::size_t k = 0; k < tables.size(); ++k) {
      AgentTable& t = tables[k];
      const AgentBuffer& ab = b.tables[k];
      const std::string where = "/agents/" + header.agent_tables[k].type_name;
      const auto rows = static_cast<hsize_t>(ab.ids.size());
      for (std::size_t c = 0; c < t.cols.size(); ++c)
        append_rows(t.cols[c], H5T_NATIVE_DOUBLE, ab.cols[c].data(), rows,
                    (where + "/" + header.agent_tables[k].columns[c].name).c_str());
      append_rows(t.ids, H5T_NATIVE_INT64, ab.ids.data(), rows, (where + "/id").c_str());
      const auto n = static_cast<hsize_t>(ab.snap_step.size());
      append_rows(t.snap_start, H5T_NATIVE_INT64, ab.snap_start.data(), n, (where + "/snapshot_start").c_str());
      append_rows(t.snap_count, H5T_NATIVE_INT64, ab.snap_count.data(), n, (where + "/snapshot_count").c_str());
    }
  }

  /// Phase 2 of a flush, once phase 1 is on disk: the index entries that vouch for those rows.
  void write_snapshot_index(const Batch& b) {
    append_rows(field_step, H5T_NATIVE_INT64, b.field_step.data(), b.field_step.size(), "/fields/step");
    for (std::size_t k = 0; k < tables.size(); ++k)
      append_rows(tables[k].snap_step, H5T_NATIVE_INT64, b.tables[k].snap_step.data(),
                  b.tables[k].snap_step.size(),
                  ("/agents/" + header.agent_tables[k].type_name + "/snapshot_step").c_str());
  }

  /// H5Fflush, then fsync: the flushed state survives an OS crash or power loss, not only a kill.
  void sync_to_disk() {
    check_ok(H5Fflush(file.get(), H5F_SCOPE_GLOBAL), "flush file");
    void* handle = nullptr;
    check_ok(H5Fget_vfd_handle(file.get(), H5P_DEFAULT, &handle), "get file descriptor");
    if (handle != nullptr && ::fsync(*static_cast<int*>(handle)) != 0)
      fail_io(std::string("fsync failed: ") + std::strerror(errno));
  }

  /// Writes one batch and makes it durable (see the file comment).
  void flush(const Batch& b) {
    if (broken) throw OutputError("HDF5 output '" + current.string() + "': an earlier write failed; the file " +
                                  "holds the steps up to the last successful flush");
    if (!file.valid()) return;
    try {
      // Rows first; then, once they are on disk, the snapshot index and step count vouching for them.
      write_rows(b);
      check_ok(H5Fflush(file.get(), H5F_SCOPE_GLOBAL), "flush file");
      write_snapshot_index(b);
      const std::int64_t steps = steps_written + static_cast<std::int64_t>(b.step.size());
      attr_i64(file.get(), "steps_written", steps);
      sync_to_disk();
      steps_written = steps;
    } catch (...) {
      broken = true;
      throw;
    }
  }

  /// Bytes of dataset storage (compressed chunks) in the file, summed over all datasets.
  hsize_t data_bytes() const {
    hsize_t total = 0;
    auto add = [&total](const Dset& d) {
      if (d.id.valid()) total += H5Dget_storage_size(d.id.get());
    };
    add(time_step);
    add(time_date);
    add(time_year);
    for (const auto& d : metrics) add(d);
    add(events);
    for (const auto& d : fields) add(d);
    add(field_step);
    for (const auto& t : tables) {
      add(t.snap_step);
      add(t.snap_start);
      add(t.snap_count);
      add(t.ids);
      for (const auto& d : t.cols) add(d);
    }
    return total;
  }

  void write_footer(hid_t root, const RunFooter& footer) {
    attr_str(root, "finished_at_utc", footer.finished_at_utc);
    attr_i64(root, "steps_completed", footer.steps_completed);
    attr_f64(root, "wall_seconds", footer.wall_seconds);
    attr_str(root, "status", "complete");
  }

  /// Copies every object of the (closed) partial file into a new file `to`, leaving behind the
  /// superseded chunk copies that SWMR writing accumulates, and writes the root attributes.
  void write_compact_copy(const fs::path& to, const RunFooter& footer) {
    Hid fapl = file_access_plist();
    Hid src(check_id(H5Fopen(partial.c_str(), H5F_ACC_RDONLY, fapl.get()), "reopen to compact"), H5Fclose);
    Hid fcpl = file_create_plist();
    Hid dst(H5Fcreate(to.c_str(), H5F_ACC_TRUNC, fcpl.get(), fapl.get()), H5Fclose);
    if (!dst.valid()) fail(to, "cannot create the compacted copy", kIoHint);
    for (const char* name : {"grid", "regions", "time", "timeseries", "events", "fields", "agents"})
      if (H5Ocopy(src.get(), name, dst.get(), name, H5P_DEFAULT, H5P_DEFAULT) < 0)
        fail(to, std::string("copying /") + name + " into the compacted file failed", kIoHint);
    write_header_attributes(dst.get());
    attr_i64(dst.get(), "steps_written", steps_written);
    write_footer(dst.get(), footer);
    check_ok(H5Fflush(dst.get(), H5F_SCOPE_GLOBAL), "flush the compacted file");
    if (dst.reset() < 0) fail(to, "closing the compacted file failed", kIoHint);
    check_ok(src.reset(), "close file");
  }

  /// Closes every object, then the file. Returns false if any close failed.
  bool close_all() noexcept {
    bool ok = true;
    auto close = [&ok](Hid& h) { ok = (h.reset() >= 0) && ok; };
    auto close_d = [&](Dset& d) { close(d.id); };
    close_d(time_step);
    close_d(time_date);
    close_d(time_year);
    for (auto& d : metrics) close_d(d);
    close_d(events);
    for (auto& d : fields) close_d(d);
    close_d(field_step);
    for (auto& t : tables) {
      close_d(t.snap_step);
      close_d(t.snap_start);
      close_d(t.snap_count);
      close_d(t.ids);
      for (auto& d : t.cols) close_d(d);
    }
    close(event_mem_type);
    if (file.valid()) {
      const ssize_t open_objects = H5Fget_obj_count(file.get(), H5F_OBJ_ALL & ~H5F_OBJ_FILE);
      if (open_objects != 0) ok = false;
      close(file);
    }
    return ok;
  }

  /// Creates the file with every group, fixed dataset and attribute, and starts SWMR writing.
  /// On failure nothing is left behind (a half-built file is of no use to anyone).
  void create() {
    create_file();
    try {
      write_header_attributes(file.get());
      create_grid_and_regions();
      create_time_and_timeseries();
      create_events();
      create_fields();
      create_agent_tables();
      sync_to_disk();
      // From here on the file is only appended to, in SWMR mode (see the file comment).
      check_ok(H5Fstart_swmr_write(file.get()), "start SWMR writing");
    } catch (...) {
      close_all();
      std::error_code ec;
      std::filesystem::remove(partial, ec);
      throw;
    }
  }

  /// Writes the footer attributes, sets status="complete", closes and renames .partial -> final
  /// (through a compact copy when superseded chunk copies are a sizeable part of the file).
  void finish(const RunFooter& footer) {
    hsize_t file_bytes = 0;
    check_ok(H5Fget_filesize(file.get(), &file_bytes), "get file size");
    const hsize_t data = data_bytes();
    // Close the SWMR session; footer attributes can only be added outside SWMR mode.
    if (!close_all())
      throw OutputError("HDF5 output '" + partial.string() + "': closing the file failed (HDF5: " +
                        hdf5_error_text() + "); " + kIoHint);

    std::error_code ec;
    const hsize_t overhead = file_bytes > data ? file_bytes - data : 0;
    if (overhead > kCompactMinOverhead && overhead > data / 4) {
      std::filesystem::path tmp = partial;
      tmp += ".tmp";
      try {
        write_compact_copy(tmp, footer);
      } catch (...) {
        std::filesystem::remove(tmp, ec);
        throw;
      }
      std::filesystem::rename(tmp, final_path, ec);
      if (ec) {
        std::error_code ignored;
        std::filesystem::remove(tmp, ignored);
        throw OutputError("cannot rename '" + tmp.string() + "' to '" + final_path.string() + "': " +
                          ec.message() + "; the run's data is in '" + partial.string() + "'");
      }
      std::filesystem::remove(partial, ec);  // a leftover .partial would only be redundant
    } else {
      Hid fapl = file_access_plist();
      file = Hid(check_id(H5Fopen(partial.c_str(), H5F_ACC_RDWR, fapl.get()), "reopen to write the footer"),
                 H5Fclose);
      write_footer(file.get(), footer);
      check_ok(H5Fflush(file.get(), H5F_SCOPE_GLOBAL), "flush file");
      if (!close_all())
        throw OutputError("HDF5 output '" + partial.string() + "': closing the file failed (HDF5: " +
                          hdf5_error_text() + "); " + kIoHint);
      std::filesystem::rename(partial, final_path, ec);
      if (ec)
        throw OutputError("cannot rename '" + partial.string() + "' to '" + final_path.string() +
                          "': " + ec.message() + "; the complete run is in '" + partial.string() + "'");
    }
    current = final_path;
  }
};

}  // namespace

// =============================================================================================
// RunWriter: validation and copying on the calling (simulation) thread; every HDF5 call on one
// writer thread that the object owns. The two meet at a queue of jobs bounded by bytes.

struct RunWriter::Impl {
  enum class Kind { create, flush, finish };
  struct Job {
    Kind kind = Kind::flush;
    std::optional<Batch> batch;  // flush: the rows to write
    RunFooter footer;            // finish
    std::size_t bytes = 0;
    std::uint64_t seq = 0;
  };

  // ----- used by the calling thread only
  fs::path final_path;
  fs::path partial;
  fs::path current;
  RunHeader header;  // copy: names, sizes, flush policy
  std::size_t n_regions = 0;
  std::size_t cells = 0;
  std::vector<std::int64_t> table_rows;  // rows of each agent table, appended so far
  std::optional<Batch> batch;            // rows appended since the last flush
  int steps_since_flush = 0;
  bool finished = false;

  // ----- used by the writer thread only (after construction)
  Hdf5Run run;

  // ----- shared, under `m`
  std::mutex m;
  std::condition_variable work_cv;  // the writer thread waits for jobs
  std::condition_variable done_cv;  // callers wait for completed jobs or queue space
  std::deque<Job> queue;
  std::size_t queued_bytes = 0;
  std::uint64_t submitted = 0, completed = 0;
  bool stop = false;                // no more jobs: close the file and end the thread
  std::exception_ptr error;         // the first failure on the writer thread
  std::atomic<bool> failed{false};  // error != nullptr, read without the lock
  std::optional<Batch> spare;       // a written batch, cleared, for reuse (keeps its capacity)
  double busy_seconds = 0;
  std::thread worker;

  void worker_main() {
    QuietHdf5 quiet;  // per thread in a thread-safe HDF5 build
    for (;;) {
      Job job;
      {
        std::unique_lock lock(m);
        work_cv.wait(lock, [&] { return !queue.empty() || stop; });
        if (queue.empty()) break;  // stop, and every job done
        job = std::move(queue.front());
        queue.pop_front();
      }
      const auto t0 = std::chrono::steady_clock::now();
      std::exception_ptr err;
      if (!failed.load()) {  // after a failure, later jobs are dropped: the file keeps the last good flush
        try {
          switch (job.kind) {
            case Kind::create: run.create(); break;
            case Kind::flush: run.flush(*job.batch); break;
            case Kind::finish: run.finish(job.footer); break;
          }
        } catch (...) {
          err = std::current_exception();
        }
      }
      if (job.batch) job.batch->clear();
      const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      {
        std::lock_guard lock(m);
        busy_seconds += secs;
        queued_bytes -= job.bytes;
        completed = job.seq;
        if (err && !error) {
          error = err;
          failed.store(true);
        }
        if (job.batch && !spare) spare = std::move(job.batch);
      }
      done_cv.notify_all();
    }
    // Today's guarantee for a writer destroyed without finish(): the file is closed cleanly.
    const auto t0 = std::chrono::steady_clock::now();
    run.close_all();
    // A thread-safe HDF5 frees this thread's error stack when the thread ends, but not the messages
    // left on it (e.g. by closes after a failed write): clear them, or they leak.
    H5Eclear2(H5E_DEFAULT);
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::lock_guard lock(m);
    busy_seconds += secs;
  }

  /// Queues a job, blocking while the queue holds more than kMaxQueuedBytes (a job larger than
  /// that waits for an empty queue). Returns the job's sequence number.
  std::uint64_t submit(Job job) {
    job.bytes = job.batch ? job.batch->bytes : 0;
    std::unique_lock lock(m);
    done_cv.wait(lock, [&] { return queued_bytes == 0 || queued_bytes + job.bytes <= kMaxQueuedBytes; });
    job.seq = ++submitted;
    queued_bytes += job.bytes;
    const std::uint64_t seq = job.seq;
    queue.push_back(std::move(job));
    lock.unlock();
    work_cv.notify_one();
    return seq;
  }

  void wait_for(std::uint64_t seq) {
    std::unique_lock lock(m);
    done_cv.wait(lock, [&] { return completed >= seq; });
  }

  /// Rethrows the writer thread's first failure, if any (same exception, same text).
  void rethrow_if_failed() {
    if (!failed.load()) return;
    std::lock_guard lock(m);
    std::rethrow_exception(error);
  }

  /// Hands the current batch to the writer thread as one flush; starts a new (or recycled) batch.
  std::uint64_t submit_flush() {
    Job job;
    job.kind = Kind::flush;
    job.batch = std::move(batch);
    {
      std::lock_guard lock(m);
      batch = std::move(spare);
      spare.reset();
    }
    if (!batch) batch.emplace(header);
    steps_since_flush = 0;
    return submit(std::move(job));
  }

  /// Ends the writer thread once it has done every queued job (it then closes the file).
  void stop_worker() noexcept {
    if (!worker.joinable()) return;
    {
      std::lock_guard lock(m);
      stop = true;
    }
    work_cv.notify_one();
    worker.join();
  }

  void check_open(const char* call) {
    if (finished) throw OutputError("HDF5 output '" + final_path.string() + "': " + call + " after finish()");
    rethrow_if_failed();
  }

  void maybe_flush() {
    if (batch->bytes > kMaxBufferedBytes) submit_flush();
  }
};

std::filesystem::path RunWriter::partial_path(const std::filesystem::path& final_path) {
  std::filesystem::path p = final_path;
  p += ".partial";
  return p;
}

RunWriter::RunWriter(std::filesystem::path final_path, const RunHeader& header) : impl_(std::make_unique<Impl>()) {
  Impl& im = *impl_;
  im.final_path = std::move(final_path);
  im.partial = partial_path(im.final_path);
  im.current = im.partial;
  validate_header(im.partial, header);
  im.header = header;
  im.n_regions = header.regions.size();
  im.cells = static_cast<std::size_t>(header.grid_width) * static_cast<std::size_t>(header.grid_height);
  im.table_rows.assign(header.agent_tables.size(), 0);
  im.batch.emplace(header);

  Hdf5Run& run = im.run;
  run.final_path = im.final_path;
  run.partial = im.partial;
  run.current = im.partial;
  run.header = header;
  run.n_regions = im.n_regions;
  run.cells = im.cells;

  // The file is created on the writer thread too; the constructor waits, so that a bad path is
  // still an OutputError thrown here.
  im.worker = std::thread([&im] { im.worker_main(); });
  Impl::Job create;
  create.kind = Impl::Kind::create;
  im.wait_for(im.submit(std::move(create)));
  if (im.failed.load()) {
    im.stop_worker();
    std::rethrow_exception(im.error);
  }
}

RunWriter::~RunWriter() {
  if (!impl_) return;
  Impl& im = *impl_;
  if (!im.finished && !im.failed.load()) {
    try {
      im.submit_flush();  // every step appended so far; a failure leaves the last good flush
    } catch (...) {
      // Destructors must not throw.
    }
  }
  im.stop_worker();  // drains the queue, then closes the file
}

void RunWriter::append_step(std::int64_t step, const std::string& date, double decimal_year,
                            std::span<const double> values) {
  Impl& im = *impl_;
  im.check_open("append_step");
  const std::size_t expected = im.header.metrics.size() * im.n_regions;
  if (values.size() != expected)
    throw OutputError("HDF5 output '" + im.current.string() + "': append_step(step " + std::to_string(step) +
                      ") got " + std::to_string(values.size()) + " values, expected " + std::to_string(expected) +
                      " (" + std::to_string(im.header.metrics.size()) + " metrics x " +
                      std::to_string(im.n_regions) + " regions, metric-major)");
  if (date.size() > kDateLen)
    throw OutputError("HDF5 output '" + im.current.string() + "': append_step(step " + std::to_string(step) +
                      ") date '" + date + "' is not YYYY-MM");
  Batch& b = *im.batch;
  b.step.push_back(step);
  const std::size_t at = b.date.size();
  b.date.resize(at + kDateLen, '\0');
  std::memcpy(b.date.data() + at, date.data(), date.size());
  b.year.push_back(decimal_year);
  for (std::size_t m = 0; m < b.metric.size(); ++m) {
    const auto first = values.begin() + static_cast<std::ptrdiff_t>(m * im.n_regions);
    b.metric[m].insert(b.metric[m].end(), first, first + static_cast<std::ptrdiff_t>(im.n_regions));
  }
  b.bytes += expected * sizeof(double) + 2 * sizeof(double) + kDateLen;
  if (++im.steps_since_flush >= im.header.flush_every_steps || b.bytes > kMaxBufferedBytes) im.submit_flush();
}

void RunWriter::append_events(std::span<const sim::Event> events) {
  Impl& im = *impl_;
  im.check_open("append_events");
  const auto n_kinds = static_cast<int>(im.header.event_kind_names.size());
  const auto n_types = static_cast<int>(im.header.agent_type_names.size());
  for (const auto& e : events) {
    auto bad = [&](const std::string& what) {
      throw OutputError("HDF5 output '" + im.current.string() + "': event at step " + std::to_string(e.step) +
                        " has " + what);
    };
    if (e.kind < 0 || e.kind >= n_kinds)
      bad("kind " + std::to_string(e.kind) + ", not an index into event_kind_names [" +
          join_names(im.header.event_kind_names) + "]");
    if (e.subject_type < -1 || e.subject_type >= n_types)
      bad("subject_type " + std::to_string(e.subject_type) + ", not -1 or an index into agent_type_names");
    if (e.object_type < -1 || e.object_type >= n_types)
      bad("object_type " + std::to_string(e.object_type) + ", not -1 or an index into agent_type_names");
  }
  Batch& b = *im.batch;
  b.events.insert(b.events.end(), events.begin(), events.end());
  b.bytes += events.size() * sizeof(sim::Event);
  im.maybe_flush();
}

void RunWriter::append_field_snapshot(std::int64_t step, std::span<const std::span<const float>> fields) {
  Impl& im = *impl_;
  im.check_open("append_field_snapshot");
  if (fields.size() != im.header.fields.size())
    throw OutputError("HDF5 output '" + im.current.string() + "': append_field_snapshot(step " +
                      std::to_string(step) + ") got " + std::to_string(fields.size()) + " fields, expected " +
                      std::to_string(im.header.fields.size()));
  for (std::size_t f = 0; f < fields.size(); ++f)
    if (fields[f].size() != im.cells)
      throw OutputError("HDF5 output '" + im.current.string() + "': field '" + im.header.fields[f].name +
                        "' at step " + std::to_string(step) + " has " + std::to_string(fields[f].size()) +
                        " cells, expected " + std::to_string(im.cells) + " (" +
                        std::to_string(im.header.grid_height) + " x " + std::to_string(im.header.grid_width) + ")");
  Batch& b = *im.batch;
  b.field_step.push_back(step);
  for (std::size_t f = 0; f < fields.size(); ++f)
    b.field[f].insert(b.field[f].end(), fields[f].begin(), fields[f].end());
  b.bytes += fields.size() * im.cells * sizeof(float);
  im.maybe_flush();
}

void RunWriter::append_agent_snapshot(std::int64_t step, std::size_t table, std::span<const std::int64_t> ids,
                                      std::span<const std::span<const double>> columns) {
  Impl& im = *impl_;
  im.check_open("append_agent_snapshot");
  if (table >= im.table_rows.size())
    throw OutputError("HDF5 output '" + im.current.string() + "': agent table index " + std::to_string(table) +
                      " out of range (" + std::to_string(im.table_rows.size()) + " tables declared)");
  const AgentTableSpec& spec = im.header.agent_tables[table];
  if (columns.size() != spec.columns.size())
    throw OutputError("HDF5 output '" + im.current.string() + "': agent table '" + spec.type_name + "' at step " +
                      std::to_string(step) + " got " + std::to_string(columns.size()) + " columns, expected " +
                      std::to_string(spec.columns.size()));
  for (std::size_t c = 0; c < columns.size(); ++c)
    if (columns[c].size() != ids.size())
      throw OutputError("HDF5 output '" + im.current.string() + "': agent table '" + spec.type_name +
                        "' column '" + spec.columns[c].name + "' at step " + std::to_string(step) + " has " +
                        std::to_string(columns[c].size()) + " values for " + std::to_string(ids.size()) + " ids");
  AgentBuffer& b = im.batch->tables[table];
  b.snap_step.push_back(step);
  b.snap_start.push_back(im.table_rows[table]);
  b.snap_count.push_back(static_cast<std::int64_t>(ids.size()));
  b.ids.insert(b.ids.end(), ids.begin(), ids.end());
  for (std::size_t c = 0; c < columns.size(); ++c) b.cols[c].insert(b.cols[c].end(), columns[c].begin(), columns[c].end());
  im.table_rows[table] += static_cast<std::int64_t>(ids.size());
  im.batch->bytes += ids.size() * (1 + columns.size()) * 8 + 24;
  im.maybe_flush();
}

void RunWriter::flush() {
  Impl& im = *impl_;
  if (im.finished) return;
  im.rethrow_if_failed();
  im.wait_for(im.submit_flush());
  im.rethrow_if_failed();
}

void RunWriter::finish(const RunFooter& footer) {
  Impl& im = *impl_;
  if (im.finished) throw OutputError("HDF5 output '" + im.final_path.string() + "': finish() called twice");
  im.rethrow_if_failed();
  im.submit_flush();
  Impl::Job job;
  job.kind = Impl::Kind::finish;
  job.footer = footer;
  im.wait_for(im.submit(std::move(job)));
  im.rethrow_if_failed();
  im.stop_worker();
  im.current = im.final_path;
  im.finished = true;
}

const std::filesystem::path& RunWriter::current_path() const { return impl_->current; }

double RunWriter::worker_busy_seconds() const {
  std::lock_guard lock(impl_->m);
  return impl_->busy_seconds;
}

}  // namespace biocluster::output
