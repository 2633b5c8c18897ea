#pragma once
/// @file Guards for output paths (issue #14): an advisory lock so that two biocluster processes never
/// write one run file or one sweep directory at once, and the rule of what `-o` may replace.
/// Messages: docs/TROUBLESHOOTING.md ("Output files").
#include <filesystem>
#include <string>

namespace biocluster::batch {

/// A flock(2) lock on `lock_file` (created if missing), held while the object lives and released by
/// the kernel if the process dies, so a lock left by a killed run never blocks the next one. An
/// exclusive holder writes its pid into the file and removes the file when it lets go.
class OutputLock {
 public:
  enum class Mode { exclusive, shared };
  /// Takes the lock at once or throws OutputError: "'<what>' is being written by another biocluster
  /// process (pid N); wait for it to finish, or use another output path".
  OutputLock(std::filesystem::path lock_file, Mode mode, const std::string& what);
  ~OutputLock();
  OutputLock(const OutputLock&) = delete;
  OutputLock& operator=(const OutputLock&) = delete;

 private:
  std::filesystem::path path_;
  int fd_ = -1;
  Mode mode_;
};

/// Refuses (OutputError) an output run file `file` that `-o` must not replace: a symbolic link, a
/// directory, a device or FIFO, or a regular file that is not a biocluster run file; likewise for
/// its `.partial`. An earlier complete run file, or any regular file with `force`, may be replaced.
void check_replaceable_run_file(const std::filesystem::path& file, bool force);

/// Refuses (OutputError) a sweep output directory that exists and is not a directory (or is a link).
void check_output_directory(const std::filesystem::path& dir);

}  // namespace biocluster::batch
