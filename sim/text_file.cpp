#include "sim/text_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "sim/errors.hpp"

namespace biocluster::sim {

namespace {

const char* kind_of(mode_t m) {
  if (S_ISDIR(m)) return "a directory";
  if (S_ISFIFO(m)) return "a FIFO";
  if (S_ISCHR(m)) return "a character device";
  if (S_ISBLK(m)) return "a block device";
  if (S_ISSOCK(m)) return "a socket";
  return "a special file";
}

std::string too_large(const std::string& where, std::string_view what, const std::string& name,
                      const std::string& size) {
  return where + std::string(what) + " '" + name + "' is " + size + " bytes; input files may be at most 16 MiB (" +
         std::to_string(kMaxInputFileBytes) + " bytes)";
}

struct Fd {
  int fd;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

std::string read_text_file(const std::filesystem::path& file, std::string_view what, const std::string& where,
                           std::string_view missing_hint) {
  const std::string name = file.string();
  const std::string w(what);
  // O_NONBLOCK: opening a FIFO for reading without a writer would otherwise wait forever. The type
  // is checked on the opened descriptor (no race between a check and the open).
  Fd f{::open(name.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY)};
  if (f.fd < 0) {
    const int err = errno;
    struct stat st {};
    if (err == EISDIR || (::stat(name.c_str(), &st) == 0 && S_ISDIR(st.st_mode)))
      throw ConfigError(where + w + " '" + name + "' is a directory; give a .toml file");
    const std::string why = err == ENOENT || err == ENOTDIR ? "no such file"
                            : err == EACCES                 ? "permission denied"
                                                            : std::strerror(err);
    throw ConfigError(where + "cannot read " + w + " '" + name + "': " + why + "; " + std::string(missing_hint));
  }
  struct stat st {};
  if (::fstat(f.fd, &st) != 0)
    throw ConfigError(where + "cannot read " + w + " '" + name + "': " + std::strerror(errno));
  if (S_ISDIR(st.st_mode)) throw ConfigError(where + w + " '" + name + "' is a directory; give a .toml file");
  if (!S_ISREG(st.st_mode))
    throw ConfigError(where + w + " '" + name + "' is " + kind_of(st.st_mode) +
                      ", not a regular file; give a .toml file");
  if (static_cast<unsigned long long>(st.st_size) > kMaxInputFileBytes)
    throw ConfigError(too_large(where, what, name, std::to_string(st.st_size)));
  // Back to blocking reads (a regular file never blocks, but be plain about it).
  ::fcntl(f.fd, F_SETFL, ::fcntl(f.fd, F_GETFL) & ~O_NONBLOCK);
  std::string text;
  text.reserve(static_cast<std::size_t>(st.st_size));
  char buf[1 << 16];
  for (;;) {
    const ssize_t n = ::read(f.fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw ConfigError(where + "error while reading " + w + " '" + name + "': " + std::strerror(errno));
    }
    if (n == 0) break;
    text.append(buf, static_cast<std::size_t>(n));
    // A file that grows while it is read is cut off at the limit, not followed.
    if (text.size() > kMaxInputFileBytes)
      throw ConfigError(too_large(where, what, name, "over " + std::to_string(kMaxInputFileBytes)));
  }
  return text;
}

}  // namespace biocluster::sim
