#pragma once
/// @file Bounded reading of input text files (scenarios, their includes; sweep, experiment and
/// targets files). Only regular files are read, and only up to kMaxInputFileBytes: a device
/// (/dev/zero, /dev/urandom) would otherwise grow memory without limit and a FIFO would block.
#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>

namespace biocluster::sim {

/// Largest input text file read: 16 MiB (scenario files are a few KB; 5,000 regions ~ 1.5 MB).
inline constexpr std::size_t kMaxInputFileBytes = std::size_t{16} << 20;

/// Reads the whole of `file`, which must be a regular file of at most kMaxInputFileBytes.
/// Never blocks: the file is opened with O_NONBLOCK and checked with fstat before reading.
/// `what` names the kind of file for messages ("scenario", "sweep file", "targets file");
/// `where` is the referring location with its separator ("base.toml:3: ", empty for a path from
/// the command line); `missing_hint` ends the message for a missing file.
/// @throws ConfigError "<where>cannot read <what> 'p': no such file; <missing_hint>",
///   "<where><what> 'p' is a directory; give a .toml file",
///   "<where><what> 'p' is a character device, not a regular file; give a .toml file"
///   (or a FIFO, a block device, a socket),
///   "<where><what> 'p' is 20000000 bytes; input files may be at most 16 MiB (16777216 bytes)".
std::string read_text_file(const std::filesystem::path& file, std::string_view what, const std::string& where = {},
                           std::string_view missing_hint = "check the path");

}  // namespace biocluster::sim
