// Reads scenario files into a flat ScenarioDoc. toml11 is included only here and in batch/files.cpp.
#include "sim/toml_parse.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <sstream>
#include <string_view>
#include <utility>
#include <vector>

#include "sim/config.hpp"
#include "sim/errors.hpp"
#include "sim/text_file.hpp"

namespace biocluster::sim {

std::ptrdiff_t find_invalid_utf8(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const std::size_t n = s.size();
  std::size_t i = 0;
  while (i < n) {
    const unsigned c = p[i];
    std::size_t len;
    unsigned min_cp;
    if (c < 0x80) {
      ++i;
      continue;
    }
    if ((c & 0xE0) == 0xC0)
      len = 2, min_cp = 0x80;
    else if ((c & 0xF0) == 0xE0)
      len = 3, min_cp = 0x800;
    else if ((c & 0xF8) == 0xF0)
      len = 4, min_cp = 0x10000;
    else
      return static_cast<std::ptrdiff_t>(i);
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
          if (!multi) {
            --i;
            break;
          }  // unterminated: toml11 reports it
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

namespace {

/// toml11 3.7.1 reads a binary integer by doubling a signed 64-bit "base" once per digit, which
/// overflows (undefined behaviour) from the 63rd digit on. Such a literal cannot fit in 64 bits
/// anyway, so it is replaced, before toml11 sees it, by a hexadecimal literal of the same length
/// (0xFFF...: toml11 clamps it without undefined behaviour; positions stay the same, and the value's
/// text as written is read back from the original). Strings and comments are left alone.
std::string defuse_long_binary_integers(const std::string& text) {
  std::string out;  // empty: nothing to change
  const std::size_t n = text.size();
  auto starts = [&](std::size_t i, std::string_view t) { return text.compare(i, t.size(), t) == 0; };
  for (std::size_t i = 0; i < n;) {
    const char c = text[i];
    if (c == '#') {  // comment to the end of the line
      while (i < n && text[i] != '\n') ++i;
    } else if (starts(i, "\"\"\"") || starts(i, "'''")) {  // multi-line strings
      const std::string_view close = text[i] == '"' ? "\"\"\"" : "'''";
      for (i += 3; i < n && !starts(i, close); ++i)
        if (close[0] == '"' && text[i] == '\\') ++i;
      i += 3;
    } else if (c == '"' || c == '\'') {  // one-line strings
      for (++i; i < n && text[i] != c && text[i] != '\n'; ++i)
        if (c == '"' && text[i] == '\\') ++i;
      ++i;
    } else if (c == '0' && i + 1 < n && text[i + 1] == 'b' &&
               (i == 0 || !(std::isalnum(static_cast<unsigned char>(text[i - 1])) || text[i - 1] == '_'))) {
      std::size_t j = i + 2, digits = 0;
      while (j < n && (text[j] == '0' || text[j] == '1' || text[j] == '_')) digits += text[j++] != '_';
      if (digits >= 63) {
        if (out.empty()) out = text;
        out[i + 1] = 'x';
        for (std::size_t k = i + 2; k < j; ++k) out[k] = 'F';
      }
      i = j;
    } else {
      ++i;
    }
  }
  return out;
}

/// Puts the text as written back into toml11's copy of the source, once parsed: every value's
/// region then shows what the user wrote (a defused binary literal included). The copy is a
/// std::vector<char> toml11 made with make_shared (not a const object), viewed through a pointer to const.
void restore_source(const toml::value& v, const std::string& text) {
  if (const auto* reg = dynamic_cast<const toml::detail::region*>(toml::detail::get_region(v))) {
    const auto size = static_cast<std::size_t>(reg->end() - reg->begin());
    if (size >= text.size()) std::memcpy(const_cast<char*>(&*reg->begin()), text.data(), text.size());
    return;
  }
  if (v.is_table())
    for (const auto& [k, child] : v.as_table()) return restore_source(child, text);
  if (v.is_array())
    for (const auto& child : v.as_array()) return restore_source(child, text);
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
    const std::string defused = defuse_long_binary_integers(text);
    std::istringstream is(defused.empty() ? text : defused);
    toml::value root = toml::parse(is, name);
    if (!defused.empty()) restore_source(root, text);
    return root;
  } catch (const std::exception& e) {
    // toml11 quotes the offending line (twice, for some errors): cut long lines.
    std::string excerpt;
    const std::string_view all(e.what());
    for (std::size_t at = 0; at <= all.size();) {
      const std::size_t end = std::min(all.find('\n', at), all.size());
      excerpt += clip_for_message(all.substr(at, end - at), 200);
      if (end < all.size()) excerpt += '\n';
      at = end + 1;
    }
    throw ConfigError(name + ": TOML syntax error:\n" + excerpt);
  }
}

namespace {

constexpr int kMaxIncludeDepth = 16;
/// All files of one scenario together (an include list may name a large file many times).
constexpr std::size_t kMaxScenarioBytes = 4 * kMaxInputFileBytes;

/// Line numbers of toml11 values in O(log n): toml11 3.7.1's region::line_num() counts the
/// newlines from the start of the file on every call, which made loading quadratic in the file's
/// size (5,000 regions: 44 s in `check`).
class LineIndex {
 public:
  explicit LineIndex(std::string_view text) {
    for (std::size_t i = 0; i < text.size(); ++i)
      if (text[i] == '\n') newlines_.push_back(i);
  }
  int line(const toml::value& v) const {
    const auto* reg = dynamic_cast<const toml::detail::region*>(toml::detail::get_region(v));
    if (!reg) return static_cast<int>(v.location().line());
    const auto offset = static_cast<std::size_t>(reg->first() - reg->begin());
    return 1 + static_cast<int>(std::lower_bound(newlines_.begin(), newlines_.end(), offset) - newlines_.begin());
  }

 private:
  std::vector<std::size_t> newlines_;
};

/// The text of a value as written in the file (see restore_source), or empty if toml11 kept no region for it.
std::string written_text(const toml::value& v) {
  const auto* reg = dynamic_cast<const toml::detail::region*>(toml::detail::get_region(v));
  return reg ? std::string(reg->first(), reg->last()) : std::string();
}

/// Whether an integer token (decimal, 0x, 0o, 0b; '_' separators; sign) fits in 64 bits. toml11
/// 3.7.1 clamps a larger one to +-9223372036854775807 without a word.
bool integer_token_fits(std::string_view t) {
  bool neg = false;
  if (!t.empty() && (t.front() == '+' || t.front() == '-')) neg = t.front() == '-', t.remove_prefix(1);
  unsigned base = 10;
  if (t.size() > 2 && t[0] == '0' && (t[1] == 'x' || t[1] == 'o' || t[1] == 'b'))
    base = t[1] == 'x' ? 16 : t[1] == 'o' ? 8 : 2, t.remove_prefix(2);
  const std::uint64_t limit = neg ? std::uint64_t{1} << 63 : (std::uint64_t{1} << 63) - 1;
  std::uint64_t x = 0;
  for (char c : t) {
    unsigned d;
    if (c == '_') continue;
    if (c >= '0' && c <= '9')
      d = static_cast<unsigned>(c - '0');
    else if (c >= 'a' && c <= 'f')
      d = static_cast<unsigned>(c - 'a' + 10);
    else if (c >= 'A' && c <= 'F')
      d = static_cast<unsigned>(c - 'A' + 10);
    else
      return true;                             // not an integer token: leave it to toml11
    if (x > (limit - d) / base) return false;  // x * base + d > limit
    x = x * base + d;
  }
  return true;
}

struct Reader {
  ScenarioDoc doc;
  std::vector<std::string> chain;  // include chain, for cycle detection
  std::size_t bytes_read = 0;      // all files together, against kMaxScenarioBytes

  void read_text(const std::string& text, const std::string& name, const std::filesystem::path& dir,
                 bool allow_include);
  void read_file(const std::filesystem::path& file, const SourcePos& from);
  void flatten(const toml::value& v, const std::string& path, const std::string& name, const LineIndex& lines);
};

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
  // Regular files of at most 16 MiB only: an include of /dev/zero would grow memory without limit,
  // one of a FIFO would block (sim/text_file.hpp).
  std::string text =
      read_text_file(file, "scenario", where,
                     from.file.empty() ? "check the path" : "include paths are relative to the including file");
  bytes_read += text.size();
  if (bytes_read > kMaxScenarioBytes)
    throw ConfigError(where + "the scenario's files add up to more than 64 MiB (" + std::to_string(kMaxScenarioBytes) +
                      " bytes) with '" + file.string() + "'; include each base file once");
  chain.push_back(key);
  read_text(text, file.string(), file.parent_path(), true);
  chain.pop_back();
}

void Reader::read_text(const std::string& text, const std::string& name, const std::filesystem::path& dir,
                       bool allow_include) {
  const toml::value root = parse_toml_checked(text, name, "scenario");
  doc.sources.emplace_back(name, text);
  const LineIndex lines(text);
  // Includes first: base values, which this file's own values then override.
  if (root.is_table() && root.as_table().count("include")) {
    const toml::value& inc = root.as_table().at("include");
    const SourcePos pos{name, lines.line(inc)};
    if (!allow_include) throw ConfigError(pos.str() + ": 'include' is not allowed here");
    std::vector<std::string> files;
    if (inc.is_string())
      files.push_back(inc.as_string().str);
    else if (inc.is_array()) {
      for (const auto& f : inc.as_array()) {
        if (!f.is_string()) throw ConfigError(pos.str() + ": 'include' must be a file name or a list of file names");
        files.push_back(f.as_string().str);
      }
    } else {
      throw ConfigError(pos.str() +
                        ": 'include' must be a file name or a list of file names, e.g. include = \"base.toml\"");
    }
    for (const auto& f : files) read_file(dir / f, pos);
  }
  flatten(root, "", name, lines);
}

void Reader::flatten(const toml::value& v, const std::string& path, const std::string& name, const LineIndex& lines) {
  if (v.is_table()) {
    struct Kid {
      int line;
      const std::string* key;
      const toml::value* value;
    };
    std::vector<Kid> kids;
    for (const auto& [k, child] : v.as_table()) {
      if (path.empty() && k == "include") continue;
      kids.push_back({lines.line(child), &k, &child});
    }
    // Deterministic order: as written in the file (toml11 keeps tables unordered).
    std::sort(kids.begin(), kids.end(),
              [](const Kid& a, const Kid& b) { return a.line != b.line ? a.line < b.line : *a.key < *b.key; });
    for (const auto& kid : kids) flatten(*kid.value, path.empty() ? *kid.key : path + "." + *kid.key, name, lines);
    return;
  }
  const SourcePos pos{name, lines.line(v)};
  ScalarValue value;
  std::string written;
  switch (v.type()) {
    case toml::value_t::boolean:
      value = v.as_boolean();
      break;
    case toml::value_t::integer:
      value = static_cast<std::int64_t>(v.as_integer());
      written = unrepresentable_number_text(v);  // beyond 64 bits: keep the text
      break;
    case toml::value_t::floating:
      value = static_cast<double>(v.as_floating());
      written = unrepresentable_number_text(v);  // beyond the double range: keep the text
      break;
    case toml::value_t::string:
      value = v.as_string().str;
      break;
    case toml::value_t::local_date: {
      const auto& d = v.as_local_date();
      char buf[16];
      std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", int(d.year), int(d.month) + 1, int(d.day));
      value = std::string(buf);
      break;
    }
    case toml::value_t::array:
      throw ConfigError(pos.str() + ": '" + clip_for_message(path) +
                        "' is a list; scenario parameters are single values (numbers, "
                        "strings, true/false) -- for several values use a sweep file");
    default:
      throw ConfigError(pos.str() + ": '" + clip_for_message(path) +
                        "' has an unsupported value type (date-times are not used; "
                        "write dates as \"YYYY-MM\")");
  }
  doc.set({path, std::move(value), pos, std::move(written)});
}

}  // namespace

std::string unrepresentable_number_text(const toml::value& v) {
  if (v.is_integer()) {
    // Beyond 64 bits toml11 clamps (decimal, hex, octal) or wraps (binary).
    std::string written = written_text(v);
    return integer_token_fits(written) ? std::string() : written;
  }
  if (v.is_floating() && std::fabs(v.as_floating()) >= std::numeric_limits<double>::max()) {
    // toml11 reads 1e400 as the largest double: the text, if it is beyond the double range.
    std::string written = written_text(v), digits;
    for (char c : written)
      if (c != '_') digits += c;
    errno = 0;
    const double r = std::strtod(digits.c_str(), nullptr);
    return errno == ERANGE && std::isinf(r) ? written : std::string();
  }
  return {};
}

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

void apply_override(ScenarioDoc& doc, std::string_view assignment, std::string_view origin) {
  const auto eq = assignment.find('=');
  auto trim = [](std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
  };
  const std::string key(trim(assignment.substr(0, eq == std::string_view::npos ? 0 : eq)));
  if (eq == std::string_view::npos || key.empty())
    throw ConfigError("--set '" + clip_for_message(assignment) +
                      "': expected key.path=value, e.g. --set policy.grace_period_years=10");
  const std::string value(trim(assignment.substr(eq + 1)));
  if (find_invalid_utf8(value) >= 0 || find_invalid_utf8(key) >= 0)
    throw ConfigError("--set '" + clip_for_message(key) + "': not valid UTF-8");
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
    e.pos = {origin.empty() ? "--set " + clip_for_message(key) : std::string(origin), 0};
    doc.set(std::move(e));
  }
  doc.sources.emplace_back("--set", key + " = " + value + "\n");
}

}  // namespace biocluster::sim
