// The only translation unit of the sweep code that includes toml11: reads sweep files.
#include "sim/toml_parse.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>

#include "app/sweep.hpp"
#include "sim/errors.hpp"

namespace biocluster::app {

namespace {

int line_of(const toml::value& v) { return static_cast<int>(v.location().line()); }

std::string quote(const std::string& s) {
  std::string q = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') q += '\\';
    if (c == '\n') {
      q += "\\n";
      continue;
    }
    q += c;
  }
  return q + "\"";
}

struct Parser {
  std::string name;
  std::vector<std::string> errors;

  std::string at(const toml::value& v) const { return name + ":" + std::to_string(line_of(v)) + ": "; }
  void error(const toml::value& v, const std::string& msg) { errors.push_back(at(v) + msg); }

  std::optional<std::int64_t> integer(const toml::value& v, const std::string& key, std::int64_t lo, std::int64_t hi) {
    if (!v.is_integer()) {
      error(v, "'" + key + "' must be an integer");
      return std::nullopt;
    }
    const auto x = static_cast<std::int64_t>(v.as_integer());
    if (x < lo || x > hi) {
      error(v, "'" + key + "' = " + std::to_string(x) + " is out of range; allowed [" + std::to_string(lo) + ", " +
                   std::to_string(hi) + "]");
      return std::nullopt;
    }
    return x;
  }

  std::optional<double> number(const toml::value& v, const std::string& key, bool& is_int) {
    if (v.is_integer()) {
      is_int = true;
      return static_cast<double>(v.as_integer());
    }
    if (v.is_floating()) {
      is_int = false;
      const double x = v.as_floating();
      if (!std::isfinite(x)) {
        error(v, "'" + key + "' must be a finite number");
        return std::nullopt;
      }
      return x;
    }
    error(v, "'" + key + "' must be a number");
    return std::nullopt;
  }

  std::vector<std::string> strings(const toml::value& v, const std::string& key) {
    std::vector<std::string> out;
    if (!v.is_array()) {
      error(v, "'" + key + "' must be a list of strings, e.g. " + key + " = [\"a\", \"b\"]");
      return out;
    }
    for (const auto& s : v.as_array()) {
      if (!s.is_string()) error(s, "'" + key + "' must be a list of strings");
      else out.push_back(s.as_string().str);
    }
    return out;
  }

  void factor(const toml::value& t, const std::string& key, SweepSpec& spec) {
    Factor f;
    f.key = key;
    f.pos = {name, line_of(t)};
    bool has_min = false, has_max = false, min_int = false, max_int = false;
    std::vector<std::pair<std::string, const toml::value*>> kids;
    for (const auto& [k, child] : t.as_table()) kids.emplace_back(k, &child);
    std::sort(kids.begin(), kids.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    for (const auto& [k, vp] : kids) {
      const toml::value& v = *vp;
      if (k == "values") {
        f.is_list = true;
        if (!v.is_array() || v.as_array().empty()) {
          error(v, "factor '" + key + "': 'values' must be a non-empty list, e.g. values = [0.3, 0.5]");
          continue;
        }
        int kind = -1;  // 0 number, 1 string, 2 bool
        for (const auto& x : v.as_array()) {
          int this_kind;
          if (x.is_integer()) {
            this_kind = 0;
            f.texts.push_back(std::to_string(x.as_integer()));
            f.numbers.push_back(static_cast<double>(x.as_integer()));
          } else if (x.is_floating()) {
            this_kind = 0;
            if (!std::isfinite(x.as_floating())) error(x, "factor '" + key + "': values must be finite");
            f.texts.push_back(sim::format_double(x.as_floating()));
            f.numbers.push_back(x.as_floating());
          } else if (x.is_string()) {
            this_kind = 1;
            f.texts.push_back(quote(x.as_string().str));
            f.numbers.push_back(static_cast<double>(f.numbers.size()));
          } else if (x.is_boolean()) {
            this_kind = 2;
            f.texts.push_back(x.as_boolean() ? "true" : "false");
            f.numbers.push_back(x.as_boolean() ? 1.0 : 0.0);
          } else {
            error(x, "factor '" + key + "': values must be numbers, strings or true/false");
            continue;
          }
          if (kind >= 0 && kind != this_kind)
            error(x, "factor '" + key + "': values mix numbers, strings and booleans; use one type");
          kind = this_kind;
        }
      } else if (k == "min") {
        if (auto x = number(v, key + ".min", min_int)) f.min = *x, has_min = true;
      } else if (k == "max") {
        if (auto x = number(v, key + ".max", max_int)) f.max = *x, has_max = true;
      } else if (k == "levels") {
        if (auto x = integer(v, key + ".levels", 2, 1000000)) f.levels = *x;
      } else {
        error(v, "factor '" + key + "': unknown key '" + k + "'; a factor has 'values', or 'min', 'max' (and 'levels' for a grid)");
      }
    }
    if (f.is_list && (has_min || has_max || f.levels > 0))
      error(t, "factor '" + key + "': give either 'values' or 'min'/'max', not both");
    if (!f.is_list) {
      if (!has_min || !has_max) {
        error(t, "factor '" + key + "': needs 'values = [...]' or both 'min' and 'max'");
      } else if (!(f.min < f.max)) {
        error(t, "factor '" + key + "': 'min' must be smaller than 'max'");
      }
      f.integer = min_int && max_int;
    }
    spec.factors.push_back(std::move(f));
  }

  // [factors.policy.basic_research_share] nests tables; a table holding values/min/max is a factor.
  void factors(const toml::value& t, const std::string& path, SweepSpec& spec) {
    if (!t.is_table()) {
      error(t, "'" + (path.empty() ? std::string("factors") : "factors." + path) +
                   "' must be a table, e.g. [factors.\"policy.basic_research_share\"] with values = [0.3, 0.5]");
      return;
    }
    const auto& tab = t.as_table();
    if (!path.empty() && (tab.count("values") || tab.count("min") || tab.count("max") || tab.count("levels"))) {
      factor(t, path, spec);
      return;
    }
    std::vector<std::pair<std::string, const toml::value*>> kids;
    for (const auto& [k, child] : tab) kids.emplace_back(k, &child);
    std::sort(kids.begin(), kids.end(), [](const auto& a, const auto& b) {
      const int la = line_of(*a.second), lb = line_of(*b.second);
      return la != lb ? la < lb : a.first < b.first;
    });
    for (const auto& [k, child] : kids) factors(*child, path.empty() ? k : path + "." + k, spec);
  }
};

}  // namespace

SweepSpec parse_sweep_text(const std::string& text, const std::string& name, const std::filesystem::path& base_dir) {
  const toml::value root = sim::parse_toml_checked(text, name, "sweep");
  SweepSpec spec;
  spec.file = name;
  spec.text = text;
  Parser p{name, {}};
  bool has_samples = false, has_traj = false, has_levels = false;
  std::vector<std::pair<std::string, const toml::value*>> kids;
  for (const auto& [k, child] : root.as_table()) kids.emplace_back(k, &child);
  std::sort(kids.begin(), kids.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  for (const auto& [k, vp] : kids) {
    const toml::value& v = *vp;
    if (k == "scenario") {
      if (!v.is_string() || v.as_string().str.empty()) p.error(v, "'scenario' must be a file name, e.g. scenario = \"../default.toml\"");
      else spec.scenario = base_dir / v.as_string().str, spec.scenario_name = v.as_string().str;
    } else if (k == "replicates") {
      if (auto x = p.integer(v, k, 1, 100000)) spec.replicates = *x;
    } else if (k == "seed") {
      if (auto x = p.integer(v, k, 0, std::int64_t{4000000000000000000})) spec.seed = static_cast<std::uint64_t>(*x);
    } else if (k == "steps") {
      if (auto x = p.integer(v, k, 1, 12000)) spec.steps = *x;
    } else if (k == "set") {
      spec.set = p.strings(v, k);
      for (const auto& s : spec.set)
        if (s.find('=') == std::string::npos) p.error(v, "'set' entries are \"key.path=value\", got '" + s + "'");
    } else if (k == "metrics") {
      spec.metrics = p.strings(v, k);
    } else if (k == "design") {
      const std::string d = v.is_string() ? v.as_string().str : "";
      if (d == "grid") spec.design = Design::grid;
      else if (d == "lhs") spec.design = Design::lhs;
      else if (d == "morris") spec.design = Design::morris;
      else if (d == "sobol") spec.design = Design::sobol;
      else p.error(v, "'design' must be one of \"grid\", \"lhs\", \"morris\", \"sobol\"");
    } else if (k == "samples") {
      if (auto x = p.integer(v, k, 1, 10000000)) spec.samples = *x, has_samples = true;
    } else if (k == "trajectories") {
      if (auto x = p.integer(v, k, 1, 1000000)) spec.trajectories = *x, has_traj = true;
    } else if (k == "levels") {
      if (auto x = p.integer(v, k, 2, 1000)) spec.levels = *x, has_levels = true;
    } else if (k == "factors") {
      p.factors(v, "", spec);
    } else {
      p.error(v, "unknown key '" + k +
                     "'; a sweep file has scenario, replicates, seed, steps, set, metrics, design, samples, "
                     "trajectories, levels and [factors.<key>] tables");
    }
  }
  // Factors in the order written.
  std::stable_sort(spec.factors.begin(), spec.factors.end(), [](const Factor& a, const Factor& b) { return a.pos.line < b.pos.line; });
  for (std::size_t i = 0; i < spec.factors.size(); ++i)
    for (std::size_t j = 0; j < i; ++j)
      if (spec.factors[i].key == spec.factors[j].key)
        p.errors.push_back(spec.factors[i].pos.str() + ": factor '" + spec.factors[i].key + "' is declared twice");
  const std::string where = name + ": ";
  if (spec.factors.empty() && p.errors.empty() && spec.design != Design::grid)
    p.errors.push_back(where + "design \"" + design_name(spec.design) + "\" needs at least one [factors.<key>] table");
  switch (spec.design) {
    case Design::grid:
      for (const auto& f : spec.factors)
        if (!f.is_list && f.levels < 2)
          p.errors.push_back(f.pos.str() + ": factor '" + f.key + "': a grid needs 'levels' (>= 2) for a min/max range, or 'values'");
      break;
    case Design::lhs:
    case Design::sobol:
      if (!has_samples)
        p.errors.push_back(where + "design \"" + design_name(spec.design) + "\" needs 'samples' (e.g. samples = 64)");
      if (spec.design == Design::sobol && spec.factors.size() > 32)
        p.errors.push_back(where + "design \"sobol\" supports at most 32 factors");
      break;
    case Design::morris:
      if (!has_traj) p.errors.push_back(where + "design \"morris\" needs 'trajectories' (e.g. trajectories = 10)");
      if (spec.levels % 2 != 0) p.errors.push_back(where + "'levels' for design \"morris\" must be even (e.g. 4)");
      break;
  }
  if (has_levels && spec.design != Design::morris)
    p.errors.push_back(where + "'levels' at the top level is for design \"morris\"; a grid gives 'levels' per factor");
  if (has_samples && spec.design != Design::lhs && spec.design != Design::sobol)
    p.errors.push_back(where + "'samples' is for designs \"lhs\" and \"sobol\"");
  if (has_traj && spec.design != Design::morris) p.errors.push_back(where + "'trajectories' is for design \"morris\"");
  if (!p.errors.empty()) {
    if (p.errors.size() == 1) throw ConfigError("sweep " + p.errors.front());
    std::string msg = "sweep file '" + name + "' has " + std::to_string(p.errors.size()) + " errors:";
    for (const auto& e : p.errors) msg += "\n  " + e;
    throw ConfigError(msg);
  }
  return spec;
}

SweepSpec load_sweep_file(const std::filesystem::path& file) {
  std::error_code ec;
  if (std::filesystem::is_directory(file, ec)) throw ConfigError("sweep file '" + file.string() + "' is a directory");
  std::ifstream in(file, std::ios::binary);
  if (!in) throw ConfigError("cannot read sweep file '" + file.string() + "'; check the path");
  std::ostringstream ss;
  ss << in.rdbuf();
  return parse_sweep_text(ss.str(), file.string(), file.parent_path());
}

}  // namespace biocluster::app
