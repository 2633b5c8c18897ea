#include "batch/text.hpp"

#include <unistd.h>
#include <fstream>
#include <sstream>

#include "sim/errors.hpp"
#include "sim/text_file.hpp"

namespace biocluster::batch {

namespace fs = std::filesystem;

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) {
    if (c == '"') q += '"';
    q += c;
  }
  return q + "\"";
}

std::string read_text(const fs::path& p) {
  try {
    return sim::read_text_file(p, "file");
  } catch (const ConfigError&) {
    return {};  // missing or not a regular file: callers treat it as absent
  }
}

std::string read_line(const fs::path& p) {
  std::string s = read_text(p);
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

void write_text(const fs::path& p, const std::string& text) {
  const fs::path tmp = p.string() + ".tmp" + std::to_string(::getpid());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << text;
    out.flush();
    if (!out) throw OutputError("cannot write '" + tmp.string() + "' (directory not writable or disk full?)");
  }
  std::error_code ec;
  fs::rename(tmp, p, ec);
  if (ec) throw OutputError("cannot rename '" + tmp.string() + "' to '" + p.string() + "': " + ec.message());
}

std::string read_input(const fs::path& file, const std::string& what) {
  return sim::read_text_file(file, what + " file");  // regular files of at most 16 MiB (sim/text_file.hpp)
}

void throw_errors(const std::vector<std::string>& errors, const std::string& single_prefix,
                  const std::string& subject) {
  if (errors.empty()) return;
  if (errors.size() == 1) throw ConfigError(single_prefix + errors.front());
  std::string m = subject + " has " + std::to_string(errors.size()) + " errors:";
  for (const auto& e : errors) m += "\n  " + e;
  throw ConfigError(m);
}

}  // namespace biocluster::batch
