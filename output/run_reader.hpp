#pragma once
/// @file Reading back run files: provenance attributes, and a byte-for-byte comparison of two runs
/// (used by `biocluster replay`). HDF5 stays inside output/'s .cpp files.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace biocluster::output {

/// What a run file says about how it was made.
struct RunProvenance {
  std::string format;
  std::string status;  ///< "complete" or "incomplete"
  std::string scenario_file;
  std::string resolved_parameters;  ///< loadable TOML
  std::uint64_t seed = 0;
  std::string program_version;
  std::string git_revision;
  std::int64_t threads = 0;
  std::int64_t steps_written = 0;
};

/// Reads the provenance attributes. @throws OutputError if the file is missing, not HDF5, or not a
/// biocluster run file (with the path and a hint). A killed run's .partial is opened read-only in
/// SWMR mode.
RunProvenance read_provenance(const std::filesystem::path& file);

/// Compares every dataset of two run files byte for byte (shapes, types, values), and the root
/// attributes except the run-time ones (timestamps, wall time, thread count, file names).
/// Returns one line per difference; empty when the runs are identical. @throws OutputError.
/// With `a_is_prefix` (a is an unfinished run's .partial), each dataset of `a` must equal the first
/// rows of the same dataset of `b` (along the first dimension), and `status`/`steps_written` are
/// not compared.
std::vector<std::string> compare_runs(const std::filesystem::path& a, const std::filesystem::path& b,
                                      bool a_is_prefix = false);

}  // namespace biocluster::output
