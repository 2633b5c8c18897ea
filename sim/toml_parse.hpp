#pragma once
/// @file Safe TOML parsing for the two readers of TOML text (scenario files; sweep, targets and
/// experiment files). Includes toml11: include it only from the .cpp files that parse TOML
/// (sim/scenario_toml.cpp, batch/files.cpp), never from a header.
#include <toml.hpp>

#include <string>

namespace biocluster::sim {

/// Parses TOML text after checking it is valid UTF-8 (toml11 3.7.1 reads out of bounds on invalid
/// UTF-8). `what` names the kind of file for messages, e.g. "scenario".
/// @throws ConfigError "name:line: column c: invalid UTF-8 byte 0xC1; <what> files must be UTF-8
/// text (re-save as UTF-8)" or "name: TOML syntax error:\n<toml11's excerpt>".
toml::value parse_toml_checked(const std::string& text, const std::string& name, const char* what);

/// The text of a number as written, where toml11 3.7.1 does not hold it: an integer beyond 64 bits
/// (toml11 clamps it to +-9223372036854775807, or wraps a binary one) or a float beyond the double
/// range (toml11 reads 1e400 as the largest double). Empty for any other value.
std::string unrepresentable_number_text(const toml::value& v);

}  // namespace biocluster::sim
