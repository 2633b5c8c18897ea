#include "sim/config.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <sstream>
#include <unordered_map>
#include <unordered_set>

#include "sim/errors.hpp"

namespace biocluster::sim {

// ---------------------------------------------------------------- ScenarioDoc

void ScenarioDoc::set(DocEntry e) {
  if (path_index.size() != entries.size()) {  // entries changed without set(): rebuild
    path_index.clear();
    for (std::size_t i = 0; i < entries.size(); ++i) path_index.emplace(entries[i].path, i);
  }
  if (auto it = path_index.find(e.path); it != path_index.end()) {
    entries[it->second] = std::move(e);
    return;
  }
  path_index.emplace(e.path, entries.size());
  entries.push_back(std::move(e));
}

std::string ScenarioDoc::sources_text() const {
  std::string out;
  for (const auto& [path, text] : sources) {
    out += "# ==> " + path + " <==\n";
    out += text;
    if (!text.empty() && text.back() != '\n') out += '\n';
  }
  return out;
}

std::string ParamVisitor::path(std::string_view key) const {
  std::string p;
  for (const auto& s : prefix_) p += s + ".";
  p += key;
  return p;
}

std::string format_double(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  std::string s(buf, r.ptr);
  // TOML floats need a '.' or an exponent.
  if (s.find_first_of(".eE") == std::string::npos) s += ".0";
  return s;
}

namespace {

std::string describe_value(const DocEntry& e) {
  if (!e.written.empty())
    return (std::holds_alternative<double>(e.value) ? "float " : "integer ") + clip_for_message(e.written);
  return std::visit(
      [](const auto& x) -> std::string {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, bool>)
          return std::string("boolean ") + (x ? "true" : "false");
        else if constexpr (std::is_same_v<T, std::int64_t>)
          return "integer " + std::to_string(x);
        else if constexpr (std::is_same_v<T, double>)
          return "float " + format_double(x);
        else
          return "string \"" + clip_for_message(x) + "\"";
      },
      e.value);
}

std::string range_text(const Meta& m, bool integer) {
  auto num = [&](double x) {
    if (integer) return std::to_string(static_cast<std::int64_t>(x));
    std::string t = format_double(x);
    if (t.ends_with(".0")) t.resize(t.size() - 2);
    return t;
  };
  std::string s = "[" + num(m.min) + ", " + num(m.max) + "]";
  if (!m.unit.empty()) s += " " + std::string(m.unit);
  return s;
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j)
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

bool valid_name(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
}

}  // namespace

// ---------------------------------------------------------------- ApplyVisitor

struct ApplyVisitor::State {
  const ScenarioDoc* doc;
  std::unordered_map<std::string, std::size_t> index;
  std::vector<bool> used;
  std::vector<std::string> known;  // every path the parameter struct has
  std::unordered_set<std::string> map_prefixes;
  std::vector<std::string> errors;
  std::vector<std::pair<std::string, double>> currencies;
};

ApplyVisitor::ApplyVisitor(const ScenarioDoc& doc) : s_(new State) {
  s_->doc = &doc;
  for (std::size_t i = 0; i < doc.entries.size(); ++i) s_->index[doc.entries[i].path] = i;
  s_->used.assign(doc.entries.size(), false);
}

ApplyVisitor::~ApplyVisitor() { delete s_; }

const DocEntry* ApplyVisitor::take(const std::string& p) {
  s_->known.push_back(p);
  auto it = s_->index.find(p);
  if (it == s_->index.end()) return nullptr;
  s_->used[it->second] = true;
  return &s_->doc->entries[it->second];
}

void ApplyVisitor::error_at(const std::string& key_path, const std::string& message) {
  auto it = s_->index.find(key_path);
  const std::string where = it != s_->index.end() ? s_->doc->entries[it->second].pos.str() : s_->doc->main_file;
  s_->errors.push_back(where + ": " + message);
}

void ApplyVisitor::add_currency(const std::string& code, double factor, const std::string&) {
  s_->currencies.emplace_back(code, factor);
}

void ApplyVisitor::real(std::string_view key, double& v, const Meta& m) {
  const std::string p = path(key);
  const DocEntry* e = take(p);
  if (!e) return;
  double x;
  const auto* str = std::get_if<std::string>(&e->value);
  if (!e->written.empty()) {  // beyond int64 / double: out of any range, echoed as written
    s_->errors.push_back(e->pos.str() + ": '" + p + "' = " + clip_for_message(e->written) +
                         " is out of range; allowed " + range_text(m, false) + " -- " + std::string(m.doc));
    return;
  }
  if (auto d = std::get_if<double>(&e->value))
    x = *d;
  else if (auto i = std::get_if<std::int64_t>(&e->value))
    x = static_cast<double>(*i);
  else if (str && m.unit.starts_with("USD") && !s_->currencies.empty()) {
    // "<number> <currency>", e.g. "30e9 KRW": converted to the model currency.
    std::istringstream in(*str);
    double amount = 0;
    std::string code, rest;
    in >> amount >> code >> rest;
    double factor = -1;
    for (const auto& [c, f] : s_->currencies)
      if (c == code) factor = f;
    if (in.fail() && !in.eof()) factor = -1;
    if (factor < 0 || !rest.empty() || code.empty()) {
      std::string codes;
      for (const auto& [c, f] : s_->currencies) codes += (codes.empty() ? "" : ", ") + c;
      s_->errors.push_back(e->pos.str() + ": '" + p + "' = \"" + clip_for_message(*str) + "\": write a number (" +
                           std::string(m.unit) + ") or \"<number> <currency>\" with a currency among " + codes +
                           ", e.g. \"30e9 KRW\"");
      return;
    }
    x = amount * factor;
  } else {
    s_->errors.push_back(e->pos.str() + ": '" + p + "' must be a number" +
                         (m.unit.empty() ? "" : " (" + std::string(m.unit) + ")") + ", got " + describe_value(*e) +
                         "; allowed range " + range_text(m, false) + " -- " + std::string(m.doc));
    return;
  }
  if (!(x >= m.min && x <= m.max)) {  // also catches NaN
    s_->errors.push_back(e->pos.str() + ": '" + p + "' = " + format_double(x) + " is out of range; allowed " +
                         range_text(m, false) + " -- " + std::string(m.doc));
    return;
  }
  v = x;
}

void ApplyVisitor::integer(std::string_view key, std::int64_t& v, const Meta& m) {
  const std::string p = path(key);
  const DocEntry* e = take(p);
  if (!e) return;
  const auto* i = std::get_if<std::int64_t>(&e->value);
  if (i && !e->written.empty()) {  // beyond 64 bits: toml11 clamped it; report what was written
    s_->errors.push_back(e->pos.str() + ": '" + p + "' = " + clip_for_message(e->written) +
                         " is out of range; allowed " + range_text(m, true) + " -- " + std::string(m.doc));
    return;
  }
  if (!i) {
    std::string hint;
    // Only for whole numbers that fit an int64: casting a larger double is undefined behaviour.
    if (auto d = std::get_if<double>(&e->value); d && std::floor(*d) == *d && *d >= -0x1p63 && *d < 0x1p63)
      hint = " (write " + std::to_string(static_cast<std::int64_t>(*d)) + ", without a decimal point)";
    s_->errors.push_back(e->pos.str() + ": '" + p + "' must be an integer, got " + describe_value(*e) + hint +
                         "; allowed range " + range_text(m, true) + " -- " + std::string(m.doc));
    return;
  }
  // Compared as integers where the bound is one (9000000000000000001 rounds to 9e18 as a double).
  const auto below = m.min > -0x1p63 ? *i < static_cast<std::int64_t>(std::ceil(m.min)) : false;
  const auto above = m.max < 0x1p63 ? *i > static_cast<std::int64_t>(std::floor(m.max)) : false;
  if (below || above) {
    s_->errors.push_back(e->pos.str() + ": '" + p + "' = " + std::to_string(*i) + " is out of range; allowed " +
                         range_text(m, true) + " -- " + std::string(m.doc));
    return;
  }
  v = *i;
}

void ApplyVisitor::flag(std::string_view key, bool& v, std::string_view doc) {
  const std::string p = path(key);
  const DocEntry* e = take(p);
  if (!e) return;
  if (const auto* b = std::get_if<bool>(&e->value))
    v = *b;
  else
    s_->errors.push_back(e->pos.str() + ": '" + p + "' must be true or false, got " + describe_value(*e) + " -- " +
                         std::string(doc));
}

void ApplyVisitor::text(std::string_view key, std::string& v, std::string_view doc,
                        std::span<const std::string_view> choices) {
  const std::string p = path(key);
  const DocEntry* e = take(p);
  if (!e) return;
  const auto* s = std::get_if<std::string>(&e->value);
  std::string allowed;
  for (auto c : choices) allowed += (allowed.empty() ? "" : ", ") + std::string("\"") + std::string(c) + "\"";
  if (!s) {
    s_->errors.push_back(e->pos.str() + ": '" + p + "' must be a string" +
                         (allowed.empty() ? "" : " (one of " + allowed + ")") + ", got " + describe_value(*e) + " -- " +
                         std::string(doc));
    return;
  }
  if (!choices.empty() && std::find(choices.begin(), choices.end(), *s) == choices.end()) {
    s_->errors.push_back(e->pos.str() + ": '" + p + "' = \"" + clip_for_message(*s) + "\" is not allowed; use one of " +
                         allowed + " -- " + std::string(doc));
    return;
  }
  v = *s;
}

void ApplyVisitor::date(std::string_view key, YearMonth& v, std::string_view doc) {
  const std::string p = path(key);
  const DocEntry* e = take(p);
  if (!e) return;
  const auto* s = std::get_if<std::string>(&e->value);
  try {
    if (!s) throw ConfigError("got " + describe_value(*e));
    v = parse_year_month(*s);
  } catch (const ConfigError& err) {
    s_->errors.push_back(e->pos.str() + ": '" + p + "': " + err.what() + " -- " + std::string(doc));
  }
}

std::vector<std::string> ApplyVisitor::map_names(std::string_view key, const std::vector<std::string>& existing) {
  const std::string prefix = path(key) + ".";
  s_->map_prefixes.insert(prefix);
  std::vector<std::string> names = existing;
  std::unordered_set<std::string> seen(names.begin(), names.end()), bad;
  for (std::size_t i = 0; i < s_->doc->entries.size(); ++i) {
    const DocEntry& e = s_->doc->entries[i];
    if (e.path.rfind(prefix, 0) != 0) continue;
    const std::string_view rest = std::string_view(e.path).substr(prefix.size());
    if (rest.find('.') == std::string_view::npos) continue;  // a value directly under the map: unknown key later
    const std::string name(rest.substr(0, rest.find('.')));
    if (!valid_name(name)) {
      // Once per name, and not again as an unknown key.
      s_->used[i] = true;
      if (bad.insert(name).second)
        s_->errors.push_back(e.pos.str() + ": name '" + clip_for_message(name) + "' under '" +
                             prefix.substr(0, prefix.size() - 1) +
                             "' must be 1-64 characters of letters, digits, '_' or '-'");
      continue;
    }
    if (seen.insert(name).second) names.push_back(name);
  }
  return names;
}

void ApplyVisitor::finish() {
  int unknown_searched = 0;
  for (std::size_t i = 0; i < s_->doc->entries.size(); ++i) {
    if (s_->used[i]) continue;
    const DocEntry& e = s_->doc->entries[i];
    std::string best;
    std::size_t best_d = 1000;
    // "Did you mean": first among the keys of the same section (cheap, and the likely slip); the
    // whole key list only for the first few unknown keys, so that a file full of unknown keys in
    // many regions stays fast (edit distance is quadratic in key length).
    const std::string section = e.path.substr(0, e.path.rfind('.') + 1);
    const bool searchable = e.path.size() <= 200;  // no key is that long; edit distance is quadratic
    for (const auto& k : s_->known) {
      if (!searchable) break;
      if (k.size() < section.size() || k.compare(0, section.size(), section) != 0) continue;
      const std::size_t d = edit_distance(e.path, k);
      if (d < best_d) best_d = d, best = k;
    }
    if (searchable && best.empty() && ++unknown_searched <= 20)
      for (const auto& k : s_->known) {
        const std::size_t d = edit_distance(e.path, k);
        if (d < best_d) best_d = d, best = k;
      }
    std::string msg = e.pos.str() + ": unknown key '" + clip_for_message(e.path) + "'";
    if (!best.empty() && best_d <= std::max<std::size_t>(3, e.path.size() / 4))
      msg += "; did you mean '" + best + "'?";
    else
      msg += "; run 'biocluster check --defaults' to list every key";
    s_->errors.push_back(msg);
  }
  if (s_->errors.empty()) return;
  std::ostringstream m;
  m << "scenario '" << s_->doc->main_file << "' has " << s_->errors.size() << " error"
    << (s_->errors.size() > 1 ? "s" : "") << ":";
  for (const auto& e : s_->errors) m << "\n  " << e;
  throw ConfigError(m.str());
}

// ---------------------------------------------------------------- PrintVisitor

void PrintVisitor::line(std::string_view key, const std::string& value, const std::string& unit,
                        const std::string& range, std::string_view doc) {
  if (markdown_) {
    std::string d(doc);
    for (auto& c : d)
      if (c == '|') c = '/';
    out_ += "| `" + path(key) + "` | " + value + " | " + unit + " | " + range + " | " + d + " |\n";
    return;
  }
  std::string l = path(key) + " = " + value;
  if (l.size() < 48) l.append(48 - l.size(), ' ');
  std::string comment = range;
  if (!unit.empty() && !range.empty())
    comment += " " + unit;
  else if (!unit.empty())
    comment = unit;
  out_ += l + "  # " + (comment.empty() ? "" : comment + "  ") + std::string(doc) + "\n";
}

namespace {
std::string range_only(const Meta& m, bool integer) {
  std::string r = range_text(Meta{{}, m.min, m.max, {}}, integer);
  return r;
}
}  // namespace

void PrintVisitor::real(std::string_view key, double& v, const Meta& m) {
  line(key, format_double(v), std::string(m.unit), range_only(m, false), m.doc);
}
void PrintVisitor::integer(std::string_view key, std::int64_t& v, const Meta& m) {
  line(key, std::to_string(v), std::string(m.unit), range_only(m, true), m.doc);
}
void PrintVisitor::flag(std::string_view key, bool& v, std::string_view doc) {
  line(key, v ? "true" : "false", "", markdown_ ? "true/false" : "", doc);
}
void PrintVisitor::text(std::string_view key, std::string& v, std::string_view doc,
                        std::span<const std::string_view> choices) {
  std::string q = "\"";
  for (char c : v) {
    if (c == '"' || c == '\\') q += '\\';
    q += c;
  }
  q += "\"";
  std::string allowed;
  for (auto c : choices) allowed += (allowed.empty() ? "one of " : "/") + std::string(c);
  line(key, q, "", allowed, doc);
}
void PrintVisitor::date(std::string_view key, YearMonth& v, std::string_view doc) {
  line(key, "\"" + to_string(v) + "\"", "", "YYYY-MM", doc);
}

}  // namespace biocluster::sim
