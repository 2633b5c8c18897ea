// Output locks and the replacement rule for -o (batch/output_lock.hpp; docs/TROUBLESHOOTING.md).
#include "batch/output_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <optional>

#include "output/run_reader.hpp"
#include "sim/errors.hpp"

namespace biocluster::batch {

namespace fs = std::filesystem;

namespace {

std::string holder_pid(const fs::path& lock_file) {
  std::ifstream in(lock_file);
  std::string pid;
  in >> pid;
  return pid.find_first_not_of("0123456789") == std::string::npos && !pid.empty() ? pid : std::string();
}

}  // namespace

OutputLock::OutputLock(fs::path lock_file, Mode mode, const std::string& what)
    : path_(std::move(lock_file)), mode_(mode) {
  // A holder that lets go removes the file; one that opened the old file meanwhile would lock a
  // file no longer in the directory, so the lock counts only if the path still names the locked file.
  for (int attempt = 0; attempt < 8; ++attempt) {
    const int fd = ::open(path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0)
      throw OutputError("cannot create the lock file '" + path_.string() + "' for '" + what +
                        "': " + std::strerror(errno) + "; pass an output path in a writable directory");
    if (::flock(fd, (mode == Mode::exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB) != 0) {
      const int err = errno;
      ::close(fd);
      if (err != EWOULDBLOCK) throw OutputError("cannot lock '" + path_.string() + "': " + std::strerror(err));
      const std::string pid = holder_pid(path_);
      throw OutputError("'" + what + "' is being written by another biocluster process (" +
                        (pid.empty() ? std::string("a sweep shard or another run") : "pid " + pid) +
                        "); wait for it to finish, or use another output path");
    }
    struct stat a {
    }, b{};
    if (::fstat(fd, &a) == 0 && ::stat(path_.c_str(), &b) == 0 && a.st_ino == b.st_ino && a.st_dev == b.st_dev) {
      fd_ = fd;
      if (mode_ == Mode::exclusive) {
        const std::string pid = std::to_string(::getpid()) + "\n";
        if (::ftruncate(fd_, 0) == 0) {
          const ssize_t n = ::pwrite(fd_, pid.data(), pid.size(), 0);
          (void)n;  // the pid only improves the other process's message
        }
      }
      return;
    }
    ::close(fd);  // the holder removed it between our open and our lock: try again
  }
  throw OutputError("cannot lock '" + path_.string() + "': it keeps being replaced by another process");
}

OutputLock::~OutputLock() {
  if (fd_ < 0) return;
  if (mode_ == Mode::exclusive) ::unlink(path_.c_str());
  ::close(fd_);  // releases the lock
}

namespace {

/// What is at `p`, without following a symbolic link: "" (nothing), "link", "directory", "other", "file".
std::string kind_of(const fs::path& p) {
  struct stat st {};
  if (::lstat(p.c_str(), &st) != 0) return "";
  if (S_ISLNK(st.st_mode)) return "link";
  if (S_ISDIR(st.st_mode)) return "directory";
  if (!S_ISREG(st.st_mode)) return "other";
  return "file";
}

void check_one(const fs::path& p, bool force, bool partial) {
  const std::string kind = kind_of(p);
  if (kind.empty()) return;
  if (kind == "link")
    throw OutputError("output '" + p.string() +
                      "' is a symbolic link; biocluster does not write through links. "
                      "Give the real path with -o, or remove the link");
  if (kind != "file")
    throw OutputError("output '" + p.string() + "' exists and is not a regular file (a " +
                      (kind == "directory" ? std::string("directory") : std::string("device, FIFO or socket")) +
                      "); give another path with -o");
  if (force) return;
  std::optional<output::RunProvenance> prov;
  try {
    prov = output::read_provenance(p);
  } catch (const OutputError&) {
  }
  if (!prov)
    throw OutputError("output '" + p.string() +
                      "' exists and is not a biocluster run file; it is left as it is. "
                      "Give another path with -o, or pass --force to replace it");
  if (partial || prov->status == "complete") return;  // an earlier run's file: ours to replace
  throw OutputError("output '" + p.string() + "' is an unfinished run file (status '" + prov->status +
                    "') but not named .partial; pass --force to replace it");
}

}  // namespace

void check_replaceable_run_file(const fs::path& file, bool force) {
  check_one(file, force, false);
  check_one(fs::path(file.string() + ".partial"), force, true);
}

void check_output_directory(const fs::path& dir) {
  const std::string kind = kind_of(dir);
  if (kind.empty() || kind == "directory") return;
  if (kind == "link") {
    std::error_code ec;
    if (fs::is_directory(dir, ec)) return;  // a link to a directory: the user's choice of where the sweep lives
  }
  throw OutputError("sweep output '" + dir.string() + "' exists and is not a directory; give a directory path with -o");
}

}  // namespace biocluster::batch
