// Tests of the HDF5 run writer: write a small run, read it back with the HDF5 C API (and h5py when
// available), and check the interrupted-run protocols (.partial, destructor, SIGKILL).
#include <hdf5.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <span>
#include <string>
#include <vector>

#include "output/run_writer.hpp"
#include "sim/errors.hpp"
#include "sim/events.hpp"

namespace fs = std::filesystem;
using biocluster::OutputError;
using biocluster::output::RunFooter;
using biocluster::output::RunHeader;
using biocluster::output::RunWriter;
using biocluster::sim::Event;

namespace {

// ----------------------------------------------------------------------------------------------
// Scratch directory, removed at the end of each test.
struct TempDir {
  fs::path path;
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "biocluster_output_XXXXXX").string();
    REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
    path = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    fs::permissions(path, fs::perms::owner_all, fs::perm_options::add, ec);
    fs::remove_all(path, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
};

// ----------------------------------------------------------------------------------------------
// Reading back with the HDF5 C API.

struct Id {
  hid_t id;
  herr_t (*closer)(hid_t);
  Id(hid_t i, herr_t (*c)(hid_t)) : id(i), closer(c) { REQUIRE(id >= 0); }
  ~Id() { closer(id); }
  Id(const Id&) = delete;
  Id& operator=(const Id&) = delete;
  operator hid_t() const { return id; }
};

/// Opens a run file read-only. `swmr_read`: needed for a file whose writer was killed.
hid_t open_file(const fs::path& p, bool swmr_read = false) {
  unsigned flags = H5F_ACC_RDONLY | (swmr_read ? H5F_ACC_SWMR_READ : 0u);
  return H5Fopen(p.c_str(), flags, H5P_DEFAULT);
}

std::string attr_str(hid_t loc, const char* obj, const char* name) {
  Id a(H5Aopen_by_name(loc, obj, name, H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
  Id t(H5Aget_type(a), H5Tclose);
  REQUIRE(H5Tget_class(t) == H5T_STRING);
  REQUIRE(H5Tis_variable_str(t) > 0);
  Id mt(H5Tcopy(H5T_C_S1), H5Tclose);
  H5Tset_size(mt, H5T_VARIABLE);
  H5Tset_cset(mt, H5T_CSET_UTF8);
  char* s = nullptr;
  REQUIRE(H5Aread(a, mt, &s) >= 0);
  std::string out = s ? s : "";
  H5free_memory(s);
  return out;
}

template <class T>
T attr_num(hid_t loc, const char* obj, const char* name, hid_t mem_type) {
  Id a(H5Aopen_by_name(loc, obj, name, H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
  T v{};
  REQUIRE(H5Aread(a, mem_type, &v) >= 0);
  return v;
}

bool has_attr(hid_t loc, const char* obj, const char* name) {
  return H5Aexists_by_name(loc, obj, name, H5P_DEFAULT) > 0;
}

std::vector<hsize_t> dims_of(hid_t file, const char* path) {
  Id d(H5Dopen2(file, path, H5P_DEFAULT), H5Dclose);
  Id s(H5Dget_space(d), H5Sclose);
  const int rank = H5Sget_simple_extent_ndims(s);
  std::vector<hsize_t> dims(static_cast<std::size_t>(rank));
  H5Sget_simple_extent_dims(s, dims.data(), nullptr);
  return dims;
}

template <class T>
std::vector<T> read_all(hid_t file, const char* path, hid_t mem_type) {
  Id d(H5Dopen2(file, path, H5P_DEFAULT), H5Dclose);
  Id s(H5Dget_space(d), H5Sclose);
  const hssize_t n = H5Sget_simple_extent_npoints(s);
  REQUIRE(n >= 0);
  std::vector<T> out(static_cast<std::size_t>(n));
  if (n > 0) REQUIRE(H5Dread(d, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, out.data()) >= 0);
  return out;
}

// ----------------------------------------------------------------------------------------------
// A small run: 2 regions, 3 metrics, 4 x 3 grid with 2 fields, 2 agent tables, 3 event kinds.

RunHeader small_header(int flush_every = 4) {
  RunHeader h;
  h.scenario_file = "scenarios/test.toml";
  h.scenario_sources = "# ==> scenarios/test.toml <==\nseed = 42\n";
  h.resolved_parameters = "seed = 42\n[grid]\nwidth = 4\n";
  h.seed = 0xFEDCBA9876543210ULL;
  h.program_version = "0.1.0-test";
  h.git_revision = "abcdef123456";
  h.threads = 3;
  h.started_at_utc = "2026-11-24T19:40:00Z";
  h.start_date = "2025-01";
  h.planned_steps = 10;
  h.currency = "USD";
  h.grid_width = 4;
  h.grid_height = 3;
  h.cell_km = 0.5;
  h.regions = {{"Capital", true, 1.0, 2.0, 3.0, 40.0, 0.9, 0.0},
               {"Riverside Park", false, 5.5, 6.5, 2.0, 25.5, 0.4, 1.25}};
  h.metrics = {{"startups", "count", "active startups"},
               {"funding", "USD", "venture funding raised this step"},
               {"employment", "persons", "jobs in the cluster"}};
  h.fields = {{"rent", "USD/m2/month", "office rent"}, {"talent", "persons/km2", "talent density"}};
  h.agent_tables = {{"startup", {{"cash", "USD", "cash on hand"}, {"employees", "persons", "head count"}}},
                    {"investor", {{"fund_size", "USD", "committed capital"}}}};
  h.event_kind_names = {"founding", "funding_round", "exit"};
  h.agent_type_names = {"startup", "investor"};
  h.flush_every_steps = flush_every;
  return h;
}

double metric_value(std::int64_t step, std::size_t m, std::size_t r) {
  return 1000.0 * static_cast<double>(m) + 10.0 * static_cast<double>(step) + static_cast<double>(r) + 0.125;
}

std::string date_of(std::int64_t step) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02d", 2025 + static_cast<int>(step / 12), 1 + static_cast<int>(step % 12));
  return buf;
}

void append_steps(RunWriter& w, std::int64_t from, std::int64_t to) {
  for (std::int64_t s = from; s < to; ++s) {
    std::vector<double> v(3 * 2);
    for (std::size_t m = 0; m < 3; ++m)
      for (std::size_t r = 0; r < 2; ++r) v[m * 2 + r] = metric_value(s, m, r);
    w.append_step(s, date_of(s), 2025.0 + static_cast<double>(s) / 12.0, v);
  }
}

std::vector<Event> some_events() {
  std::vector<Event> ev;
  for (int i = 0; i < 7; ++i) {
    Event e;
    e.step = i;
    e.kind = static_cast<std::int16_t>(i % 3);
    e.region = static_cast<std::int16_t>(i % 2 == 0 ? i % 2 : -1);
    e.subject_type = 0;
    e.object_type = static_cast<std::int8_t>(e.kind == 1 ? 1 : -1);
    e.detail = static_cast<std::int16_t>(i * 2);
    e.subject_id = 100 + i;
    e.object_id = e.kind == 1 ? 9000 + i : -1;
    e.amount = 1.5e6 * i;
    e.value = -0.25 * i;
    ev.push_back(e);
  }
  return ev;
}

std::vector<float> field_values(int snapshot, int field) {
  std::vector<float> v(12);
  for (int i = 0; i < 12; ++i)
    v[static_cast<std::size_t>(i)] = static_cast<float>(snapshot * 100 + field * 10 + i) + 0.5f;
  return v;
}

/// Writes the complete small run of 10 steps to `final_path` (finish() included), at `level`,
/// with run totals `summary` (empty: none).
void write_small_run(const fs::path& final_path,
                     biocluster::output::OutputLevel level = biocluster::output::OutputLevel::full,
                     std::vector<double> summary = {}) {
  RunHeader header = small_header();
  header.level = level;
  RunWriter w(final_path, header);
  CHECK(w.current_path() == RunWriter::partial_path(final_path));
  for (std::int64_t s = 0; s < 10; ++s) {
    append_steps(w, s, s + 1);
    const auto ev = some_events();
    if (s == 2) w.append_events(std::span(ev).subspan(0, 4));
    if (s == 7) w.append_events(std::span(ev).subspan(4));
    if (s == 0 || s == 9) {
      const int snap = s == 0 ? 0 : 1;
      const auto a = field_values(snap, 0), b = field_values(snap, 1);
      const std::array<std::span<const float>, 2> f{std::span<const float>(a), std::span<const float>(b)};
      w.append_field_snapshot(s, f);
    }
    if (s == 4 || s == 9) {
      // startups: 3 agents at step 4, 2 at step 9 (one left, one new)
      std::vector<std::int64_t> ids = s == 4 ? std::vector<std::int64_t>{1, 2, 3} : std::vector<std::int64_t>{2, 4};
      std::vector<double> cash, emp;
      for (auto id : ids) {
        cash.push_back(1000.0 * static_cast<double>(id) + static_cast<double>(s));
        emp.push_back(static_cast<double>(id + s));
      }
      const std::array<std::span<const double>, 2> cols{std::span<const double>(cash), std::span<const double>(emp)};
      w.append_agent_snapshot(s, 0, ids, cols);
      std::vector<std::int64_t> inv{77};
      std::vector<double> fund{5e8 + static_cast<double>(s)};
      const std::array<std::span<const double>, 1> icols{std::span<const double>(fund)};
      w.append_agent_snapshot(s, 1, inv, icols);
    }
  }
  w.finish(RunFooter{"2026-11-24T19:41:00Z", 10, 1.5, std::move(summary)});
  CHECK(w.current_path() == final_path);
}

/// Forks a child that writes `flushed + unflushed` steps (flushing every `flush_every`) plus some
/// events, then SIGKILLs itself without running any destructor. Returns the child's wait status.
/// The automatic flushes run on the writer thread, so a kill may also lose flushes still queued:
/// after `flushed` steps the child calls flush(), which returns once they are on disk, so that
/// exactly `flushed` steps survive the kill.
int write_killed_run(const fs::path& final_path, int flush_every, std::int64_t flushed, std::int64_t unflushed) {
  std::fflush(nullptr);
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    try {
      auto* w = new RunWriter(final_path, small_header(flush_every));  // never destroyed
      append_steps(*w, 0, flushed);
      w->flush();
      append_steps(*w, flushed, flushed + unflushed);
      const auto ev = some_events();
      w->append_events(ev);
      ::raise(SIGKILL);
    } catch (...) {
    }
    ::_exit(3);
  }
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  return status;
}

bool have_h5py() { return std::system("/usr/bin/python3 -c 'import h5py, numpy' >/dev/null 2>&1") == 0; }

// Reads every dataset and attribute of a finished run and of a killed run's .partial with h5py.
constexpr const char* kH5pyScript = R"PY(
import sys
import h5py
import numpy as np

final, partial, flushed = sys.argv[1], sys.argv[2], int(sys.argv[3])

def fail(msg):
    print("FAIL:", msg)
    sys.exit(1)

with h5py.File(final, "r") as f:
    for name in ["status", "format", "scenario_file", "scenario_sources", "resolved_parameters",
                 "program_version", "git_revision", "started_at_utc", "start_date", "currency",
                 "finished_at_utc"]:
        if not isinstance(f.attrs[name], str):
            fail(f"root attribute {name} is {type(f.attrs[name])}, not str")
    if f.attrs["status"] != "complete":
        fail("status " + f.attrs["status"])
    if int(f.attrs["seed"]) != 0xFEDCBA9876543210 or f.attrs["seed"].dtype != np.uint64:
        fail("seed")
    if int(f.attrs["format_version"]) != 1 or int(f.attrs["threads"]) != 3:
        fail("format_version/threads")
    seen = []
    def visit(name, obj):
        if isinstance(obj, h5py.Dataset):
            data = obj[()]
            seen.append(name)
            for k, v in obj.attrs.items():
                if k in ("units", "description", "dimensions") and not isinstance(v, str):
                    fail(f"{name}.{k} is not str")
    f.visititems(visit)
    for want in ["events", "regions", "time/date", "timeseries/funding", "fields/rent", "fields/step",
                 "agents/startup/id", "agents/startup/cash", "agents/startup/snapshot_start"]:
        if want not in seen:
            fail("dataset not read: " + want)
    ts = f["timeseries/funding"]
    if ts.shape != (10, 2) or ts.attrs["units"] != "USD" or ts.attrs["dimensions"] != "step, region":
        fail("timeseries/funding")
    if ts[3, 1] != 1000.0 + 30.0 + 1.0 + 0.125:
        fail("timeseries value")
    dates = f["time/date"][:].astype(str)
    if list(dates[:2]) != ["2025-01", "2025-02"] or dates[-1] != "2025-10":
        fail("dates " + str(dates))
    ev = f["events"][:]
    kinds = h5py.check_enum_dtype(f["events"].dtype["kind"])
    if kinds != {"founding": 0, "funding_round": 1, "exit": 2}:
        fail("kind enum " + str(kinds))
    types = h5py.check_enum_dtype(f["events"].dtype["subject_type"])
    if types != {"none": -1, "startup": 0, "investor": 1}:
        fail("agent type enum " + str(types))
    rounds = ev[ev["kind"] == kinds["funding_round"]]
    if len(ev) != 7 or len(rounds) != 2 or list(rounds["subject_id"]) != [101, 104]:
        fail("events " + str(ev))
    if list(rounds["object_type"]) != [types["investor"]] * 2:
        fail("object_type")
    reg = f["regions"][:]
    if reg.dtype["capital_area"] != np.bool_ or list(reg["capital_area"]) != [True, False]:
        fail("capital_area " + str(reg.dtype))
    if reg["name"][1].decode() != "Riverside Park":
        fail("region name")
    g = f["agents/startup"]
    rows = slice(g["snapshot_start"][1], g["snapshot_start"][1] + g["snapshot_count"][1])
    if list(g["id"][rows]) != [2, 4] or list(g.attrs["columns"]) != ["cash", "employees"]:
        fail("agent snapshot")
    if f["fields/rent"].shape != (2, 3, 4) or f["fields/rent"][1, 2, 3] != 111.5:
        fail("field")

# The killed run: a plain open is refused (SWMR flags), swmr=True opens it.
try:
    h5py.File(partial, "r").close()
    fail("plain open of a killed SWMR file unexpectedly worked")
except OSError as e:
    if "h5clear" not in str(e):
        fail("unexpected error: " + str(e))
with h5py.File(partial, "r", swmr=True) as f:
    if f.attrs["status"] != "incomplete":
        fail("partial status")
    n = int(f.attrs["steps_written"])
    if n != flushed or f["timeseries/startups"].shape[0] < n:
        fail(f"partial holds {n} steps")
    if not np.array_equal(f["time/step"][:n], np.arange(n)):
        fail("partial time/step")
print("h5py OK")
)PY";

}  // namespace

// ================================================================================================

TEST_CASE("partial_path appends .partial", "[output]") {
  CHECK(RunWriter::partial_path("out/run.h5") == fs::path("out/run.h5.partial"));
  CHECK(RunWriter::partial_path("run.h5") == fs::path("run.h5.partial"));
}

TEST_CASE("a finished run round-trips through the HDF5 C API", "[output]") {
  TempDir tmp;
  const fs::path final_path = tmp.path / "run.h5";
  write_small_run(final_path);
  REQUIRE(fs::exists(final_path));
  CHECK_FALSE(fs::exists(RunWriter::partial_path(final_path)));

  Id f(open_file(final_path), H5Fclose);

  SECTION("root attributes") {
    CHECK(attr_str(f, "/", "status") == "complete");
    CHECK(attr_str(f, "/", "format") == "biocluster-run");
    CHECK(attr_num<std::int32_t>(f, "/", "format_version", H5T_NATIVE_INT32) == 1);
    CHECK(attr_num<std::uint64_t>(f, "/", "seed", H5T_NATIVE_UINT64) == 0xFEDCBA9876543210ULL);
    CHECK(attr_str(f, "/", "program_version") == "0.1.0-test");
    CHECK(attr_str(f, "/", "git_revision") == "abcdef123456");
    CHECK(attr_str(f, "/", "scenario_file") == "scenarios/test.toml");
    CHECK(attr_str(f, "/", "scenario_sources") == "# ==> scenarios/test.toml <==\nseed = 42\n");
    CHECK(attr_str(f, "/", "resolved_parameters") == "seed = 42\n[grid]\nwidth = 4\n");
    CHECK(attr_num<std::int32_t>(f, "/", "threads", H5T_NATIVE_INT32) == 3);
    CHECK(attr_str(f, "/", "started_at_utc") == "2026-11-24T19:40:00Z");
    CHECK(attr_str(f, "/", "start_date") == "2025-01");
    CHECK(attr_num<std::int64_t>(f, "/", "planned_steps", H5T_NATIVE_INT64) == 10);
    CHECK(attr_str(f, "/", "currency") == "USD");
    CHECK(attr_str(f, "/", "finished_at_utc") == "2026-11-24T19:41:00Z");
    CHECK(attr_num<std::int64_t>(f, "/", "steps_completed", H5T_NATIVE_INT64) == 10);
    CHECK(attr_num<std::int64_t>(f, "/", "steps_written", H5T_NATIVE_INT64) == 10);
    CHECK(attr_num<double>(f, "/", "wall_seconds", H5T_NATIVE_DOUBLE) == 1.5);
    CHECK(attr_num<std::int32_t>(f, "/grid", "width", H5T_NATIVE_INT32) == 4);
    CHECK(attr_num<std::int32_t>(f, "/grid", "height", H5T_NATIVE_INT32) == 3);
    CHECK(attr_num<double>(f, "/grid", "cell_km", H5T_NATIVE_DOUBLE) == 0.5);
  }

  SECTION("time and timeseries") {
    CHECK(dims_of(f, "/time/step") == std::vector<hsize_t>{10});
    const auto steps = read_all<std::int64_t>(f, "/time/step", H5T_NATIVE_INT64);
    const auto years = read_all<double>(f, "/time/decimal_year", H5T_NATIVE_DOUBLE);
    Id dt(H5Tcopy(H5T_C_S1), H5Tclose);
    H5Tset_size(dt, 7);
    H5Tset_strpad(dt, H5T_STR_NULLPAD);
    const auto dates = read_all<std::array<char, 7>>(f, "/time/date", dt);
    for (std::int64_t s = 0; s < 10; ++s) {
      const auto i = static_cast<std::size_t>(s);
      CHECK(steps[i] == s);
      CHECK(years[i] == 2025.0 + static_cast<double>(s) / 12.0);
      CHECK(std::string(dates[i].data(), 7) == date_of(s));
    }
    const char* names[] = {"startups", "funding", "employment"};
    const char* units[] = {"count", "USD", "persons"};
    for (std::size_t m = 0; m < 3; ++m) {
      const std::string path = std::string("/timeseries/") + names[m];
      CHECK(dims_of(f, path.c_str()) == std::vector<hsize_t>{10, 2});
      const auto v = read_all<double>(f, path.c_str(), H5T_NATIVE_DOUBLE);
      for (std::int64_t s = 0; s < 10; ++s)
        for (std::size_t r = 0; r < 2; ++r) CHECK(v[static_cast<std::size_t>(s) * 2 + r] == metric_value(s, m, r));
      CHECK(attr_str(f, path.c_str(), "units") == units[m]);
      CHECK(attr_str(f, path.c_str(), "dimensions") == "step, region");
      CHECK_FALSE(attr_str(f, path.c_str(), "description").empty());
    }
    // chunked, gzip-compressed and shuffled
    Id d(H5Dopen2(f, "/timeseries/funding", H5P_DEFAULT), H5Dclose);
    Id dcpl(H5Dget_create_plist(d), H5Pclose);
    CHECK(H5Pget_layout(dcpl) == H5D_CHUNKED);
    CHECK(H5Pget_nfilters(dcpl) == 2);
    CHECK(H5Pall_filters_avail(dcpl) > 0);
  }

  SECTION("regions") {
    CHECK(dims_of(f, "/regions") == std::vector<hsize_t>{2});
    struct Row {
      char name[32];
      std::int8_t capital;
      double x, y, radius, rent, amenity, travel;
    };
    Id str(H5Tcopy(H5T_C_S1), H5Tclose);
    H5Tset_size(str, 32);
    H5Tset_strpad(str, H5T_STR_NULLTERM);
    H5Tset_cset(str, H5T_CSET_UTF8);  // names are UTF-8; HDF5 does not convert between charsets
    Id t(H5Tcreate(H5T_COMPOUND, sizeof(Row)), H5Tclose);
    H5Tinsert(t, "name", HOFFSET(Row, name), str);
    H5Tinsert(t, "x_km", HOFFSET(Row, x), H5T_NATIVE_DOUBLE);
    H5Tinsert(t, "y_km", HOFFSET(Row, y), H5T_NATIVE_DOUBLE);
    H5Tinsert(t, "radius_km", HOFFSET(Row, radius), H5T_NATIVE_DOUBLE);
    H5Tinsert(t, "rent_usd_per_m2_month", HOFFSET(Row, rent), H5T_NATIVE_DOUBLE);
    H5Tinsert(t, "amenity_index", HOFFSET(Row, amenity), H5T_NATIVE_DOUBLE);
    H5Tinsert(t, "travel_time_to_capital_h", HOFFSET(Row, travel), H5T_NATIVE_DOUBLE);
    const auto rows = read_all<Row>(f, "/regions", t);
    CHECK(std::string(rows[0].name) == "Capital");
    CHECK(std::string(rows[1].name) == "Riverside Park");
    CHECK(rows[1].x == 5.5);
    CHECK(rows[1].rent == 25.5);
    CHECK(rows[1].travel == 1.25);
    // capital_area is an int8 enum {FALSE, TRUE}
    Id d(H5Dopen2(f, "/regions", H5P_DEFAULT), H5Dclose);
    Id ft(H5Dget_type(d), H5Tclose);
    const int idx = H5Tget_member_index(ft, "capital_area");
    REQUIRE(idx >= 0);
    Id ct(H5Tget_member_type(ft, static_cast<unsigned>(idx)), H5Tclose);
    CHECK(H5Tget_class(ct) == H5T_ENUM);
    CHECK(H5Tget_size(ct) == 1);
    std::int8_t v = 0;
    char name[16];
    REQUIRE(H5Tenum_nameof(ct, &v, name, sizeof name) >= 0);
    CHECK(std::string(name) == "FALSE");
    v = 1;
    REQUIRE(H5Tenum_nameof(ct, &v, name, sizeof name) >= 0);
    CHECK(std::string(name) == "TRUE");
    Id bt(H5Tcreate(H5T_COMPOUND, 1), H5Tclose);  // HDF5 does not convert enum -> integer: read as the enum
    H5Tinsert(bt, "capital_area", 0, ct);
    const auto cap = read_all<std::int8_t>(f, "/regions", bt);
    CHECK(cap == std::vector<std::int8_t>{1, 0});
  }

  SECTION("events round-trip with enum kinds") {
    CHECK(dims_of(f, "/events") == std::vector<hsize_t>{7});
    Id d(H5Dopen2(f, "/events", H5P_DEFAULT), H5Dclose);
    Id ft(H5Dget_type(d), H5Tclose);
    REQUIRE(H5Tget_class(ft) == H5T_COMPOUND);
    Id kt(H5Tget_member_type(ft, static_cast<unsigned>(H5Tget_member_index(ft, "kind"))), H5Tclose);
    REQUIRE(H5Tget_class(kt) == H5T_ENUM);
    CHECK(H5Tget_nmembers(kt) == 3);
    char name[64];
    std::int16_t v = 1;
    REQUIRE(H5Tenum_nameof(kt, &v, name, sizeof name) >= 0);
    CHECK(std::string(name) == "funding_round");
    Id st(H5Tget_member_type(ft, static_cast<unsigned>(H5Tget_member_index(ft, "subject_type"))), H5Tclose);
    REQUIRE(H5Tget_class(st) == H5T_ENUM);
    std::int8_t none = -1;
    REQUIRE(H5Tenum_nameof(st, &none, name, sizeof name) >= 0);
    CHECK(std::string(name) == "none");
    std::int8_t inv = 1;
    REQUIRE(H5Tenum_nameof(st, &inv, name, sizeof name) >= 0);
    CHECK(std::string(name) == "investor");

    // Read into a plain struct with integer members: every field and every enum value.
    struct Row {
      std::int32_t step;
      std::int16_t kind, region, detail;
      std::int8_t subject_type, object_type;
      std::int64_t subject_id, object_id;
      double amount, value;
    };
    Id mt(H5Tcreate(H5T_COMPOUND, sizeof(Row)), H5Tclose);
    H5Tinsert(mt, "step", HOFFSET(Row, step), H5T_NATIVE_INT32);
    H5Tinsert(mt, "kind", HOFFSET(Row, kind), H5T_NATIVE_INT16);
    H5Tinsert(mt, "region", HOFFSET(Row, region), H5T_NATIVE_INT16);
    H5Tinsert(mt, "detail", HOFFSET(Row, detail), H5T_NATIVE_INT16);
    H5Tinsert(mt, "subject_type", HOFFSET(Row, subject_type), H5T_NATIVE_INT8);
    H5Tinsert(mt, "object_type", HOFFSET(Row, object_type), H5T_NATIVE_INT8);
    H5Tinsert(mt, "subject_id", HOFFSET(Row, subject_id), H5T_NATIVE_INT64);
    H5Tinsert(mt, "object_id", HOFFSET(Row, object_id), H5T_NATIVE_INT64);
    H5Tinsert(mt, "amount", HOFFSET(Row, amount), H5T_NATIVE_DOUBLE);
    H5Tinsert(mt, "value", HOFFSET(Row, value), H5T_NATIVE_DOUBLE);
    const auto rows = read_all<Row>(f, "/events", mt);
    const auto want = some_events();
    REQUIRE(rows.size() == want.size());
    for (std::size_t i = 0; i < rows.size(); ++i) {
      CHECK(rows[i].step == want[i].step);
      CHECK(rows[i].kind == want[i].kind);
      CHECK(rows[i].region == want[i].region);
      CHECK(rows[i].subject_type == want[i].subject_type);
      CHECK(rows[i].object_type == want[i].object_type);
      CHECK(rows[i].detail == want[i].detail);
      CHECK(rows[i].subject_id == want[i].subject_id);
      CHECK(rows[i].object_id == want[i].object_id);
      CHECK(rows[i].amount == want[i].amount);
      CHECK(rows[i].value == want[i].value);
    }
  }

  SECTION("field snapshots") {
    CHECK(dims_of(f, "/fields/rent") == std::vector<hsize_t>{2, 3, 4});
    CHECK(dims_of(f, "/fields/talent") == std::vector<hsize_t>{2, 3, 4});
    CHECK(read_all<std::int64_t>(f, "/fields/step", H5T_NATIVE_INT64) == std::vector<std::int64_t>{0, 9});
    const auto rent = read_all<float>(f, "/fields/rent", H5T_NATIVE_FLOAT);
    const auto talent = read_all<float>(f, "/fields/talent", H5T_NATIVE_FLOAT);
    for (int snap = 0; snap < 2; ++snap) {
      const auto a = field_values(snap, 0), b = field_values(snap, 1);
      for (std::size_t i = 0; i < 12; ++i) {
        CHECK(rent[static_cast<std::size_t>(snap) * 12 + i] == a[i]);
        CHECK(talent[static_cast<std::size_t>(snap) * 12 + i] == b[i]);
      }
    }
    CHECK(attr_str(f, "/fields/rent", "units") == "USD/m2/month");
    CHECK(attr_str(f, "/fields/talent", "description") == "talent density");
  }

  SECTION("agent snapshot tables are consistent CSR") {
    const auto steps = read_all<std::int64_t>(f, "/agents/startup/snapshot_step", H5T_NATIVE_INT64);
    const auto start = read_all<std::int64_t>(f, "/agents/startup/snapshot_start", H5T_NATIVE_INT64);
    const auto count = read_all<std::int64_t>(f, "/agents/startup/snapshot_count", H5T_NATIVE_INT64);
    const auto ids = read_all<std::int64_t>(f, "/agents/startup/id", H5T_NATIVE_INT64);
    const auto cash = read_all<double>(f, "/agents/startup/cash", H5T_NATIVE_DOUBLE);
    const auto emp = read_all<double>(f, "/agents/startup/employees", H5T_NATIVE_DOUBLE);
    CHECK(steps == std::vector<std::int64_t>{4, 9});
    CHECK(start == std::vector<std::int64_t>{0, 3});
    CHECK(count == std::vector<std::int64_t>{3, 2});
    CHECK(ids == std::vector<std::int64_t>{1, 2, 3, 2, 4});
    REQUIRE(cash.size() == ids.size());
    REQUIRE(emp.size() == ids.size());
    for (std::size_t s = 0; s < steps.size(); ++s)
      for (auto row = start[s]; row < start[s] + count[s]; ++row) {
        const auto i = static_cast<std::size_t>(row);
        CHECK(cash[i] == 1000.0 * static_cast<double>(ids[i]) + static_cast<double>(steps[s]));
        CHECK(emp[i] == static_cast<double>(ids[i] + steps[s]));
      }
    CHECK(attr_str(f, "/agents/startup/cash", "units") == "USD");
    CHECK(read_all<std::int64_t>(f, "/agents/investor/id", H5T_NATIVE_INT64) == std::vector<std::int64_t>{77, 77});
    CHECK(read_all<double>(f, "/agents/investor/fund_size", H5T_NATIVE_DOUBLE) ==
          std::vector<double>{5e8 + 4, 5e8 + 9});
    CHECK(read_all<std::int64_t>(f, "/agents/investor/snapshot_start", H5T_NATIVE_INT64) ==
          std::vector<std::int64_t>{0, 1});
  }

  SECTION("no HDF5 object of the file is left open by the writer") {
    CHECK(H5Fget_obj_count(H5F_OBJ_ALL, H5F_OBJ_ALL) == 1);  // only this test's own file id
  }
}

namespace {

/// Raw bytes of a dataset, read in its own file type (no conversion).
std::vector<unsigned char> raw_bytes(hid_t file, const std::string& path) {
  Id d(H5Dopen2(file, path.c_str(), H5P_DEFAULT), H5Dclose);
  Id t(H5Dget_type(d), H5Tclose);
  Id s(H5Dget_space(d), H5Sclose);
  const auto n = static_cast<std::size_t>(H5Sget_simple_extent_npoints(s));
  std::vector<unsigned char> out(n * H5Tget_size(t));
  if (n > 0) REQUIRE(H5Dread(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, out.data()) >= 0);
  return out;
}

/// 300 steps with events every step: with flush_every_steps = 1 the file accumulates many
/// superseded chunk copies, which finish() must drop.
void write_long_run(const fs::path& final_path, int flush_every, std::uintmax_t* partial_bytes) {
  RunWriter w(final_path, small_header(flush_every));
  for (std::int64_t s = 0; s < 300; ++s) {
    auto ev = some_events();
    for (auto& e : ev) e.step = static_cast<std::int32_t>(s);
    w.append_events(ev);
    append_steps(w, s, s + 1);
  }
  w.flush();
  *partial_bytes = fs::file_size(RunWriter::partial_path(final_path));
  w.finish(RunFooter{"2026-11-24T20:00:00Z", 300, 2.0, {}});
}

}  // namespace

TEST_CASE("finish compacts a file bloated by frequent flushes, without changing its contents", "[output]") {
  TempDir tmp;
  const fs::path often = tmp.path / "often.h5", once = tmp.path / "once.h5";
  std::uintmax_t often_partial = 0, once_partial = 0;
  write_long_run(often, 1, &often_partial);      // 300 flushes
  write_long_run(once, 1000000, &once_partial);  // a single flush
  for (const auto& p : {often, once}) {
    CHECK(fs::exists(p));
    CHECK_FALSE(fs::exists(RunWriter::partial_path(p)));
    CHECK_FALSE(fs::exists(fs::path(RunWriter::partial_path(p).string() + ".tmp")));
  }
  INFO("partial " << often_partial << " bytes, final " << fs::file_size(often) << " bytes, single flush "
                  << fs::file_size(once) << " bytes");
  CHECK(often_partial > 3 * fs::file_size(often));              // the dead chunk copies were dropped
  CHECK(fs::file_size(often) < fs::file_size(once) * 11 / 10);  // as small as a file flushed once

  Id a(open_file(often), H5Fclose);
  Id b(open_file(once), H5Fclose);
  for (const char* path : {"/regions", "/time/step", "/time/date", "/time/decimal_year", "/timeseries/startups",
                           "/timeseries/funding", "/timeseries/employment", "/events", "/fields/step", "/fields/rent",
                           "/agents/startup/id", "/agents/startup/snapshot_start", "/agents/investor/fund_size"}) {
    INFO(path);
    CHECK(raw_bytes(a, path) == raw_bytes(b, path));
    CHECK(dims_of(a, path) == dims_of(b, path));
  }
  CHECK(dims_of(a, "/events") == std::vector<hsize_t>{300 * 7});
  for (const char* name : {"status", "format", "scenario_sources", "git_revision", "finished_at_utc"})
    CHECK(attr_str(a, "/", name) == attr_str(b, "/", name));
  CHECK(attr_str(a, "/", "status") == "complete");
  CHECK(attr_num<std::int64_t>(a, "/", "steps_written", H5T_NATIVE_INT64) == 300);
  CHECK(attr_num<std::int64_t>(a, "/", "steps_completed", H5T_NATIVE_INT64) == 300);
  CHECK(attr_num<std::uint64_t>(a, "/", "seed", H5T_NATIVE_UINT64) == 0xFEDCBA9876543210ULL);
  CHECK(attr_str(a, "/timeseries/funding", "units") == "USD");
  CHECK(attr_str(a, "/agents/startup/cash", "description") == "cash on hand");
  const auto v = read_all<double>(a, "/timeseries/funding", H5T_NATIVE_DOUBLE);
  REQUIRE(v.size() == 600);
  CHECK(v[299 * 2 + 1] == metric_value(299, 1, 1));
}

TEST_CASE("identical runs give byte-identical files", "[output]") {
  TempDir tmp;
  write_small_run(tmp.path / "a.h5");
  write_small_run(tmp.path / "b.h5");
  std::ifstream a(tmp.path / "a.h5", std::ios::binary), b(tmp.path / "b.h5", std::ios::binary);
  const std::string ba((std::istreambuf_iterator<char>(a)), std::istreambuf_iterator<char>());
  const std::string bb((std::istreambuf_iterator<char>(b)), std::istreambuf_iterator<char>());
  CHECK(ba.size() > 0);
  CHECK(ba == bb);
}

TEST_CASE("each output level writes its groups and leaves the rest out; /summary holds the run totals", "[output]") {
  using biocluster::output::OutputLevel;
  TempDir tmp;
  // Totals as a caller computes them: metric-major [metric x region].
  std::vector<double> totals(3 * 2);
  for (std::size_t m = 0; m < 3; ++m)
    for (std::size_t r = 0; r < 2; ++r) totals[m * 2 + r] = metric_value(9, m, r) + 0.5;
  const std::array<OutputLevel, 4> levels{OutputLevel::summary, OutputLevel::series, OutputLevel::events,
                                          OutputLevel::full};
  for (const OutputLevel level : levels) {
    const std::string name = biocluster::output::output_level_name(level);
    CHECK(biocluster::output::parse_output_level(name) == level);
    const fs::path p = tmp.path / (name + ".h5");
    write_small_run(p, level, totals);
    Id f(open_file(p), H5Fclose);
    CHECK(attr_str(f, "/", "output_level") == name);
    CHECK(attr_str(f, "/", "status") == "complete");
    auto has = [&](const char* obj) { return H5Lexists(f, obj, H5P_DEFAULT) > 0; };
    CHECK(has("grid"));
    CHECK(has("regions"));
    CHECK(has("time"));
    CHECK(dims_of(f, "/time/step") == std::vector<hsize_t>{10});
    CHECK(has("timeseries") == (level >= OutputLevel::series));
    CHECK(has("events") == (level >= OutputLevel::events));
    CHECK(has("fields") == (level == OutputLevel::full));
    CHECK(has("agents") == (level == OutputLevel::full));
    REQUIRE(has("summary"));
    const auto funding = read_all<double>(f, "/summary/funding", H5T_NATIVE_DOUBLE);
    CHECK(funding == std::vector<double>{totals[2], totals[3]});
    CHECK(attr_str(f, "/summary/funding", "units") == "USD");
    CHECK(attr_str(f, "/summary/startups", "summary") == "final");
  }
  CHECK_THROWS_WITH(biocluster::output::parse_output_level("everything"),
                    Catch::Contains("summary, series, events, full"));
  // A summary of the wrong size is refused, naming the expected size.
  RunWriter w(tmp.path / "bad.h5", small_header());
  append_steps(w, 0, 1);
  CHECK_THROWS_WITH(w.finish(RunFooter{"x", 1, 0.0, {1.0, 2.0}}), Catch::Contains("expected 6"));
}

TEST_CASE("finish replaces an existing final file", "[output]") {
  TempDir tmp;
  const fs::path final_path = tmp.path / "run.h5";
  { std::ofstream(final_path) << "old contents"; }
  {
    RunWriter w(final_path, small_header());
    CHECK(fs::file_size(final_path) == 12);  // left alone until finish()
    append_steps(w, 0, 3);
    w.finish(RunFooter{"x", 3, 0.1, {}});
  }
  Id f(open_file(final_path), H5Fclose);
  CHECK(attr_str(f, "/", "status") == "complete");
  CHECK(dims_of(f, "/timeseries/startups") == std::vector<hsize_t>{3, 2});
}

TEST_CASE("destroying without finish leaves a closed .partial marked incomplete", "[output]") {
  TempDir tmp;
  const fs::path final_path = tmp.path / "run.h5";
  {
    RunWriter w(final_path, small_header(4));
    append_steps(w, 0, 6);  // one automatic flush at 4 steps, 2 steps buffered
    const auto ev = some_events();
    w.append_events(ev);
  }
  CHECK_FALSE(fs::exists(final_path));
  const fs::path partial = RunWriter::partial_path(final_path);
  REQUIRE(fs::exists(partial));
  Id f(open_file(partial), H5Fclose);  // closed cleanly: opens without SWMR
  CHECK(attr_str(f, "/", "status") == "incomplete");
  CHECK_FALSE(has_attr(f, "/", "finished_at_utc"));
  CHECK(attr_num<std::int64_t>(f, "/", "steps_written", H5T_NATIVE_INT64) == 6);
  CHECK(dims_of(f, "/timeseries/employment") == std::vector<hsize_t>{6, 2});
  CHECK(dims_of(f, "/events") == std::vector<hsize_t>{7});
  const auto v = read_all<double>(f, "/timeseries/employment", H5T_NATIVE_DOUBLE);
  CHECK(v[5 * 2 + 1] == metric_value(5, 2, 1));
}

TEST_CASE("an unwritable or missing directory is an OutputError naming the path", "[output]") {
  TempDir tmp;
  SECTION("missing directory") {
    const fs::path p = tmp.path / "no_such_dir" / "run.h5";
    try {
      RunWriter w(p, small_header());
      FAIL("no exception");
    } catch (const OutputError& e) {
      const std::string msg = e.what();
      CHECK_THAT(msg, Catch::Contains(RunWriter::partial_path(p).string()));
      CHECK_THAT(msg, Catch::Contains("-o"));
    }
  }
  SECTION("read-only directory") {
    const fs::path dir = tmp.path / "ro";
    fs::create_directory(dir);
    fs::permissions(dir, fs::perms::owner_read | fs::perms::owner_exec);
    const fs::path p = dir / "run.h5";
    if (::access(dir.c_str(), W_OK) == 0) {
      WARN("running as root: a read-only directory is still writable, skipping");
    } else {
      try {
        RunWriter w(p, small_header());
        FAIL("no exception");
      } catch (const OutputError& e) {
        CHECK_THAT(std::string(e.what()), Catch::Contains(RunWriter::partial_path(p).string()));
      }
    }
  }
  SECTION("parent is a regular file") {
    const fs::path file = tmp.path / "plain.txt";
    { std::ofstream(file) << "x"; }
    const fs::path p = file / "run.h5";
    CHECK_THROWS_WITH(RunWriter(p, small_header()), Catch::Contains(RunWriter::partial_path(p).string()));
  }
  SECTION("HDF5 itself cannot create the file: the HDF5 reason is in the message") {
    const fs::path p = tmp.path / "run.h5";
    fs::create_directory(RunWriter::partial_path(p));  // H5Fcreate on a directory fails
    try {
      RunWriter w(p, small_header());
      FAIL("no exception");
    } catch (const OutputError& e) {
      const std::string msg = e.what();
      CHECK_THAT(msg, Catch::Contains(RunWriter::partial_path(p).string()));
      CHECK_THAT(msg, Catch::Contains("HDF5:"));
      CHECK_THAT(msg, Catch::Contains("pass -o with a writable path"));
    }
  }
  SECTION("path is a directory") {
    const fs::path p = tmp.path / "isdir.h5";
    fs::create_directory(p);
    CHECK_THROWS_AS(RunWriter(p, small_header()), OutputError);
  }
}

TEST_CASE("size mismatches and bad codes are OutputErrors", "[output]") {
  TempDir tmp;
  const fs::path final_path = tmp.path / "run.h5";
  RunWriter w(final_path, small_header());
  std::vector<double> five(5, 0.0);
  CHECK_THROWS_WITH(w.append_step(0, "2025-01", 2025.0, five),
                    Catch::Contains("expected 6") && Catch::Contains("run.h5.partial"));
  std::vector<double> six(6, 0.0);
  CHECK_THROWS_AS(w.append_step(0, "2025-01-01", 2025.0, six), OutputError);
  Event e;
  e.kind = 3;  // only 3 kinds declared
  e.subject_type = 0;
  CHECK_THROWS_WITH(w.append_events(std::span(&e, 1)), Catch::Contains("kind 3"));
  e.kind = 0;
  e.object_type = 2;
  CHECK_THROWS_AS(w.append_events(std::span(&e, 1)), OutputError);
  const std::vector<float> small(11, 0.0f);
  const std::array<std::span<const float>, 2> f{std::span<const float>(small), std::span<const float>(small)};
  CHECK_THROWS_WITH(w.append_field_snapshot(0, f), Catch::Contains("expected 12"));
  const std::vector<std::int64_t> ids{1, 2};
  const std::vector<double> one{1.0};
  const std::array<std::span<const double>, 2> cols{std::span<const double>(one), std::span<const double>(one)};
  CHECK_THROWS_AS(w.append_agent_snapshot(0, 0, ids, cols), OutputError);
  CHECK_THROWS_AS(w.append_agent_snapshot(0, 5, ids, cols), OutputError);
  // the writer still works after rejected input
  append_steps(w, 0, 2);
  w.finish(RunFooter{"x", 2, 0.0, {}});
  Id file(open_file(final_path), H5Fclose);
  CHECK(dims_of(file, "/timeseries/funding") == std::vector<hsize_t>{2, 2});
}

TEST_CASE("invalid headers are rejected before a file is created", "[output]") {
  TempDir tmp;
  const fs::path p = tmp.path / "run.h5";
  auto h = small_header();
  SECTION("duplicate metric") { h.metrics.push_back(h.metrics[0]); }
  SECTION("slash in a name") { h.metrics[0].name = "a/b"; }
  SECTION("reserved column") { h.agent_tables[0].columns[0].name = "id"; }
  SECTION("flush interval") { h.flush_every_steps = 0; }
  SECTION("agent type called none") { h.agent_type_names.push_back("none"); }
  CHECK_THROWS_AS(RunWriter(p, h), OutputError);
  CHECK_FALSE(fs::exists(RunWriter::partial_path(p)));
}

TEST_CASE("an empty model (no regions, metrics, fields, tables or kinds) still writes a valid file", "[output]") {
  TempDir tmp;
  const fs::path p = tmp.path / "empty.h5";
  RunHeader h;
  h.start_date = "2025-01";
  {
    RunWriter w(p, h);
    for (std::int64_t s = 0; s < 3; ++s) w.append_step(s, date_of(s), 2025.0, {});
    w.append_events({});
    w.append_field_snapshot(0, {});
    w.finish(RunFooter{"x", 3, 0.0, {}});
  }
  Id f(open_file(p), H5Fclose);
  CHECK(attr_str(f, "/", "status") == "complete");
  CHECK(dims_of(f, "/time/step") == std::vector<hsize_t>{3});
  CHECK(dims_of(f, "/regions") == std::vector<hsize_t>{0});
  CHECK(dims_of(f, "/events") == std::vector<hsize_t>{0});
  CHECK(dims_of(f, "/fields/step") == std::vector<hsize_t>{1});
}

TEST_CASE("metrics without regions are [steps x 0] time series", "[output]") {
  TempDir tmp;
  const fs::path p = tmp.path / "r.h5";
  auto h = small_header();
  h.regions.clear();
  {
    RunWriter w(p, h);
    w.append_step(0, "2025-01", 2025.0, {});
    w.finish(RunFooter{"x", 1, 0.0, {}});
  }
  Id f(open_file(p), H5Fclose);
  CHECK(dims_of(f, "/timeseries/funding") == std::vector<hsize_t>{1, 0});
}

TEST_CASE("large grids are chunked by bands of rows under 4 MiB", "[output]") {
  TempDir tmp;
  const fs::path p = tmp.path / "big.h5";
  auto h = small_header();
  h.grid_width = 1500;
  h.grid_height = 1000;  // 6 MB per float32 snapshot
  h.fields.resize(1);
  {
    RunWriter w(p, h);
    std::vector<float> v(1500 * 1000);
    for (std::size_t i = 0; i < v.size(); ++i) v[i] = static_cast<float>(i % 1000);
    const std::array<std::span<const float>, 1> f{std::span<const float>(v)};
    w.append_field_snapshot(0, f);
    w.finish(RunFooter{"x", 0, 0.0, {}});
  }
  Id file(open_file(p), H5Fclose);
  Id d(H5Dopen2(file, "/fields/rent", H5P_DEFAULT), H5Dclose);
  Id dcpl(H5Dget_create_plist(d), H5Pclose);
  hsize_t chunk[3];
  REQUIRE(H5Pget_chunk(dcpl, 3, chunk) == 3);
  CHECK(chunk[0] == 1);
  CHECK(chunk[2] == 1500);
  CHECK(chunk[1] * chunk[2] * 4 <= 4u * 1024 * 1024);
  CHECK(chunk[1] > 1);
  const auto back = read_all<float>(file, "/fields/rent", H5T_NATIVE_FLOAT);
  REQUIRE(back.size() == 1500u * 1000u);
  CHECK(back[1234567] == static_cast<float>(1234567 % 1000));
}

TEST_CASE("a run killed with SIGKILL leaves a readable .partial with every flushed step", "[output][sigkill]") {
  TempDir tmp;
  const fs::path final_path = tmp.path / "killed.h5";
  constexpr int kFlushEvery = 5;
  constexpr std::int64_t kFlushed = 15;   // 3 automatic flushes
  constexpr std::int64_t kUnflushed = 3;  // appended after the last flush, then killed

  const int status = write_killed_run(final_path, kFlushEvery, kFlushed, kUnflushed);
  REQUIRE(WIFSIGNALED(status));
  REQUIRE(WTERMSIG(status) == SIGKILL);

  CHECK_FALSE(fs::exists(final_path));
  const fs::path partial = RunWriter::partial_path(final_path);
  REQUIRE(fs::exists(partial));
  // The writer died in SWMR mode: the file opens with the SWMR-read flag.
  Id f(open_file(partial, /*swmr_read=*/true), H5Fclose);
  CHECK(attr_str(f, "/", "status") == "incomplete");
  const auto written = attr_num<std::int64_t>(f, "/", "steps_written", H5T_NATIVE_INT64);
  CHECK(written == kFlushed);
  const auto steps = read_all<std::int64_t>(f, "/time/step", H5T_NATIVE_INT64);
  REQUIRE(static_cast<std::int64_t>(steps.size()) >= kFlushed);
  for (std::int64_t s = 0; s < kFlushed; ++s) CHECK(steps[static_cast<std::size_t>(s)] == s);
  for (std::size_t m = 0; m < 3; ++m) {
    const char* names[] = {"startups", "funding", "employment"};
    const std::string path = std::string("/timeseries/") + names[m];
    const auto v = read_all<double>(f, path.c_str(), H5T_NATIVE_DOUBLE);
    REQUIRE(v.size() >= static_cast<std::size_t>(kFlushed) * 2);
    for (std::int64_t s = 0; s < kFlushed; ++s)
      for (std::size_t r = 0; r < 2; ++r) CHECK(v[static_cast<std::size_t>(s) * 2 + r] == metric_value(s, m, r));
  }
}

TEST_CASE("h5py reads every dataset, enum events and str attributes", "[output][h5py]") {
  if (!have_h5py()) {
    WARN("/usr/bin/python3 with h5py and numpy not found; skipping the h5py check");
    return;
  }
  TempDir tmp;
  const fs::path final_path = tmp.path / "run.h5";
  write_small_run(final_path);
  const fs::path killed = tmp.path / "killed.h5";
  const int status = write_killed_run(killed, 4, 8, 2);  // flushes at 4 and 8, 2 steps lost
  REQUIRE(WIFSIGNALED(status));
  const fs::path script = tmp.path / "check.py";
  { std::ofstream(script) << kH5pyScript; }
  const fs::path log = tmp.path / "check.log";
  const std::string cmd = "/usr/bin/python3 '" + script.string() + "' '" + final_path.string() + "' '" +
                          RunWriter::partial_path(killed).string() + "' 8 >'" + log.string() + "' 2>&1";
  const int rc = std::system(cmd.c_str());
  std::ifstream in(log);
  const std::string out((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  INFO(out);
  CHECK(rc == 0);
  CHECK_THAT(out, Catch::Contains("h5py OK"));
}

namespace {

/// A run of many small flushes with events every step and snapshots now and then; with
/// `finish_it` false the writer is destroyed without finish().
void write_many_steps(const fs::path& final_path, bool finish_it) {
  RunWriter w(final_path, small_header(7));
  for (std::int64_t s = 0; s < 500; ++s) {
    auto ev = some_events();
    for (auto& e : ev) e.step = static_cast<std::int32_t>(s);
    w.append_events(ev);
    append_steps(w, s, s + 1);
    if (s % 50 == 0) {
      const auto a = field_values(static_cast<int>(s), 0), b = field_values(static_cast<int>(s), 1);
      const std::array<std::span<const float>, 2> f{std::span<const float>(a), std::span<const float>(b)};
      w.append_field_snapshot(s, f);
    }
    if (s % 10 == 0) {
      std::vector<std::int64_t> ids{s, s + 1, s + 2};
      std::vector<double> cash{1.0 * static_cast<double>(s), 2.0, 3.0}, emp{4.0, 5.0, 6.0};
      const std::array<std::span<const double>, 2> cols{std::span<const double>(cash), std::span<const double>(emp)};
      w.append_agent_snapshot(s, 0, ids, cols);
    }
  }
  if (finish_it) w.finish(RunFooter{"x", 500, 1.0, {}});
}

}  // namespace

TEST_CASE("destroying without finish after many queued appends keeps every step, as finish would", "[output]") {
  TempDir tmp;
  const fs::path dropped = tmp.path / "dropped.h5", finished = tmp.path / "finished.h5";
  write_many_steps(dropped, false);
  write_many_steps(finished, true);
  CHECK_FALSE(fs::exists(dropped));
  const fs::path partial = RunWriter::partial_path(dropped);
  REQUIRE(fs::exists(partial));
  Id a(open_file(partial), H5Fclose);  // closed cleanly: opens without SWMR
  Id b(open_file(finished), H5Fclose);
  CHECK(attr_str(a, "/", "status") == "incomplete");
  CHECK(attr_num<std::int64_t>(a, "/", "steps_written", H5T_NATIVE_INT64) == 500);
  CHECK(dims_of(a, "/time/step") == std::vector<hsize_t>{500});
  CHECK(dims_of(a, "/events") == std::vector<hsize_t>{500 * 7});
  CHECK(dims_of(a, "/fields/step") == std::vector<hsize_t>{10});
  CHECK(dims_of(a, "/agents/startup/snapshot_step") == std::vector<hsize_t>{50});
  // Same rows as the finished run, whatever the writer thread's timing was.
  for (const char* path : {"/time/step", "/time/date", "/timeseries/funding", "/events", "/fields/step",
                           "/fields/talent", "/agents/startup/id", "/agents/startup/cash",
                           "/agents/startup/snapshot_start", "/agents/startup/snapshot_count"}) {
    INFO(path);
    CHECK(raw_bytes(a, path) == raw_bytes(b, path));
  }
}

TEST_CASE("a write failure on the writer thread is thrown by the next call, flush and finish", "[output]") {
  // The child limits its file size (RLIMIT_FSIZE, SIGXFSZ ignored: write() fails with EFBIG, as on
  // a full disk) after the file is created, so the first flush fails on the writer thread.
  TempDir tmp;
  const fs::path final_path = tmp.path / "full.h5";
  std::fflush(nullptr);
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    int code = 0;
    try {
      auto h = small_header(1);
      h.grid_width = 256;
      h.grid_height = 256;
      h.fields.resize(1);
      RunWriter w(final_path, h);
      ::signal(SIGXFSZ, SIG_IGN);
      const auto size = fs::file_size(RunWriter::partial_path(final_path));
      struct rlimit lim {
        static_cast<rlim_t>(size + 4096), static_cast<rlim_t>(size + 4096)
      };
      if (::setrlimit(RLIMIT_FSIZE, &lim) != 0) ::_exit(10);
      std::vector<float> noise(256 * 256);
      std::uint64_t x = 88172645463325252ULL;  // xorshift: incompressible values
      for (auto& v : noise) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        v = static_cast<float>(x % 1000003) * 0.001f;
      }
      const std::array<std::span<const float>, 1> f{std::span<const float>(noise)};
      w.append_field_snapshot(0, f);  // queued: no error yet
      append_steps(w, 0, 1);          // flush_every_steps = 1: the flush is queued and fails
      std::string first, second, third;
      try {
        w.flush();
        code = 11;
      } catch (const OutputError& e) {
        first = e.what();
      }
      try {
        append_steps(w, 1, 2);
        code = 12;
      } catch (const OutputError& e) {
        second = e.what();
      }
      try {
        w.finish(RunFooter{"x", 2, 0.0, {}});
        code = 13;
      } catch (const OutputError& e) {
        third = e.what();
      }
      std::fprintf(stderr, "writer-thread failure: %s\n", first.c_str());
      if (code == 0 && (first.empty() || first != second || first != third)) code = 14;
      if (code == 0 && first.find("check free disk space") == std::string::npos) code = 15;
      if (code == 0 && first.find("full.h5.partial") == std::string::npos) code = 16;
    } catch (...) {
      code = 17;
    }
    // The writer's destructor ran (closing what it can) without hanging or throwing.
    ::_exit(code);
  }
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  CHECK_FALSE(fs::exists(final_path));
  CHECK(fs::exists(RunWriter::partial_path(final_path)));
}
