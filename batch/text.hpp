#pragma once
/// @file Small text helpers shared by the batch code: CSV fields, small files, error lists.
#include <filesystem>
#include <string>
#include <vector>

namespace biocluster::batch {

/// Quotes a CSV field when it holds a comma, quote or newline (RFC 4180).
std::string csv_field(const std::string& s);

/// A file's bytes ("" if it cannot be read).
std::string read_text(const std::filesystem::path& p);
/// A file's text without trailing newlines.
std::string read_line(const std::filesystem::path& p);

/// Writes a small text file atomically (temporary file + rename). @throws OutputError.
void write_text(const std::filesystem::path& p, const std::string& text);

/// Reads a text file for a parser. @throws ConfigError "<what> file 'F' is a directory" or
/// "cannot read <what> file 'F'; check the path".
std::string read_input(const std::filesystem::path& file, const std::string& what);

/// Reports every error at once: none, nothing; one, ConfigError(single_prefix + it); more,
/// ConfigError("<subject> has N errors:" and one indented line each).
void throw_errors(const std::vector<std::string>& errors, const std::string& single_prefix, const std::string& subject);

}  // namespace biocluster::batch
