// The one reader of batch files: sweep files (docs/SWEEPS.md), calibration targets
// (docs/CALIBRATION.md, "The targets file") and experiments (docs/EXPERIMENTS.md, "The experiment
// file"). The only batch code that includes toml11. Every mistake is reported with file:line, all at once.
#include "sim/toml_parse.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "batch/study.hpp"
#include "batch/sweep.hpp"
#include "batch/text.hpp"
#include "sim/errors.hpp"

namespace biocluster::batch {

namespace {

/// Integers up to 2^53 in magnitude are exact as doubles (integer sweep ranges are computed in doubles).
constexpr std::int64_t kExactInteger = std::int64_t{1} << 53;

int line_of(const toml::value& v) { return static_cast<int>(v.location().line()); }

using Kids = std::vector<std::pair<std::string, const toml::value*>>;

/// A table's keys in the order written (`by_line`), else in name order.
Kids ordered(const toml::value& t, bool by_line = true) {
  Kids kids;
  for (const auto& [k, child] : t.as_table()) kids.emplace_back(k, &child);
  std::sort(kids.begin(), kids.end(), [by_line](const auto& a, const auto& b) {
    if (!by_line) return a.first < b.first;
    const int la = line_of(*a.second), lb = line_of(*b.second);
    return la != lb ? la < lb : a.first < b.first;
  });
  return kids;
}

/// A TOML string literal of `s`.
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

struct Reader {
  std::string name;
  std::filesystem::path dir;
  std::vector<std::string> errors;

  std::string at(const toml::value& v) const { return name + ":" + std::to_string(line_of(v)) + ": "; }
  void error(const toml::value& v, const std::string& msg) { errors.push_back(at(v) + msg); }

  /// True (and an error) if `v` is a number toml11 does not hold: an integer beyond 64 bits (clamped)
  /// or a float beyond the double range (read as the largest double). Reported as written.
  bool unrepresentable(const toml::value& v, const std::string& key, const std::string& allowed) {
    const std::string w = sim::unrepresentable_number_text(v);
    if (w.empty()) return false;
    error(v, "'" + key + "' = " + clip_for_message(w) + " is out of range; " +
                 (allowed.empty() ? std::string(v.is_integer() ? "integers are 64-bit" : "beyond the range of a double")
                                  : "allowed " + allowed));
    return true;
  }

  /// An integer in [lo, hi]. `say_range`: the type error names the range too.
  std::optional<std::int64_t> integer(const toml::value& v, const std::string& key, std::int64_t lo, std::int64_t hi,
                                      bool say_range = true) {
    if (!v.is_integer()) {
      error(v, "'" + key + "' must be an integer" +
                   (say_range ? " in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]" : std::string()));
      return std::nullopt;
    }
    if (unrepresentable(v, key, "[" + std::to_string(lo) + ", " + std::to_string(hi) + "]")) return std::nullopt;
    const auto x = static_cast<std::int64_t>(v.as_integer());
    if (x < lo || x > hi) {
      error(v, "'" + key + "' = " + std::to_string(x) + " is out of range; allowed [" + std::to_string(lo) + ", " +
                   std::to_string(hi) + "]");
      return std::nullopt;
    }
    return x;
  }

  /// The plan keys of every batch file: replicates (>= min_replicates), seed, steps. False for another key.
  bool plan_key(const std::string& k, const toml::value& v, std::int64_t& replicates, std::uint64_t& seed,
                std::optional<std::int64_t>& steps, std::int64_t min_replicates, bool say_range = true) {
    if (k == "replicates") {
      if (auto x = integer(v, k, min_replicates, 100000, say_range)) replicates = *x;
    } else if (k == "seed") {
      if (auto x = integer(v, k, 0, std::int64_t{4000000000000000000}, say_range))
        seed = static_cast<std::uint64_t>(*x);
    } else if (k == "steps") {
      if (auto x = integer(v, k, 1, 12000, say_range)) steps = *x;
    } else {
      return false;
    }
    return true;
  }

  /// A finite number, integer or not (`is_int` says which).
  std::optional<double> any_number(const toml::value& v, const std::string& key, bool& is_int) {
    if (unrepresentable(v, key, "")) return std::nullopt;
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

  /// A list of strings (sweep files).
  std::vector<std::string> string_list(const toml::value& v, const std::string& key) {
    std::vector<std::string> out;
    if (!v.is_array()) {
      error(v, "'" + key + "' must be a list of strings, e.g. " + key + " = [\"a\", \"b\"]");
      return out;
    }
    for (const auto& s : v.as_array()) {
      if (!s.is_string())
        error(s, "'" + key + "' must be a list of strings");
      else
        out.push_back(s.as_string().str);
    }
    return out;
  }

  std::optional<double> number(const toml::value& v, const std::string& key, double lo, double hi) {
    double x = 0;
    if (v.is_integer())
      x = static_cast<double>(v.as_integer());
    else if (v.is_floating())
      x = v.as_floating();
    else {
      error(v, "'" + key + "' must be a number");
      return std::nullopt;
    }
    std::ostringstream allowed;
    allowed << "[" << lo << ", " << hi << "]";
    if (unrepresentable(v, key, allowed.str())) return std::nullopt;
    if (!std::isfinite(x) || x < lo || x > hi) {
      std::ostringstream m;
      m << "'" << key << "' = " << x << " is out of range; allowed " << allowed.str();
      error(v, m.str());
      return std::nullopt;
    }
    return x;
  }
  std::string text(const toml::value& v, const std::string& key, bool required_nonempty = true) {
    if (!v.is_string() || (required_nonempty && v.as_string().str.empty())) {
      error(v, "'" + key + "' must be a non-empty string");
      return {};
    }
    return v.as_string().str;
  }
  std::vector<std::string> strings(const toml::value& v, const std::string& key) {
    std::vector<std::string> out;
    if (v.is_string()) return {v.as_string().str};
    if (!v.is_array()) {
      error(v, "'" + key + "' must be a string or a list of strings");
      return out;
    }
    for (const auto& e : v.as_array()) {
      if (!e.is_string())
        error(e, "'" + key + "' must hold strings only");
      else
        out.push_back(e.as_string().str);
    }
    return out;
  }

  /// metric / regions / when / per_year keys of a quantity (numerator or divide_by).
  bool quantity_key(const std::string& k, const toml::value& v, QuantitySpec& q) {
    if (k == "metric") {
      q.metrics = strings(v, k);
      if (q.metrics.empty())
        error(v, "'metric' names at least one metric (see docs/OUTPUT.md, e.g. \"startups_founded\")");
    } else if (k == "regions") {
      if (v.is_string()) {
        q.regions = v.as_string().str;
        q.region_list.clear();
      } else {
        q.region_list = strings(v, k);
        q.regions.clear();
        if (q.region_list.empty()) error(v, "'regions' lists at least one region");
      }
    } else if (k == "when") {
      q.when = text(v, k);
    } else if (k == "per_year") {
      if (!v.is_boolean())
        error(v, "'per_year' must be true or false");
      else
        q.per_year = v.as_boolean();
    } else {
      return false;
    }
    return true;
  }

  /// Reads a quantity from a table that may hold other keys too (handled by `other`).
  template <class Other>
  Quantity quantity(const toml::value& t, const std::string& what, Other&& other) {
    Quantity q;
    q.num.line = line_of(t);
    const toml::value* den = nullptr;
    for (const auto& [k, vp] : ordered(t)) {
      const toml::value& v = *vp;
      if (quantity_key(k, v, q.num)) continue;
      if (k == "divide_by")
        den = vp;
      else if (k == "scale") {
        if (auto x = number(v, k, 1e-300, 1e300)) q.scale = *x;
      } else if (k == "unit")
        q.unit = text(v, k, false);
      else if (k == "at_least") {
        if (auto x = number(v, k, -1e300, 1e300)) q.at_least = *x;
      } else if (!other(k, v))
        error(v, "unknown key '" + k + "' in a " + what +
                     "; a quantity has metric, regions, when, per_year, divide_by, scale, unit, at_least "
                     "(docs/CALIBRATION.md)");
    }
    if (q.at_least && t.as_table().count("scale"))
      error(t, "a " + what +
                   " with 'at_least' is 1 or 0 (the level reached or not): it takes no 'scale'; give the "
                   "level in the metric's own unit");
    if (q.num.metrics.empty() && t.as_table().count("metric") == 0)
      error(t, "a " + what + " needs 'metric', e.g. metric = \"startups_founded\"");
    if (den) {
      if (!den->is_table())
        error(*den, "'divide_by' must be an inline table, e.g. divide_by = { regions = \"all\" }");
      else {
        QuantitySpec d = q.num;  // unset keys inherit the numerator's
        d.line = line_of(*den);
        for (const auto& [k, vp] : ordered(*den))
          if (!quantity_key(k, *vp, d))
            error(*vp, "unknown key '" + k + "' in divide_by; it takes metric, regions, when, per_year");
        q.den = d;
      }
    }
    return q;
  }

  // ---- sweep files

  void factor(const toml::value& t, const std::string& key, SweepSpec& spec) {
    Factor f;
    f.key = key;
    f.pos = {name, line_of(t)};
    bool has_min = false, has_max = false, min_int = false, max_int = false, exact = true;
    // Integer ranges are computed in doubles: beyond 2^53 the values (and max itself) are not exact.
    auto exact_integer = [](const toml::value& v) {
      return !v.is_integer() || (v.as_integer() >= -kExactInteger && v.as_integer() <= kExactInteger);
    };
    for (const auto& [k, vp] : ordered(t, false)) {
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
          if (const std::string w = sim::unrepresentable_number_text(x); !w.empty()) {
            error(x, "factor '" + key + "': value " + clip_for_message(w) + " is beyond " +
                         (x.is_integer() ? "64-bit integers" : "the range of a double"));
            continue;
          }
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
          if (kind >= 0 && kind != this_kind) {
            error(x, "factor '" + key + "': values mix numbers, strings and booleans; use one type");
            break;  // once per factor
          }
          kind = this_kind;
        }
      } else if (k == "min") {
        if (auto x = any_number(v, key + ".min", min_int))
          f.min = *x, has_min = true, exact = exact && exact_integer(v);
      } else if (k == "max") {
        if (auto x = any_number(v, key + ".max", max_int))
          f.max = *x, has_max = true, exact = exact && exact_integer(v);
      } else if (k == "levels") {
        if (auto x = integer(v, key + ".levels", 2, 1000000, false)) f.levels = *x;
      } else {
        error(v, "factor '" + key + "': unknown key '" + k +
                     "'; a factor has 'values', or 'min', 'max' (and 'levels' for a grid)");
      }
    }
    if (f.is_list && (has_min || has_max || f.levels > 0))
      error(t, "factor '" + key + "': give either 'values' or 'min'/'max', not both");
    if (!f.is_list) {
      if (!has_min || !has_max) {
        error(t, "factor '" + key + "': needs 'values = [...]' or both 'min' and 'max'");
      } else if (!(f.min < f.max)) {
        error(t, "factor '" + key + "': 'min' must be smaller than 'max'");
      } else if (!std::isfinite(f.max - f.min)) {
        // Design points are min + u * (max - min): an infinite width gives inf and nan values.
        error(t, "factor '" + key + "': 'max' - 'min' is beyond the range of a double; narrow the range");
      } else if (min_int && max_int && !exact) {
        error(t, "factor '" + key + "': integer 'min' and 'max' must lie within +-9007199254740992 (2^53)");
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
    for (const auto& [k, child] : ordered(t)) factors(*child, path.empty() ? k : path + "." + k, spec);
  }

  /// Throws every error at once: "<what> file:line: ..." for one, else "<what> file 'NAME' has N errors:".
  void finish(const std::string& what) { throw_errors(errors, what + " ", what + " file '" + name + "'"); }
};

const toml::array* table_array(Reader& r, const toml::value& v, const std::string& key) {
  if (!v.is_array() ||
      std::any_of(v.as_array().begin(), v.as_array().end(), [](const auto& e) { return !e.is_table(); })) {
    r.error(v, "'" + key + "' must be an array of tables: write each as [[" + key + "]]");
    return nullptr;
  }
  return &v.as_array();
}

}  // namespace

SweepSpec parse_sweep_text(const std::string& text, const std::string& name, const std::filesystem::path& base_dir) {
  const toml::value root = sim::parse_toml_checked(text, name, "sweep");
  SweepSpec spec;
  spec.file = name;
  spec.text = text;
  Reader p{name, base_dir, {}};
  bool has_samples = false, has_traj = false, has_levels = false;
  for (const auto& [k, vp] : ordered(root, false)) {
    const toml::value& v = *vp;
    if (p.plan_key(k, v, spec.replicates, spec.seed, spec.steps, 1, false)) continue;
    if (k == "scenario") {
      if (!v.is_string() || v.as_string().str.empty())
        p.error(v, "'scenario' must be a file name, e.g. scenario = \"../default.toml\"");
      else
        spec.scenario = base_dir / v.as_string().str, spec.scenario_name = v.as_string().str;
    } else if (k == "set") {
      spec.set = p.string_list(v, k);
      for (const auto& s : spec.set)
        if (s.find('=') == std::string::npos) p.error(v, "'set' entries are \"key.path=value\", got '" + s + "'");
    } else if (k == "metrics") {
      spec.metrics = p.string_list(v, k);
    } else if (k == "output") {
      const std::string o = v.is_string() ? v.as_string().str : "";
      if (o == "summary" || o == "series" || o == "events" || o == "full")
        spec.output_level = o;
      else
        p.error(v,
                "'output' must be one of \"summary\" (run totals, the default), \"series\" (+ monthly time "
                "series), \"events\" (+ events) or \"full\" (+ snapshots)");
    } else if (k == "design") {
      const std::string d = v.is_string() ? v.as_string().str : "";
      if (d == "grid")
        spec.design = Design::grid;
      else if (d == "lhs")
        spec.design = Design::lhs;
      else if (d == "morris")
        spec.design = Design::morris;
      else if (d == "sobol")
        spec.design = Design::sobol;
      else
        p.error(v, "'design' must be one of \"grid\", \"lhs\", \"morris\", \"sobol\"");
    } else if (k == "samples") {
      if (auto x = p.integer(v, k, 1, 10000000, false)) spec.samples = *x, has_samples = true;
    } else if (k == "trajectories") {
      if (auto x = p.integer(v, k, 1, 1000000, false)) spec.trajectories = *x, has_traj = true;
    } else if (k == "levels") {
      if (auto x = p.integer(v, k, 2, 1000, false)) spec.levels = *x, has_levels = true;
    } else if (k == "factors") {
      p.factors(v, "", spec);
    } else {
      p.error(v, "unknown key '" + k +
                     "'; a sweep file has scenario, replicates, seed, steps, set, metrics, output, design, samples, "
                     "trajectories, levels and [factors.<key>] tables");
    }
  }
  // Factors in the order written.
  std::stable_sort(spec.factors.begin(), spec.factors.end(),
                   [](const Factor& a, const Factor& b) { return a.pos.line < b.pos.line; });
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
          p.errors.push_back(f.pos.str() + ": factor '" + f.key +
                             "': a grid needs 'levels' (>= 2) for a min/max range, or 'values'");
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
  p.finish("sweep");
  return spec;
}

SweepSpec load_sweep_file(const std::filesystem::path& file) {
  return parse_sweep_text(read_input(file, "sweep"), file.string(), file.parent_path());
}

TargetsSpec parse_targets_text(const std::string& text, const std::string& name,
                               const std::filesystem::path& base_dir) {
  const toml::value root = sim::parse_toml_checked(text, name, "targets");
  Reader r{name, base_dir, {}};
  TargetsSpec spec;
  spec.file = name;
  for (const auto& [k, vp] : ordered(root)) {
    const toml::value& v = *vp;
    if (r.plan_key(k, v, spec.replicates, spec.seed, spec.steps, 1)) continue;
    if (k == "scenario") {
      spec.scenario = r.dir / r.text(v, k);
    } else if (k == "set") {
      spec.set = r.strings(v, k);
    } else if (k == "target") {
      const auto* arr = table_array(r, v, "target");
      if (!arr) continue;
      for (const auto& t : *arr) {
        Target tg;
        tg.line = line_of(t);
        bool has_obs = false;
        tg.q = r.quantity(t, "target", [&](const std::string& key, const toml::value& x) {
          if (key == "name")
            tg.name = r.text(x, key);
          else if (key == "observed") {
            if (auto o = r.number(x, key, 1e-300, 1e300)) tg.observed = *o, has_obs = true;
          } else if (key == "source")
            tg.source = r.text(x, key);
          else if (key == "tolerance") {
            if (auto o = r.number(x, key, 0, 100)) tg.tolerance = *o;
          } else if (key == "note")
            tg.note = r.text(x, key, false);
          else if (key == "also_reported") {
            if (!x.is_array()) {
              r.error(x, "'also_reported' must be a list of { value = ..., source = \"...\" }");
              return true;
            }
            for (const auto& e : x.as_array()) {
              if (!e.is_table() || !e.as_table().count("value") || !e.as_table().count("source")) {
                r.error(e, "each 'also_reported' entry is { value = <number>, source = \"...\" }");
                continue;
              }
              if (auto o = r.number(e.as_table().at("value"), "value", 1e-300, 1e300))
                tg.also_reported.emplace_back(*o, r.text(e.as_table().at("source"), "source"));
            }
          } else
            return false;
          return true;
        });
        if (tg.name.empty()) r.error(t, "a [[target]] needs 'name'");
        if (!has_obs) r.error(t, "target '" + tg.name + "' needs 'observed' (a positive number)");
        if (tg.source.empty())
          r.error(t, "target '" + tg.name + "' needs 'source' (where the observed figure comes from)");
        spec.targets.push_back(std::move(tg));
      }
    } else {
      r.error(v, "unknown key '" + k +
                     "'; a targets file has scenario, replicates, seed, steps, set and [[target]] tables");
    }
  }
  if (spec.scenario.empty())
    r.errors.push_back(r.name + ": missing 'scenario' (the scenario file, relative to this file)");
  if (spec.targets.empty() && r.errors.empty()) r.errors.push_back(r.name + ": no [[target]] table");
  r.finish("targets");
  return spec;
}

TargetsSpec load_targets(const std::filesystem::path& file) {
  return parse_targets_text(read_input(file, "targets"), file.string(), file.parent_path());
}

ExperimentSpec parse_experiment_text(const std::string& text, const std::string& name,
                                     const std::filesystem::path& base_dir) {
  const toml::value root = sim::parse_toml_checked(text, name, "experiment");
  Reader r{name, base_dir, {}};
  ExperimentSpec spec;
  spec.file = name;
  auto variant = [&](const toml::value& t, Variant& out, const std::string& label) {
    out.line = line_of(t);
    for (const auto& [k, vp] : ordered(t)) {
      if (k == "name")
        out.name = r.text(*vp, k);
      else if (k == "scenario")
        out.scenario = r.dir / r.text(*vp, k);
      else if (k == "changes")
        out.changes = r.strings(*vp, k);
      else
        r.error(*vp, "unknown key '" + k + "' in a variant; it has name, scenario and changes");
    }
    if (out.name.empty()) r.error(t, label + " needs 'name'");
    if (out.scenario.empty())
      r.error(t, label == "[baseline]"
                     ? "[baseline] '" + out.name + "' needs 'scenario' (a scenario file, relative to this file)"
                     : "variant '" + out.name + "' needs 'scenario' (an override file, relative to this file)");
  };
  for (const auto& [k, vp] : ordered(root)) {
    const toml::value& v = *vp;
    if (k == "name")
      spec.name = r.text(v, k);
    else if (k == "question")
      spec.question = r.text(v, k);
    else if (k == "mechanism")
      spec.mechanism = r.text(v, k, false);
    else if (r.plan_key(k, v, spec.replicates, spec.seed, spec.steps, 2))
      continue;
    else if (k == "baseline") {
      if (!v.is_table())
        r.error(v, "'baseline' is a table: [baseline] with name and scenario");
      else
        variant(v, spec.baseline, "[baseline]");
    } else if (k == "variant") {
      if (const auto* arr = table_array(r, v, "variant"))
        for (const auto& t : *arr) variant(t, spec.variants.emplace_back(), "a variant");
    } else if (k == "outcome") {
      if (const auto* arr = table_array(r, v, "outcome"))
        for (const auto& t : *arr) {
          ExperimentOutcome o;
          o.line = line_of(t);
          o.q = r.quantity(t, "outcome", [&](const std::string& key, const toml::value& x) {
            if (key != "name") return false;
            o.name = r.text(x, key);
            return true;
          });
          if (o.name.empty()) r.error(t, "an [[outcome]] needs 'name'");
          spec.outcomes.push_back(std::move(o));
        }
    } else {
      r.error(
          v,
          "unknown key '" + k +
              "'; an experiment file has name, question, mechanism, replicates, seed, steps, [baseline], [[variant]] "
              "and [[outcome]] tables");
    }
  }
  if (spec.baseline.scenario.empty()) r.errors.push_back(r.name + ": missing [baseline] (name and scenario)");
  if (spec.outcomes.empty()) r.errors.push_back(r.name + ": no [[outcome]] table");
  if (!spec.baseline.changes.empty())
    r.errors.push_back(r.name + ": the baseline changes nothing; remove its 'changes'");
  r.finish("experiment");
  return spec;
}

ExperimentSpec load_experiment(const std::filesystem::path& file) {
  return parse_experiment_text(read_input(file, "experiment"), file.string(), file.parent_path());
}

}  // namespace biocluster::batch
