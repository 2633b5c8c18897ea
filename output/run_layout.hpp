#pragma once
/// @file The run file's layout (docs/OUTPUT.md): which groups, datasets and attributes a run file
/// holds, how they are created, and how one flush appends to them. RunWriter (run_writer.cpp)
/// validates and buffers on the caller's thread and drives a RunFile from its writer thread.
/// Internal to output/ (it includes HDF5 through hdf5.hpp).
#include <array>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "output/hdf5.hpp"
#include "output/run_writer.hpp"
#include "sim/events.hpp"

namespace biocluster::output::layout {

constexpr std::size_t kDateLen = 7;  ///< bytes of a /time/date entry, "YYYY-MM"

/// Checks that every name in `h` can be an HDF5 object name, is unique and not reserved by the
/// layout, and that sizes fit their file types. Touches no file. @throws OutputError naming `path`.
void validate_header(const std::filesystem::path& path, const RunHeader& h);

/// Buffered rows of one agent table.
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

  explicit Batch(const RunHeader& h);
  /// Empties every buffer, keeping its capacity (the batch is reused).
  void clear();
};

/// The HDF5 file of one run, written to the .partial path and renamed by finish(). Makes HDF5
/// calls, so it is used from one thread only (RunWriter's writer thread). Failures throw
/// OutputError "HDF5 output '<partial>': <what> (HDF5: ...); <hint>".
class RunFile {
 public:
  /// Calls no HDF5 function; `header` must have passed validate_header().
  RunFile(std::filesystem::path final_path, std::filesystem::path partial, const RunHeader& header);
  RunFile(const RunFile&) = delete;
  RunFile& operator=(const RunFile&) = delete;

  /// Creates the file with every group, fixed dataset and attribute, and starts SWMR writing.
  /// On failure nothing is left behind (a half-built file is of no use to anyone).
  void create();
  /// Appends one batch and makes it durable: rows, H5Fflush, then the snapshot indexes and
  /// steps_written that vouch for them, H5Fflush, fsync. After a failure every later call fails.
  void flush(const Batch& b);
  /// Writes the footer attributes, sets status="complete", closes and renames .partial -> final
  /// (through a compact copy when superseded chunk copies are a sizeable part of the file).
  void finish(const RunFooter& footer);
  /// Closes every object, then the file. Returns false if any close failed.
  bool close_all() noexcept;

 private:
  /// An extendible dataset and its current extent.
  struct Dset {
    h5::Handle id;
    int rank = 1;
    std::array<hsize_t, 3> dims{0, 0, 0};
  };
  struct AgentTable {
    Dset snap_step, snap_start, snap_count, ids;
    std::vector<Dset> cols;
  };

  Dset extendible(hid_t loc, const std::string& name, hid_t file_type, int rank, std::array<hsize_t, 3> dims,
                  std::array<hsize_t, 3> chunk, const void* fill = nullptr, hid_t fill_type = H5I_INVALID_HID) const;
  void append_rows(Dset& d, hid_t mem_type, const void* buf, hsize_t n, const std::string& what) const;
  void describe(hid_t loc, const std::string& units, const std::string& description) const;
  h5::Handle file_access_plist() const;
  void create_file();
  void write_header_attributes(hid_t root) const;
  void create_grid_and_regions();
  void create_time();
  void create_timeseries();
  void create_events();
  void create_fields();
  void create_agent_tables();
  void write_rows(const Batch& b);
  void write_snapshot_index(const Batch& b);
  void sync_to_disk() const;
  hsize_t data_bytes() const;
  void write_footer(hid_t root, const RunFooter& footer) const;
  void write_summary(hid_t root, const RunFooter& footer) const;
  void write_compact_copy(const std::filesystem::path& to, const RunFooter& footer) const;
  /// Calls f(Dset&) (or f(const Dset&)) for every extendible dataset.
  template <class Self, class F>
  static void for_each_dataset(Self& self, F&& f);

  std::filesystem::path final_path_;
  std::filesystem::path partial_;
  RunHeader header_;  // copy: names, sizes
  std::size_t n_regions_ = 0;
  h5::Checked io_;  // messages name the .partial

  // ----- HDF5 objects (closed in close_all(), file last)
  h5::Handle file_;
  h5::Handle event_mem_type_;  // compound with sim::Event offsets
  Dset time_step_, time_date_, time_year_;
  std::vector<Dset> metrics_;
  Dset events_;
  std::vector<Dset> fields_;
  Dset field_step_;
  std::vector<AgentTable> tables_;

  std::int64_t steps_written_ = 0;  // steps on disk after the last flush
  bool broken_ = false;             // a write failed; the file is no longer extended
};

}  // namespace biocluster::output::layout
