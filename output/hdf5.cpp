// HDF5 plumbing shared by the run writer, the run reader and the sweep index. See hdf5.hpp.
#include "output/hdf5.hpp"

#include <algorithm>
#include <type_traits>

#include "sim/errors.hpp"

namespace biocluster::output::h5 {
namespace {

// HDF5 must not run its atexit cleanup: when a write failed (disk full), the file that could not be
// closed stays open, and HDF5 1.10's library shutdown then crashes trying to close it. Without the
// cleanup the process exits with its error code and the .partial keeps what was flushed.
// Must run before any other HDF5 call, hence a static initialiser (HDF5 initialises lazily); this
// file is linked into every program that uses output/'s HDF5 code (everything here goes through it).
const bool kNoHdf5Atexit = [] { return H5dont_atexit() >= 0; }();

herr_t close_by_kind(hid_t id) {
  switch (H5Iget_type(id)) {
    case H5I_FILE:
      return H5Fclose(id);
    case H5I_GROUP:
      return H5Gclose(id);
    case H5I_DATASET:
      return H5Dclose(id);
    case H5I_ATTR:
      return H5Aclose(id);
    case H5I_DATATYPE:
      return H5Tclose(id);
    case H5I_DATASPACE:
      return H5Sclose(id);
    case H5I_GENPROP_LST:
      return H5Pclose(id);
    default:
      return -1;  // no longer valid (e.g. closed with its file), or a kind output/ never opens
  }
}

herr_t innermost_error_cb(unsigned n, const H5E_error2_t* err, void* data) {
  if (n == 0 && err != nullptr) {
    auto* out = static_cast<std::string*>(data);
    if (err->func_name != nullptr) *out = std::string(err->func_name) + ": ";
    if (err->desc != nullptr) *out += err->desc;
  }
  return 0;
}

herr_t collect_dataset(hid_t, const char* name, const H5O_info_t* info, void* data) {
  if (info->type == H5O_TYPE_DATASET) static_cast<std::vector<std::string>*>(data)->emplace_back(name);
  return 0;
}

herr_t collect_link(hid_t, const char* name, const H5L_info_t*, void* data) {
  static_cast<std::vector<std::string>*>(data)->emplace_back(name);
  return 0;
}

}  // namespace

// ----- Handle ----------------------------------------------------------------------------------

Handle::Handle(Handle&& o) noexcept : id_(std::exchange(o.id_, H5I_INVALID_HID)) {}

Handle& Handle::operator=(Handle&& o) noexcept {
  if (this != &o) {
    reset();
    id_ = std::exchange(o.id_, H5I_INVALID_HID);
  }
  return *this;
}

herr_t Handle::reset() noexcept {
  herr_t status = 0;
  if (id_ >= 0) status = close_by_kind(id_);
  id_ = H5I_INVALID_HID;
  return status;
}

// ----- errors ----------------------------------------------------------------------------------

std::string error_text() {
  std::string text;
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, innermost_error_cb, &text);
  H5Eclear2(H5E_DEFAULT);
  return text;
}

ErrorGuard::ErrorGuard() {
  (void)kNoHdf5Atexit;
  if (H5Eget_auto2(H5E_DEFAULT, &func_, &data_) < 0) {
    func_ = nullptr;
    data_ = nullptr;
  }
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
}

ErrorGuard::~ErrorGuard() {
  H5Eclear2(H5E_DEFAULT);
  H5Eset_auto2(H5E_DEFAULT, func_, data_);
}

// ----- Checked ---------------------------------------------------------------------------------

void Checked::fail(const std::string& what) const {
  std::string msg = prefix_ + what;
  const std::string detail = error_text();
  if (!detail.empty()) msg += " (HDF5: " + detail + ")";
  if (!hint_.empty()) msg += "; " + hint_;
  throw OutputError(msg);
}

Handle Checked::untimed_plist(hid_t cls) const {
  Handle plist = own(H5Pcreate(cls), "create property list");
  ok(H5Pset_obj_track_times(plist.get(), 0), "disable object time stamps");
  return plist;
}

Handle Checked::group(hid_t loc, const std::string& name) const {
  Handle gcpl = untimed_plist(H5P_GROUP_CREATE);
  return own(H5Gcreate2(loc, name.c_str(), H5P_DEFAULT, gcpl.get(), H5P_DEFAULT), "create group '" + name + "'");
}

Handle Checked::dataset(hid_t loc, const std::string& name, hid_t file_type, const std::vector<hsize_t>& dims) const {
  Handle space =
      own(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr), "create dataspace for '" + name + "'");
  Handle dcpl = untimed_plist(H5P_DATASET_CREATE);
  return own(H5Dcreate2(loc, name.c_str(), file_type, space.get(), H5P_DEFAULT, dcpl.get(), H5P_DEFAULT),
             "create dataset '" + name + "'");
}

void Checked::write(hid_t dset, hid_t mem_type, const void* buf, hsize_t elements, const std::string& what) const {
  if (elements > 0) ok(H5Dwrite(dset, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf), "write " + what);
}

Handle Checked::vlen_string_type() const {
  Handle t = own(H5Tcopy(H5T_C_S1), "copy string type");
  ok(H5Tset_size(t.get(), H5T_VARIABLE), "make variable-length string type");
  ok(H5Tset_cset(t.get(), H5T_CSET_UTF8), "set UTF-8 string type");
  return t;
}

Handle Checked::fixed_string_type(std::size_t size, H5T_cset_t cset) const {
  Handle t = own(H5Tcopy(H5T_C_S1), "copy string type");
  ok(H5Tset_size(t.get(), size), "set string size");
  ok(H5Tset_strpad(t.get(), H5T_STR_NULLPAD), "set string padding");
  ok(H5Tset_cset(t.get(), cset), "set string charset");
  return t;
}

void Checked::attr(hid_t loc, const char* name, hid_t file_type, hid_t mem_type, const void* value) const {
  const std::string quoted = std::string("attribute '") + name + "'";
  Handle space = own(H5Screate(H5S_SCALAR), "create scalar dataspace");
  const htri_t exists = H5Aexists(loc, name);
  if (exists < 0) fail("look up " + quoted);
  Handle a = exists > 0
                 ? own(H5Aopen(loc, name, H5P_DEFAULT), "open " + quoted)
                 : own(H5Acreate2(loc, name, file_type, space.get(), H5P_DEFAULT, H5P_DEFAULT), "create " + quoted);
  ok(H5Awrite(a.get(), mem_type, value), "write " + quoted);
  ok(a.reset(), "close " + quoted);
}

void Checked::attr_str(hid_t loc, const char* name, const std::string& value) const {
  Handle t = vlen_string_type();
  const char* p = value.c_str();
  attr(loc, name, t.get(), t.get(), &p);
}
void Checked::attr_i32(hid_t loc, const char* name, std::int32_t value) const {
  attr(loc, name, H5T_STD_I32LE, H5T_NATIVE_INT32, &value);
}
void Checked::attr_i64(hid_t loc, const char* name, std::int64_t value) const {
  attr(loc, name, H5T_STD_I64LE, H5T_NATIVE_INT64, &value);
}
void Checked::attr_u64(hid_t loc, const char* name, std::uint64_t value) const {
  attr(loc, name, H5T_STD_U64LE, H5T_NATIVE_UINT64, &value);
}
void Checked::attr_f64(hid_t loc, const char* name, double value) const {
  attr(loc, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &value);
}

void Checked::attrs(hid_t loc, std::initializer_list<Attr> list) const {
  for (const Attr& a : list) {
    std::visit(
        [&](const auto& v) {
          using T = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<T, std::string>)
            attr_str(loc, a.name, v);
          else if constexpr (std::is_same_v<T, std::int32_t>)
            attr_i32(loc, a.name, v);
          else if constexpr (std::is_same_v<T, std::int64_t>)
            attr_i64(loc, a.name, v);
          else if constexpr (std::is_same_v<T, std::uint64_t>)
            attr_u64(loc, a.name, v);
          else
            attr_f64(loc, a.name, v);
        },
        a.value);
  }
}

void Checked::attr_str_list(hid_t loc, const char* name, const std::vector<std::string>& values) const {
  const std::string quoted = std::string("attribute '") + name + "'";
  Handle t = vlen_string_type();
  const hsize_t n = values.size();
  Handle space = own(H5Screate_simple(1, &n, nullptr), "create dataspace for " + quoted);
  std::vector<const char*> ptrs;
  for (const auto& v : values) ptrs.push_back(v.c_str());
  Handle a = own(H5Acreate2(loc, name, t.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT), "create " + quoted);
  if (n > 0) ok(H5Awrite(a.get(), t.get(), ptrs.data()), "write " + quoted);
  ok(a.reset(), "close " + quoted);
}

Handle Checked::string_dataset(hid_t loc, const std::string& name, const std::vector<std::string>& values,
                               const std::vector<hsize_t>& dims) const {
  Handle t = vlen_string_type();
  Handle d = dataset(loc, name, t.get(), dims);
  std::vector<const char*> ptrs;
  for (const auto& v : values) ptrs.push_back(v.c_str());
  write(d.get(), t.get(), ptrs.data(), ptrs.size(), "dataset '" + name + "'");
  return d;
}

// ----- reading ---------------------------------------------------------------------------------

Handle open_read(const std::filesystem::path& file, bool file_locking) {
  Handle fapl(H5Pcreate(H5P_FILE_ACCESS));
  if (fapl.valid() && !file_locking) H5Pset_file_locking(fapl.get(), 0, 1);
  const hid_t access = fapl.valid() ? fapl.get() : H5P_DEFAULT;
  hid_t f = H5Fopen(file.c_str(), H5F_ACC_RDONLY, access);
  if (f < 0) f = H5Fopen(file.c_str(), H5F_ACC_RDONLY | H5F_ACC_SWMR_READ, access);
  return Handle(f);
}

std::optional<std::string> read_string_attr(hid_t loc, const char* name) {
  if (H5Aexists(loc, name) <= 0) return std::nullopt;
  Handle a(H5Aopen(loc, name, H5P_DEFAULT));
  if (!a.valid()) return std::nullopt;
  Handle file_type(H5Aget_type(a.get()));
  if (!file_type.valid() || H5Tget_class(file_type.get()) != H5T_STRING) return std::nullopt;
  if (H5Tis_variable_str(file_type.get()) > 0) {
    Handle mem_type(H5Tcopy(H5T_C_S1));
    H5Tset_size(mem_type.get(), H5T_VARIABLE);
    H5Tset_cset(mem_type.get(), H5Tget_cset(file_type.get()));
    char* p = nullptr;
    if (H5Aread(a.get(), mem_type.get(), &p) < 0) return std::nullopt;
    std::string out = p != nullptr ? p : "";
    H5free_memory(p);
    return out;
  }
  std::string buf(H5Tget_size(file_type.get()), '\0');
  if (H5Aread(a.get(), file_type.get(), buf.data()) < 0) return std::nullopt;
  return buf.substr(0, buf.find('\0'));
}

std::vector<std::string> dataset_paths(hid_t loc) {
  std::vector<std::string> names;
  H5Ovisit2(loc, H5_INDEX_NAME, H5_ITER_INC, collect_dataset, &names, H5O_INFO_BASIC);
  std::sort(names.begin(), names.end());
  return names;
}

std::vector<std::string> link_names(hid_t group) {
  std::vector<std::string> names;
  hsize_t idx = 0;
  H5Literate(group, H5_INDEX_NAME, H5_ITER_INC, &idx, collect_link, &names);
  return names;
}

}  // namespace biocluster::output::h5
