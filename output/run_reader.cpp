// Reads run files back (provenance, comparison). See run_reader.hpp.
#include "output/run_reader.hpp"

#include <algorithm>
#include <set>

#include "output/hdf5.hpp"
#include "sim/errors.hpp"

namespace biocluster::output {

namespace {

h5::Handle open_run(const std::filesystem::path& file) {
  std::error_code ec;
  if (!std::filesystem::exists(file, ec)) throw OutputError("cannot open '" + file.string() + "': no such file");
  if (H5Fis_hdf5(file.c_str()) <= 0)
    throw OutputError("'" + file.string() + "' is not an HDF5 file; give a run file written by 'biocluster run'");
  h5::Handle f = h5::open_read(file, /*file_locking=*/true);
  if (!f.valid()) throw OutputError("cannot open '" + file.string() + "' as HDF5 (truncated or damaged?)");
  return f;
}

std::string read_string_attr(hid_t obj, const char* name) { return h5::read_string_attr(obj, name).value_or(""); }

template <class T>
T read_num_attr(hid_t obj, const char* name, hid_t mem_type) {
  return h5::read_attr<T>(obj, name, mem_type).value_or(T{});
}

/// Raw bytes of a dataset in its file type (variable-length strings are not used in datasets).
bool read_raw(hid_t f, const std::string& name, std::vector<unsigned char>& bytes, std::vector<hsize_t>& dims,
              std::size_t& type_size, bool& type_equal_ref, hid_t ref_type) {
  h5::Handle d(H5Dopen2(f, name.c_str(), H5P_DEFAULT));
  if (!d.valid()) return false;
  h5::Handle t(H5Dget_type(d.get()));
  h5::Handle s(H5Dget_space(d.get()));
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
  h5::ErrorGuard quiet;
  const h5::Handle f = open_run(file);
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

std::vector<std::string> compare_runs(const std::filesystem::path& a, const std::filesystem::path& b,
                                      bool a_is_prefix) {
  h5::ErrorGuard quiet;
  const h5::Handle fa = open_run(a);
  const h5::Handle fb = open_run(b);
  std::vector<std::string> diffs;
  const auto na = h5::dataset_paths(fa.get()), nb = h5::dataset_paths(fb.get());
  std::set<std::string> sa(na.begin(), na.end()), sb(nb.begin(), nb.end());
  for (const auto& n : na)
    if (!sb.count(n)) diffs.push_back("dataset /" + n + " only in " + a.string());
  for (const auto& n : nb)
    // An unfinished run has no /summary yet (it is written by finish()).
    if (!sa.count(n) && !(a_is_prefix && n.starts_with("summary/")))
      diffs.push_back("dataset /" + n + " only in " + b.string());
  std::vector<unsigned char> xa, xb;
  std::vector<hsize_t> da, db;
  for (const auto& n : na) {
    if (!sb.count(n)) continue;
    std::size_t sza = 0, szb = 0;
    bool eq = true;
    h5::Handle d(H5Dopen2(fa.get(), n.c_str(), H5P_DEFAULT));
    h5::Handle t(H5Dget_type(d.get()));
    if (!read_raw(fa.get(), n, xa, da, sza, eq, -1) || !read_raw(fb.get(), n, xb, db, szb, eq, t.get())) {
      diffs.push_back("dataset /" + n + " could not be read");
      continue;
    }
    // A prefix has at most as many rows as the full run and the same shape otherwise.
    const bool prefix_shape = a_is_prefix && da.size() == db.size() && !da.empty() && da[0] <= db[0] &&
                              std::equal(da.begin() + 1, da.end(), db.begin() + 1);
    if (!eq || sza != szb)
      diffs.push_back("dataset /" + n + " has different types");
    else if (da != db && !prefix_shape)
      diffs.push_back("dataset /" + n + " has different shapes");
    else if (!std::equal(xa.begin(), xa.end(), xb.begin(), xb.begin() + static_cast<std::ptrdiff_t>(xa.size())))
      diffs.push_back("dataset /" + n + " has different values");
  }
  // Run-time attributes (timestamps, wall time, threads, file names, source texts) are not compared.
  for (const char* key :
       {"status", "resolved_parameters", "start_date", "currency", "program_version", "git_revision"}) {
    if (a_is_prefix && std::string(key) == "status") continue;
    if (read_string_attr(fa.get(), key) != read_string_attr(fb.get(), key))
      diffs.push_back(std::string("root attribute ") + key + " differs");
  }
  for (const char* key : {"seed", "planned_steps", "steps_written"}) {
    if (a_is_prefix && std::string(key) == "steps_written") continue;
    if (read_num_attr<std::int64_t>(fa.get(), key, H5T_NATIVE_INT64) !=
        read_num_attr<std::int64_t>(fb.get(), key, H5T_NATIVE_INT64))
      diffs.push_back(std::string("root attribute ") + key + " differs");
  }
  return diffs;
}

}  // namespace biocluster::output
