#pragma once
/// @file Error hierarchy: every message says what failed, where, and how to fix it.
#include <stdexcept>
#include <string>
#include <string_view>

namespace biocluster {

/// A scenario or command-line input is wrong (file:line, key path, allowed range, hint).
class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Writing or reading an output file failed.
class OutputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// A model invariant broke during a run (accounting identity, NaN, negative stock).
class InvariantError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// A value echoed in a message, cut to `max` bytes (at a UTF-8 character boundary) with
/// "... (N characters)" appended when longer, so that a 100,000-character name does not fill the
/// terminal. N counts bytes of the whole value.
inline std::string clip_for_message(std::string_view s, std::size_t max = 80) {
  if (s.size() <= max) return std::string(s);
  std::size_t n = max;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;  // not inside a character
  return std::string(s.substr(0, n)) + "... (" + std::to_string(s.size()) + " characters)";
}

}  // namespace biocluster
