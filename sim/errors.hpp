#pragma once
/// @file Error hierarchy: every message says what failed, where, and how to fix it.
#include <stdexcept>
#include <string>

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

}  // namespace biocluster
