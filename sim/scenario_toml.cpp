// Reads scenario files into a flat ScenarioDoc. toml11 is included only here and in app/sweep_file.cpp.
#include "sim/toml_parse.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <string_view>
#include <utility>
#include <vector>

#include "sim/config.hpp"
#include "sim/errors.hpp"

namespace biocluster::sim {

std::ptrdiff_t find_invalid_utf8(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const std::size_t n = s.size();
  std::size_t i = 0;
  while (i < n) {
    const unsigned c = p[i];
    std::size_t len;
    unsigned min_cp;
    if (c < 0x80) { ++i; continue; }
    if ((c & 0xE0) == 0xC0) len = 2, min_cp = 0x80;
    else if ((c & 0xF0) == 0xE0) len = 3, min_cp = 0x800;
    else if ((c & 0xF8) == 0xF0) len = 4, min_cp = 0x10000;
    else return static_cast<std::ptrdiff_t>(i);
    if (i + len > n) return static_cast<std::ptrdiff_t>(i);
    unsigned cp = c & (0xFF >> (len + 1));
    for (std::size_t k = 1; k < len; ++k) {
      if ((p[i + k] & 0xC0) != 0x80) return static_cast<std::ptrdiff_t>(i);
      cp = (cp << 6) | (p[i + k] & 0x3F);
    }
    if (cp < min_cp || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return static_cast<std::ptrdiff_t>(i);
    i += len;
  }
  return -1;
}

namespace {

constexpr int kMaxNesting = 64;

/// toml11 3.7.1 recurses once per nesting level (arrays, inline tables, dotted-key and table-header
/// components; when parsing and again when copying tables), so a deeply nested file overflows the
/// stack: SIGSEGV from ~10,000 levels, ASan stack-overflow from ~2,000 (found while fuzzing,
/// docs/FUZZING.md). Returns the 1-based line where the nesting of a value first exceeds
/// kMaxNesting, or 0. It over-estimates rather than under-estimates; scenario and sweep files
/// nest a few levels.
int find_too_deep(std::string_view s) {
  const std::size_t n = s.size();
  std::vector<std::pair<char, int>> open;  // '[' array or '{' inline table, with the depth outside it
  int line = 1, depth = 0, table_depth = 0;
  bool key = true, fresh = true, header = false;
  for (std::size_t i = 0; i < n; ++i) {
    const char c = s[i];
    if (c == '\n') {
      ++line;
      if (open.empty()) key = true, fresh = true, header = false, depth = table_depth;
      continue;
    }
    if (c == ' ' || c == '\t' || c == '\r') continue;
    const bool at_start = fresh;
    fresh = false;
    if (c == '#') {  // comment: to the end of the line
      while (i + 1 < n && s[i + 1] != '\n') ++i;
    } else if (c == '"' || c == '\'') {  // string or quoted key; escapes only in "basic" strings
      const bool multi = i + 2 < n && s[i + 1] == c && s[i + 2] == c;
      for (i += multi ? 3 : 1; i < n; ++i) {
        if (s[i] == '\n') {
          if (!multi) { --i; break; }  // unterminated: toml11 reports it
          ++line;
        } else if (s[i] == '\\' && c == '"') {
          if (i + 1 < n && s[i + 1] == '\n') ++line;
          ++i;
        } else if (s[i] == c && (!multi || (i + 2 < n && s[i + 1] == c && s[i + 2] == c))) {
          if (multi) {
            i += 2;
            for (int extra = 0; extra < 2 && i + 1 < n && s[i + 1] == c; ++extra) ++i;  // """a""""
          }
          break;
        }
      }
    } else if (key) {  // a key, or a [table] / [[array.of.tables]] header
      if (c == '[' && at_start && open.empty()) header = true, depth = 0;
      if ((header && c == '[') || c == '.' || (!header && c == '=')) {
        if (++depth > kMaxNesting) return line;
        if (c == '=') key = false;
      } else if (header && c == ']') {
        table_depth = depth, key = false, header = false;
      } else if (c == '}' && !open.empty()) {  // {} or {a = 1, }
        depth = open.back().second, open.pop_back(), key = false;
      }
    } else if (c == '[' || c == '{') {
      open.emplace_back(c, depth);
      if (++depth > kMaxNesting) return line;
      key = c == '{';
    } else if ((c == ']' || c == '}') && !open.empty()) {
      depth = open.back().second;
      open.pop_back();
    } else if (c == ',' && !open.empty()) {  // next element: back to the depth inside the bracket
      depth = open.back().second + 1;
      key = open.back().first == '{';
    }
  }
  return 0;
}

}  // namespace

toml::value parse_toml_checked(const std::string& text, const std::string& name, const char* what) {
  if (const auto bad = find_invalid_utf8(text); bad >= 0) {
    const auto line = 1 + std::count(text.begin(), text.begin() + bad, '\n');
    const auto col = bad - static_cast<std::ptrdiff_t>(text.rfind('\n', static_cast<std::size_t>(bad)) + 1) + 1;
    char hex[8];
    std::snprintf(hex, sizeof hex, "0x%02X", static_cast<unsigned char>(text[static_cast<std::size_t>(bad)]));
    throw ConfigError(name + ":" + std::to_string(line) + ": column " + std::to_string(col) + ": invalid UTF-8 byte " +
                      hex + "; " + what + " files must be UTF-8 text (re-save as UTF-8)");
  }
  if (const int line = find_too_deep(text))
    throw ConfigError(name + ":" + std::to_string(line) + ": nested deeper than " + std::to_string(kMaxNesting) +
                      " levels (arrays, inline tables, dotted keys); " + what + " files nest a few levels at most");
  try {
    std::istringstream is(text);
    return toml::parse(is, name);
  } catch (const std::exception& e) {
    throw ConfigError(name + ": TOML syntax error:\n" + std::string(e.what()));
  }
}

namespace {

constexpr int kMaxIncludeDepth = 16;

struct Reader {
  ScenarioDoc doc;
  std::vector<std::string> chain;  // include chain, for cycle detection

  void read_text(const std::string& text, const std::string& name, const std::filesystem::path& dir,
                 bool allow_include);
  void read_file(const std::filesystem::path& file, const SourcePos& from);
  void flatten(const toml::value& v, const std::string& path, const std::string& name);
};

int line_of(const toml::value& v) { return static_cast<int>(v.location().line()); }

void Reader::read_file(const std::filesystem::path& file, const SourcePos& from) {
  const std::string where = from.file.empty() ? "" : from.str() + ": ";
  std::error_code ec;
  const auto canon = std::filesystem::weakly_canonical(file, ec);
  const std::string key = ec ? file.string() : canon.string();
  if (std::find(chain.begin(), chain.end(), key) != chain.end()) {
    std::string c;
    for (const auto& f : chain) c += f + " -> ";
    throw ConfigError(where + "include cycle: " + c + key + "; remove one of the includes");
  }
  if (static_cast<int>(chain.size()) >= kMaxIncludeDepth)
    throw ConfigError(where + "includes nested deeper than " + std::to_string(kMaxIncludeDepth) + " files");
  if (std::filesystem::is_directory(file, ec))
    throw ConfigError(where + "scenario '" + file.string() + "' is a directory; give a .toml file");
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    throw ConfigError(where + "cannot read scenario '" + file.string() + "': " +
                      (std::filesystem::exists(file, ec) ? "permission denied" : "no such file") +
                      (from.file.empty() ? "; check the path" : "; include paths are relative to the including file"));
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) throw ConfigError(where + "error while reading '" + file.string() + "'");
  chain.push_back(key);
  read_text(ss.str(), file.string(), file.parent_path(), true);
  chain.pop_back();
}

void Reader::read_text(const std::string& text, const std::string& name, const std::filesystem::path& dir,
                       bool allow_include) {
  const toml::value root = parse_toml_checked(text, name, "scenario");
  doc.sources.emplace_back(name, text);
  // Includes first: base values, which this file's own values then override.
  if (root.is_table() && root.as_table().count("include")) {
    const toml::value& inc = root.as_table().at("include");
    const SourcePos pos{name, line_of(inc)};
    if (!allow_include) throw ConfigError(pos.str() + ": 'include' is not allowed here");
    std::vector<std::string> files;
    if (inc.is_string()) files.push_back(inc.as_string().str);
    else if (inc.is_array()) {
      for (const auto& f : inc.as_array()) {
        if (!f.is_string()) throw ConfigError(pos.str() + ": 'include' must be a file name or a list of file names");
        files.push_back(f.as_string().str);
      }
    } else {
      throw ConfigError(pos.str() + ": 'include' must be a file name or a list of file names, e.g. include = \"base.toml\"");
    }
    for (const auto& f : files) read_file(dir / f, pos);
  }
  flatten(root, "", name);
}

void Reader::flatten(const toml::value& v, const std::string& path, const std::string& name) {
  if (v.is_table()) {
    std::vector<std::pair<std::string, const toml::value*>> kids;
    for (const auto& [k, child] : v.as_table()) {
      if (path.empty() && k == "include") continue;
      kids.emplace_back(k, &child);
    }
    // Deterministic order: as written in the file (toml11 keeps tables unordered).
    std::sort(kids.begin(), kids.end(), [](const auto& a, const auto& b) {
      const int la = line_of(*a.second), lb = line_of(*b.second);
      return la != lb ? la < lb : a.first < b.first;
    });
    for (const auto& [k, child] : kids) flatten(*child, path.empty() ? k : path + "." + k, name);
    return;
  }
  const SourcePos pos{name, line_of(v)};
  ScalarValue value;
  switch (v.type()) {
    case toml::value_t::boolean: value = v.as_boolean(); break;
    case toml::value_t::integer: value = static_cast<std::int64_t>(v.as_integer()); break;
    case toml::value_t::floating: value = static_cast<double>(v.as_floating()); break;
    case toml::value_t::string: value = v.as_string().str; break;
    case toml::value_t::local_date: {
      const auto& d = v.as_local_date();
      char buf[16];
      std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", int(d.year), int(d.month) + 1, int(d.day));
      value = std::string(buf);
      break;
    }
    case toml::value_t::array:
      throw ConfigError(pos.str() + ": '" + path + "' is a list; scenario parameters are single values (numbers, "
                        "strings, true/false) -- for several values use a sweep file");
    default:
      throw ConfigError(pos.str() + ": '" + path + "' has an unsupported value type (date-times are not used; "
                        "write dates as \"YYYY-MM\")");
  }
  doc.set({path, std::move(value), pos});
}

}  // namespace

ScenarioDoc load_scenario_doc(const std::filesystem::path& file) {
  Reader r;
  r.doc.main_file = file.string();
  r.read_file(file, {});
  return std::move(r.doc);
}

ScenarioDoc parse_scenario_text(std::string_view text, const std::string& name, const std::filesystem::path& base_dir) {
  Reader r;
  r.doc.main_file = name;
  r.read_text(std::string(text), name, base_dir, !base_dir.empty());
  return std::move(r.doc);
}

void apply_override(ScenarioDoc& doc, std::string_view assignment) {
  const auto eq = assignment.find('=');
  auto trim = [](std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
  };
  const std::string key(trim(assignment.substr(0, eq == std::string_view::npos ? 0 : eq)));
  if (eq == std::string_view::npos || key.empty())
    throw ConfigError("--set '" + std::string(assignment) + "': expected key.path=value, e.g. --set policy.grace_period_years=10");
  const std::string value(trim(assignment.substr(eq + 1)));
  if (find_invalid_utf8(value) >= 0 || find_invalid_utf8(key) >= 0)
    throw ConfigError("--set '" + key + "': not valid UTF-8");
  ScenarioDoc one;
  try {
    one = parse_scenario_text(key + " = " + value + "\n", "--set");
  } catch (const ConfigError&) {
    // A bare word (e.g. --set run.start=2030-01): take it as a string.
    std::string quoted = "\"";
    for (char c : value) {
      if (c == '"' || c == '\\') quoted += '\\';
      quoted += c;
    }
    quoted += "\"";
    one = parse_scenario_text(key + " = " + quoted + "\n", "--set");
  }
  for (auto& e : one.entries) {
    e.pos = {"--set " + key, 0};
    doc.set(std::move(e));
  }
  doc.sources.emplace_back("--set", key + " = " + value + "\n");
}

}  // namespace biocluster::sim
