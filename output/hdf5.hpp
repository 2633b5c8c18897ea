#pragma once
/// @file The HDF5 C API plumbing that output/'s writers and readers share: id ownership (Handle),
/// the error guard (ErrorGuard, error_text), checked creation of groups, datasets and attributes
/// (Checked), and reading attributes and names back.
///
/// Internal to output/: include it from output/*.cpp and output/'s internal headers only. It
/// includes <hdf5.h>, which no header that agents/, app/ or the installed API include may.
#include <hdf5.h>

#include <cstdint>
#include <filesystem>
#include <initializer_list>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace biocluster::output::h5 {

/// A scalar attribute: its value's alternative gives the file type (str: variable-length UTF-8;
/// int32, int64, uint64, float64: little-endian).
struct Attr {
  const char* name;
  std::variant<std::string, std::int32_t, std::int64_t, std::uint64_t, double> value;
};

/// Owns one HDF5 id of any kind (file, group, dataset, attribute, datatype, dataspace, property
/// list) and closes it with the matching H5?close when reset or destroyed.
class Handle {
 public:
  Handle() = default;
  explicit Handle(hid_t id) noexcept : id_(id) {}
  ~Handle() { reset(); }
  Handle(Handle&& o) noexcept;
  Handle& operator=(Handle&& o) noexcept;
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;

  hid_t get() const noexcept { return id_; }
  bool valid() const noexcept { return id_ >= 0; }
  /// Closes the id; returns the close call's status (0 when there was nothing to close, negative
  /// when the close failed or the id was no longer valid).
  herr_t reset() noexcept;

 private:
  hid_t id_ = H5I_INVALID_HID;
};

/// The innermost (most specific) message on this thread's HDF5 error stack, as
/// "function: description" ("" when the stack is empty); clears the stack.
std::string error_text();

/// While alive, HDF5 prints no error stacks on this thread (automatic printing is per thread in a
/// thread-safe HDF5, as here): a failed call only leaves its messages on the stack, where text()
/// (or error_text()) reads them. The destructor clears the stack (a thread-safe HDF5 does not
/// free messages left on it) and restores the previous printing setting.
class ErrorGuard {
 public:
  ErrorGuard();
  ~ErrorGuard();
  ErrorGuard(const ErrorGuard&) = delete;
  ErrorGuard& operator=(const ErrorGuard&) = delete;

  /// error_text(): the innermost message collected so far; clears the stack.
  std::string text() const { return error_text(); }

 private:
  H5E_auto2_t func_ = nullptr;
  void* data_ = nullptr;
};

/// Checks HDF5 calls and creates objects with every call checked. A failed call throws
/// OutputError "<prefix><what> (HDF5: <error_text()>)[; <hint>]". Groups, datasets and files made
/// through it record no time stamps, so that equal contents give equal files.
class Checked {
 public:
  Checked(std::string prefix, std::string hint) : prefix_(std::move(prefix)), hint_(std::move(hint)) {}

  [[noreturn]] void fail(const std::string& what) const;
  /// `id` if it is valid, else fail(what).
  hid_t id(hid_t id, const std::string& what) const {
    if (id < 0) fail(what);
    return id;
  }
  /// A Handle owning `id` if it is valid, else fail(what).
  Handle own(hid_t id, const std::string& what) const { return Handle(this->id(id, what)); }
  void ok(herr_t status, const std::string& what) const {
    if (status < 0) fail(what);
  }

  /// A creation property list of class `cls` (H5P_FILE_CREATE, H5P_GROUP_CREATE,
  /// H5P_DATASET_CREATE) with object time stamps off.
  Handle untimed_plist(hid_t cls) const;
  Handle group(hid_t loc, const std::string& name) const;
  /// A fixed-size (not chunked, not extendible) dataset; nothing written yet.
  Handle dataset(hid_t loc, const std::string& name, hid_t file_type, const std::vector<hsize_t>& dims) const;
  /// Writes a whole dataset (nothing when it has no elements: `buf` may then be null).
  void write(hid_t dset, hid_t mem_type, const void* buf, hsize_t elements, const std::string& what) const;

  /// Variable-length UTF-8 string type.
  Handle vlen_string_type() const;
  /// Fixed-size, null-padded string type of `size` bytes.
  Handle fixed_string_type(std::size_t size, H5T_cset_t cset) const;

  /// Writes scalar attribute `name` of `loc`, creating it with `file_type` or overwriting it.
  void attr(hid_t loc, const char* name, hid_t file_type, hid_t mem_type, const void* value) const;
  void attr_str(hid_t loc, const char* name, const std::string& value) const;  ///< variable-length UTF-8
  void attr_i32(hid_t loc, const char* name, std::int32_t value) const;
  void attr_i64(hid_t loc, const char* name, std::int64_t value) const;
  void attr_u64(hid_t loc, const char* name, std::uint64_t value) const;
  void attr_f64(hid_t loc, const char* name, double value) const;
  /// Writes each attribute of `list`, in order, as attr_str / attr_i32 / attr_i64 / attr_u64 / attr_f64.
  void attrs(hid_t loc, std::initializer_list<Attr> list) const;
  /// A new 1-D attribute of variable-length UTF-8 strings.
  void attr_str_list(hid_t loc, const char* name, const std::vector<std::string>& values) const;
  /// A new dataset of variable-length UTF-8 strings, `values` row-major in `dims`.
  Handle string_dataset(hid_t loc, const std::string& name, const std::vector<std::string>& values,
                        const std::vector<hsize_t>& dims) const;

 private:
  std::string prefix_;
  std::string hint_;
};

/// Opens an HDF5 file read-only; falls back to SWMR-read mode, which a file whose writer was
/// killed mid-run needs (its superblock still says "open for writing"). `file_locking` false: no
/// lock is taken (nor checked). An invalid Handle when neither open works.
Handle open_read(const std::filesystem::path& file, bool file_locking);

/// String attribute `name` of `loc` (variable-length or fixed-size); nullopt when it is missing,
/// not a string or unreadable.
std::optional<std::string> read_string_attr(hid_t loc, const char* name);

/// Scalar numeric attribute `name` of `loc`, converted to `mem_type`; nullopt when it is missing
/// or unreadable.
template <class T>
std::optional<T> read_attr(hid_t loc, const char* name, hid_t mem_type) {
  if (H5Aexists(loc, name) <= 0) return std::nullopt;
  Handle a(H5Aopen(loc, name, H5P_DEFAULT));
  T value{};
  if (!a.valid() || H5Aread(a.get(), mem_type, &value) < 0) return std::nullopt;
  return value;
}

/// Paths (relative to `loc`, e.g. "timeseries/startups") of every dataset below `loc`, sorted.
std::vector<std::string> dataset_paths(hid_t loc);

/// Names of the links in group `group`, in name order.
std::vector<std::string> link_names(hid_t group);

}  // namespace biocluster::output::h5
