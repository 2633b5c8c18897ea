// Sweep index writer and run-file reader (HDF5 C API). See sweep_index.hpp.
#include "output/sweep_index.hpp"

#include <hdf5.h>

#include <algorithm>
#include <cmath>
#include <system_error>

#include "sim/errors.hpp"

namespace biocluster::output {

namespace {

/// Owns an HDF5 id.
class Id {
 public:
  using Closer = herr_t (*)(hid_t);
  Id() = default;
  Id(hid_t id, Closer c) : id_(id), c_(c) {}
  Id(const Id&) = delete;
  Id& operator=(const Id&) = delete;
  Id(Id&& o) noexcept : id_(o.id_), c_(o.c_) { o.id_ = H5I_INVALID_HID; }
  Id& operator=(Id&& o) noexcept {
    if (this != &o) {
      reset();
      id_ = o.id_, c_ = o.c_;
      o.id_ = H5I_INVALID_HID;
    }
    return *this;
  }
  ~Id() { reset(); }
  void reset() {
    if (id_ >= 0 && c_) c_(id_);
    id_ = H5I_INVALID_HID;
  }
  hid_t get() const { return id_; }
  bool ok() const { return id_ >= 0; }

 private:
  hid_t id_ = H5I_INVALID_HID;
  Closer c_ = nullptr;
};

/// No automatic HDF5 error printing on this thread while alive.
class Quiet {
 public:
  Quiet() {
    if (H5Eget_auto2(H5E_DEFAULT, &f_, &d_) < 0) f_ = nullptr, d_ = nullptr;
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  }
  ~Quiet() { H5Eset_auto2(H5E_DEFAULT, f_, d_); }
  Quiet(const Quiet&) = delete;
  Quiet& operator=(const Quiet&) = delete;

 private:
  H5E_auto2_t f_ = nullptr;
  void* d_ = nullptr;
};

Id open_read(const std::filesystem::path& file) {
  Id fapl(H5Pcreate(H5P_FILE_ACCESS), H5Pclose);
  if (fapl.ok()) H5Pset_file_locking(fapl.get(), 0, 1);
  return Id(H5Fopen(file.c_str(), H5F_ACC_RDONLY, fapl.ok() ? fapl.get() : H5P_DEFAULT), H5Fclose);
}

bool read_str_attr(hid_t loc, const char* name, std::string& out) {
  if (H5Aexists(loc, name) <= 0) return false;
  Id a(H5Aopen(loc, name, H5P_DEFAULT), H5Aclose);
  if (!a.ok()) return false;
  Id ft(H5Aget_type(a.get()), H5Tclose);
  if (!ft.ok() || H5Tget_class(ft.get()) != H5T_STRING) return false;
  if (H5Tis_variable_str(ft.get()) > 0) {
    Id mt(H5Tcopy(H5T_C_S1), H5Tclose);
    H5Tset_size(mt.get(), H5T_VARIABLE);
    H5Tset_cset(mt.get(), H5Tget_cset(ft.get()));
    char* p = nullptr;
    if (H5Aread(a.get(), mt.get(), &p) < 0) return false;
    out = p ? p : "";
    Id sp(H5Screate(H5S_SCALAR), H5Sclose);
    H5Dvlen_reclaim(mt.get(), sp.get(), H5P_DEFAULT, &p);
    return true;
  }
  const std::size_t n = H5Tget_size(ft.get());
  std::string buf(n, '\0');
  if (H5Aread(a.get(), ft.get(), buf.data()) < 0) return false;
  out = buf.substr(0, buf.find('\0'));
  return true;
}

herr_t collect_name(hid_t, const char* name, const H5L_info_t*, void* data) {
  static_cast<std::vector<std::string>*>(data)->push_back(name);
  return 0;
}

[[noreturn]] void fail(const std::filesystem::path& file, const std::string& what) {
  throw OutputError("sweep index '" + file.string() + "': cannot " + what + " (disk full or not writable?)");
}

class Writer {
 public:
  explicit Writer(const std::filesystem::path& path) : path_(path) {
    Id fcpl(H5Pcreate(H5P_FILE_CREATE), H5Pclose);
    H5Pset_obj_track_times(fcpl.get(), 0);
    file_ = Id(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, fcpl.get(), H5P_DEFAULT), H5Fclose);
    if (!file_.ok()) fail(path, "create the file");
  }
  hid_t root() const { return file_.get(); }
  Id group(const char* name) {
    Id gcpl(H5Pcreate(H5P_GROUP_CREATE), H5Pclose);
    H5Pset_obj_track_times(gcpl.get(), 0);
    Id g(H5Gcreate2(file_.get(), name, H5P_DEFAULT, gcpl.get(), H5P_DEFAULT), H5Gclose);
    if (!g.ok()) fail(path_, std::string("create group ") + name);
    return g;
  }
  Id str_type() {
    Id t(H5Tcopy(H5T_C_S1), H5Tclose);
    H5Tset_size(t.get(), H5T_VARIABLE);
    H5Tset_cset(t.get(), H5T_CSET_UTF8);
    return t;
  }
  void attr_str(hid_t loc, const char* name, const std::string& v) {
    Id t = str_type();
    Id sp(H5Screate(H5S_SCALAR), H5Sclose);
    Id a(H5Acreate2(loc, name, t.get(), sp.get(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
    const char* p = v.c_str();
    if (!a.ok() || H5Awrite(a.get(), t.get(), &p) < 0) fail(path_, std::string("write attribute ") + name);
  }
  void attr_i64(hid_t loc, const char* name, std::int64_t v) {
    Id sp(H5Screate(H5S_SCALAR), H5Sclose);
    Id a(H5Acreate2(loc, name, H5T_STD_I64LE, sp.get(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
    if (!a.ok() || H5Awrite(a.get(), H5T_NATIVE_INT64, &v) < 0) fail(path_, std::string("write attribute ") + name);
  }
  void attr_u64(hid_t loc, const char* name, std::uint64_t v) {
    Id sp(H5Screate(H5S_SCALAR), H5Sclose);
    Id a(H5Acreate2(loc, name, H5T_STD_U64LE, sp.get(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
    if (!a.ok() || H5Awrite(a.get(), H5T_NATIVE_UINT64, &v) < 0) fail(path_, std::string("write attribute ") + name);
  }
  Id dataset(hid_t loc, const char* name, hid_t ftype, std::vector<hsize_t> dims) {
    Id sp(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr), H5Sclose);
    Id dcpl(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
    H5Pset_obj_track_times(dcpl.get(), 0);
    Id d(H5Dcreate2(loc, name, ftype, sp.get(), H5P_DEFAULT, dcpl.get(), H5P_DEFAULT), H5Dclose);
    if (!d.ok()) fail(path_, std::string("create dataset ") + name);
    return d;
  }
  template <class T>
  Id numbers(hid_t loc, const char* name, hid_t ftype, hid_t mtype, const std::vector<T>& v, std::vector<hsize_t> dims) {
    Id d = dataset(loc, name, ftype, std::move(dims));
    if (!v.empty() && H5Dwrite(d.get(), mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()) < 0)
      fail(path_, std::string("write dataset ") + name);
    return d;
  }
  Id strings(hid_t loc, const char* name, const std::vector<std::string>& v, std::vector<hsize_t> dims) {
    Id t = str_type();
    Id d = dataset(loc, name, t.get(), std::move(dims));
    std::vector<const char*> p;
    for (const auto& s : v) p.push_back(s.c_str());
    if (!p.empty() && H5Dwrite(d.get(), t.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, p.data()) < 0)
      fail(path_, std::string("write dataset ") + name);
    return d;
  }
  void close() {
    if (H5Fclose(file_.get()) < 0) fail(path_, "close the file");
    file_ = Id();
  }

 private:
  std::filesystem::path path_;
  Id file_;
};

}  // namespace

std::string run_file_status(const std::filesystem::path& file) {
  Quiet q;
  std::error_code ec;
  if (!std::filesystem::is_regular_file(file, ec)) return "";
  Id f = open_read(file);
  if (!f.ok()) return "";
  std::string s;
  if (!read_str_attr(f.get(), "status", s)) return "";
  return s;
}

RunMetrics summarise_run_file(const std::filesystem::path& file, const std::vector<std::string>& metrics) {
  Quiet q;
  Id f = open_read(file);
  if (!f.ok()) throw OutputError("cannot open run file '" + file.string() + "'");
  RunMetrics out;
  if (H5Aexists(f.get(), "seed") > 0) {
    Id a(H5Aopen(f.get(), "seed", H5P_DEFAULT), H5Aclose);
    H5Aread(a.get(), H5T_NATIVE_UINT64, &out.seed);
  }
  Id ts(H5Gopen2(f.get(), "timeseries", H5P_DEFAULT), H5Gclose);
  if (!ts.ok()) throw OutputError("run file '" + file.string() + "' has no /timeseries group");
  std::vector<std::string> available;
  hsize_t idx = 0;
  H5Literate(ts.get(), H5_INDEX_NAME, H5_ITER_INC, &idx, collect_name, &available);
  out.names = metrics.empty() ? available : metrics;
  for (const auto& m : out.names) {
    if (std::find(available.begin(), available.end(), m) == available.end()) {
      std::string list;
      for (const auto& a : available) list += (list.empty() ? "" : ", ") + a;
      throw ConfigError("sweep metric '" + m + "' is not a time series of the model; available: " + list);
    }
    Id d(H5Dopen2(ts.get(), m.c_str(), H5P_DEFAULT), H5Dclose);
    if (!d.ok()) throw OutputError("run file '" + file.string() + "': cannot open /timeseries/" + m);
    std::string unit;
    read_str_attr(d.get(), "units", unit);
    Id sp(H5Dget_space(d.get()), H5Sclose);
    hsize_t dims[2] = {0, 0};
    if (H5Sget_simple_extent_ndims(sp.get()) != 2) throw OutputError("run file '" + file.string() + "': /timeseries/" + m + " is not 2-D");
    H5Sget_simple_extent_dims(sp.get(), dims, nullptr);
    std::vector<double> v(dims[0] * dims[1]);
    if (!v.empty() && H5Dread(d.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()) < 0)
      throw OutputError("run file '" + file.string() + "': cannot read /timeseries/" + m);
    // The run file's "kind" attribute ("flow" or "stock"); older files: a unit ending in "/month" is a flow.
    std::string kind;
    const bool flow = read_str_attr(d.get(), "kind", kind) ? kind == "flow" : unit.size() > 6 && unit.ends_with("/month");
    double total = 0.0;
    const std::size_t steps = dims[0], regions = dims[1];
    for (std::size_t r = 0; r < regions; ++r) {
      double x = 0.0;
      if (flow) {
        for (std::size_t s = 0; s < steps; ++s) x += v[s * regions + r];
      } else if (steps > 0) {
        x = v[(steps - 1) * regions + r];
      }
      total += x;
    }
    out.units.push_back(unit);
    out.summaries.push_back(flow ? "sum" : "final");
    out.values.push_back(steps > 0 ? total : std::nan(""));
  }
  return out;
}

void write_sweep_index(const std::filesystem::path& path, const SweepIndex& x) {
  Quiet q;
  const auto tmp = std::filesystem::path(path.string() + ".partial");
  {
    Writer w(tmp);
    const hid_t root = w.root();
    w.attr_str(root, "format", "biocluster-sweep-index");
    w.attr_i64(root, "format_version", 1);
    w.attr_str(root, "sweep_hash", x.sweep_hash);
    w.attr_str(root, "sweep_text", x.sweep_text);
    w.attr_str(root, "design", x.design);
    w.attr_str(root, "program_version", x.program_version);
    w.attr_i64(root, "replicates", x.replicates);
    w.attr_u64(root, "sweep_seed", x.sweep_seed);
    const hsize_t np = x.point_block.size(), nf = x.factors.size(), nr = x.run_point.size(), nm = x.metrics.size();
    {
      Id g = w.group("design");
      w.strings(g.get(), "factors", x.factors, {nf});
      w.numbers(g.get(), "block", H5T_STD_I64LE, H5T_NATIVE_INT64, x.point_block, {np});
      w.strings(g.get(), "role", x.point_role, {np});
      w.numbers(g.get(), "unit", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, x.point_unit, {np, nf});
      w.numbers(g.get(), "value", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, x.point_value, {np, nf});
      w.strings(g.get(), "text", x.point_text, {np, nf});
    }
    {
      Id g = w.group("runs");
      w.numbers(g.get(), "point", H5T_STD_I64LE, H5T_NATIVE_INT64, x.run_point, {nr});
      w.numbers(g.get(), "replicate", H5T_STD_I64LE, H5T_NATIVE_INT64, x.run_replicate, {nr});
      w.numbers(g.get(), "seed", H5T_STD_U64LE, H5T_NATIVE_UINT64, x.run_seed, {nr});
      w.strings(g.get(), "status", x.run_status, {nr});
      w.strings(g.get(), "error", x.run_error, {nr});
      w.strings(g.get(), "file", x.run_file, {nr});
    }
    {
      Id g = w.group("metrics");
      for (hsize_t m = 0; m < nm; ++m) {
        std::vector<double> col(x.metric_values.begin() + static_cast<std::ptrdiff_t>(m * nr),
                                x.metric_values.begin() + static_cast<std::ptrdiff_t>((m + 1) * nr));
        Id d = w.numbers(g.get(), x.metrics[m].c_str(), H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, col, {nr});
        w.attr_str(d.get(), "units", x.metric_units[m]);
        w.attr_str(d.get(), "summary", x.metric_summaries[m] == "sum" ? "sum over steps and regions"
                                                                       : "final step, summed over regions");
      }
    }
    w.close();
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) throw OutputError("cannot rename '" + tmp.string() + "' to '" + path.string() + "': " + ec.message());
}

}  // namespace biocluster::output
