// Reads run files back (provenance, comparison). The only file besides run_writer.cpp that
// includes HDF5.
#include "output/run_reader.hpp"

#include <hdf5.h>

#include <algorithm>
#include <cstring>
#include <set>

#include "sim/errors.hpp"

namespace biocluster::output {

namespace {

/// Closes an HDF5 id with the right function when it goes out of scope.
class Handle {
 public:
  Handle(hid_t id, herr_t (*close)(hid_t)) : id_(id), close_(close) {}
  ~Handle() {
    if (id_ >= 0) close_(id_);
  }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  hid_t get() const { return id_; }
  bool ok() const { return id_ >= 0; }

 private:
  hid_t id_;
  herr_t (*close_)(hid_t);
};

hid_t open_run(const std::filesystem::path& file) {
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  std::error_code ec;
  if (!std::filesystem::exists(file, ec))
    throw OutputError("cannot open '" + file.string() + "': no such file");
  if (H5Fis_hdf5(file.c_str()) <= 0)
    throw OutputError("'" + file.string() + "' is not an HDF5 file; give a run file written by 'biocluster run'");
  hid_t f = H5Fopen(file.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  if (f < 0) f = H5Fopen(file.c_str(), H5F_ACC_RDONLY | H5F_ACC_SWMR_READ, H5P_DEFAULT);  // a killed run's .partial
  if (f < 0) throw OutputError("cannot open '" + file.string() + "' as HDF5 (truncated or damaged?)");
  return f;
}

bool has_attr(hid_t obj, const char* name) { return H5Aexists(obj, name) > 0; }

std::string read_string_attr(hid_t obj, const char* name) {
  if (!has_attr(obj, name)) return {};
  Handle a(H5Aopen(obj, name, H5P_DEFAULT), H5Aclose);
  Handle t(H5Aget_type(a.get()), H5Tclose);
  if (H5Tget_class(t.get()) != H5T_STRING) return {};
  if (H5Tis_variable_str(t.get()) > 0) {
    Handle mem(H5Tcopy(H5T_C_S1), H5Tclose);
    H5Tset_size(mem.get(), H5T_VARIABLE);
    H5Tset_cset(mem.get(), H5T_CSET_UTF8);
    char* s = nullptr;
    if (H5Aread(a.get(), mem.get(), &s) < 0 || !s) return {};
    std::string out(s);
    H5free_memory(s);
    return out;
  }
  const std::size_t n = H5Tget_size(t.get());
  std::string out(n, '\0');
  Handle mem(H5Tcopy(H5T_C_S1), H5Tclose);
  H5Tset_size(mem.get(), n);
  if (H5Aread(a.get(), mem.get(), out.data()) < 0) return {};
  out.resize(std::strlen(out.c_str()));
  return out;
}

template <class T>
T read_num_attr(hid_t obj, const char* name, hid_t mem_type) {
  T v{};
  if (!has_attr(obj, name)) return v;
  Handle a(H5Aopen(obj, name, H5P_DEFAULT), H5Aclose);
  H5Aread(a.get(), mem_type, &v);
  return v;
}

struct Collected {
  std::vector<std::string> names;
};

herr_t collect(hid_t, const char* name, const H5O_info_t* info, void* data) {
  if (info->type == H5O_TYPE_DATASET) static_cast<Collected*>(data)->names.emplace_back(name);
  return 0;
}

std::vector<std::string> dataset_names(hid_t f) {
  Collected c;
  H5Ovisit2(f, H5_INDEX_NAME, H5_ITER_INC, collect, &c, H5O_INFO_BASIC);
  std::sort(c.names.begin(), c.names.end());
  return c.names;
}

/// Raw bytes of a dataset in its file type (variable-length strings are not used in datasets).
bool read_raw(hid_t f, const std::string& name, std::vector<unsigned char>& bytes, std::vector<hsize_t>& dims,
              std::size_t& type_size, bool& type_equal_ref, hid_t ref_type) {
  Handle d(H5Dopen2(f, name.c_str(), H5P_DEFAULT), H5Dclose);
  if (!d.ok()) return false;
  Handle t(H5Dget_type(d.get()), H5Tclose);
  Handle s(H5Dget_space(d.get()), H5Sclose);
  const int rank = H5Sget_simple_extent_ndims(s.get());
  dims.assign(static_cast<std::size_t>(std::max(rank, 0)), 0);
  if (rank > 0) H5Sget_simple_extent_dims(s.get(), dims.data(), nullptr);
  hsize_t n = 1;
  for (auto x : dims) n *= x;
  type_size = H5Tget_size(t.get());
  type_equal_ref = ref_type < 0 || H5Tequal(t.get(), ref_type) > 0;
  bytes.assign(static_cast<std::size_t>(n) * type_size, 0);
  if (n > 0 && H5Dread(d.get(), t.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, bytes.data()) < 0) return false;
  return true;
}

}  // namespace

RunProvenance read_provenance(const std::filesystem::path& file) {
  Handle f(open_run(file), H5Fclose);
  RunProvenance p;
  p.format = read_string_attr(f.get(), "format");
  if (p.format != "biocluster-run")
    throw OutputError("'" + file.string() + "' is an HDF5 file but not a biocluster run (root attribute format = '" +
                      p.format + "')");
  p.status = read_string_attr(f.get(), "status");
  p.scenario_file = read_string_attr(f.get(), "scenario_file");
  p.resolved_parameters = read_string_attr(f.get(), "resolved_parameters");
  p.program_version = read_string_attr(f.get(), "program_version");
  p.git_revision = read_string_attr(f.get(), "git_revision");
  p.seed = read_num_attr<std::uint64_t>(f.get(), "seed", H5T_NATIVE_UINT64);
  p.threads = read_num_attr<std::int64_t>(f.get(), "threads", H5T_NATIVE_INT64);
  p.steps_written = read_num_attr<std::int64_t>(f.get(), "steps_written", H5T_NATIVE_INT64);
  if (p.resolved_parameters.empty())
    throw OutputError("'" + file.string() + "' holds no resolved_parameters attribute; it cannot be replayed");
  return p;
}

std::vector<std::string> compare_runs(const std::filesystem::path& a, const std::filesystem::path& b) {
  Handle fa(open_run(a), H5Fclose);
  Handle fb(open_run(b), H5Fclose);
  std::vector<std::string> diffs;
  const auto na = dataset_names(fa.get()), nb = dataset_names(fb.get());
  std::set<std::string> sa(na.begin(), na.end()), sb(nb.begin(), nb.end());
  for (const auto& n : na)
    if (!sb.count(n)) diffs.push_back("dataset /" + n + " only in " + a.string());
  for (const auto& n : nb)
    if (!sa.count(n)) diffs.push_back("dataset /" + n + " only in " + b.string());
  std::vector<unsigned char> xa, xb;
  std::vector<hsize_t> da, db;
  for (const auto& n : na) {
    if (!sb.count(n)) continue;
    std::size_t sza = 0, szb = 0;
    bool eq = true;
    Handle d(H5Dopen2(fa.get(), n.c_str(), H5P_DEFAULT), H5Dclose);
    Handle t(H5Dget_type(d.get()), H5Tclose);
    if (!read_raw(fa.get(), n, xa, da, sza, eq, -1) || !read_raw(fb.get(), n, xb, db, szb, eq, t.get())) {
      diffs.push_back("dataset /" + n + " could not be read");
      continue;
    }
    if (!eq || sza != szb) diffs.push_back("dataset /" + n + " has different types");
    else if (da != db) diffs.push_back("dataset /" + n + " has different shapes");
    else if (xa != xb) diffs.push_back("dataset /" + n + " has different values");
  }
  // Run-time attributes (timestamps, wall time, threads, file names, source texts) are not compared.
  for (const char* key : {"status", "resolved_parameters", "start_date", "currency", "program_version", "git_revision"}) {
    if (read_string_attr(fa.get(), key) != read_string_attr(fb.get(), key))
      diffs.push_back(std::string("root attribute ") + key + " differs");
  }
  for (const char* key : {"seed", "planned_steps", "steps_written"}) {
    if (read_num_attr<std::int64_t>(fa.get(), key, H5T_NATIVE_INT64) != read_num_attr<std::int64_t>(fb.get(), key, H5T_NATIVE_INT64))
      diffs.push_back(std::string("root attribute ") + key + " differs");
  }
  return diffs;
}

}  // namespace biocluster::output
