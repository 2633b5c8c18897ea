// Reads calibration-target and experiment files (the only study code that includes toml11).
// Formats: docs/CALIBRATION.md ("The targets file") and docs/EXPERIMENTS.md ("The experiment file").
#include "sim/toml_parse.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>

#include "app/study.hpp"
#include "sim/errors.hpp"

namespace biocluster::app {

namespace {

int line_of(const toml::value& v) { return static_cast<int>(v.location().line()); }

using Kids = std::vector<std::pair<std::string, const toml::value*>>;

/// A table's keys in the order written.
Kids ordered(const toml::value& t) {
  Kids kids;
  for (const auto& [k, child] : t.as_table()) kids.emplace_back(k, &child);
  std::sort(kids.begin(), kids.end(), [](const auto& a, const auto& b) {
    const int la = line_of(*a.second), lb = line_of(*b.second);
    return la != lb ? la < lb : a.first < b.first;
  });
  return kids;
}

struct Reader {
  std::string name;
  std::filesystem::path dir;
  std::vector<std::string> errors;

  void error(const toml::value& v, const std::string& msg) { errors.push_back(name + ":" + std::to_string(line_of(v)) + ": " + msg); }

  std::optional<std::int64_t> integer(const toml::value& v, const std::string& key, std::int64_t lo, std::int64_t hi) {
    if (!v.is_integer()) {
      error(v, "'" + key + "' must be an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
      return std::nullopt;
    }
    const auto x = static_cast<std::int64_t>(v.as_integer());
    if (x < lo || x > hi) {
      error(v, "'" + key + "' = " + std::to_string(x) + " is out of range; allowed [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
      return std::nullopt;
    }
    return x;
  }
  std::optional<double> number(const toml::value& v, const std::string& key, double lo, double hi) {
    double x = 0;
    if (v.is_integer()) x = static_cast<double>(v.as_integer());
    else if (v.is_floating()) x = v.as_floating();
    else {
      error(v, "'" + key + "' must be a number");
      return std::nullopt;
    }
    if (!std::isfinite(x) || x < lo || x > hi) {
      std::ostringstream m;
      m << "'" << key << "' = " << x << " is out of range; allowed [" << lo << ", " << hi << "]";
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
      if (!e.is_string()) error(e, "'" + key + "' must hold strings only");
      else out.push_back(e.as_string().str);
    }
    return out;
  }

  /// metric / regions / when / per_year keys of a quantity (numerator or divide_by).
  bool quantity_key(const std::string& k, const toml::value& v, QuantitySpec& q) {
    if (k == "metric") {
      q.metrics = strings(v, k);
      if (q.metrics.empty()) error(v, "'metric' names at least one metric (see docs/OUTPUT.md, e.g. \"startups_founded\")");
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
      if (!v.is_boolean()) error(v, "'per_year' must be true or false");
      else q.per_year = v.as_boolean();
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
      if (k == "divide_by") den = vp;
      else if (k == "scale") {
        if (auto x = number(v, k, 1e-300, 1e300)) q.scale = *x;
      } else if (k == "unit") q.unit = text(v, k, false);
      else if (!other(k, v))
        error(v, "unknown key '" + k + "' in a " + what +
                     "; a quantity has metric, regions, when, per_year, divide_by, scale, unit (docs/CALIBRATION.md)");
    }
    if (q.num.metrics.empty() && t.as_table().count("metric") == 0) error(t, "a " + what + " needs 'metric', e.g. metric = \"startups_founded\"");
    if (den) {
      if (!den->is_table()) error(*den, "'divide_by' must be an inline table, e.g. divide_by = { regions = \"all\" }");
      else {
        QuantitySpec d = q.num;  // unset keys inherit the numerator's
        d.line = line_of(*den);
        for (const auto& [k, vp] : ordered(*den))
          if (!quantity_key(k, *vp, d)) error(*vp, "unknown key '" + k + "' in divide_by; it takes metric, regions, when, per_year");
        q.den = d;
      }
    }
    return q;
  }

  void finish(const char* what) {
    if (errors.empty()) return;
    if (errors.size() == 1) throw ConfigError(std::string(what) + " " + errors.front());
    std::string msg = std::string(what) + " file '" + name + "' has " + std::to_string(errors.size()) + " errors:";
    for (const auto& e : errors) msg += "\n  " + e;
    throw ConfigError(msg);
  }
};

toml::value read_root(const std::filesystem::path& file, const char* what) {
  std::error_code ec;
  if (std::filesystem::is_directory(file, ec)) throw ConfigError(std::string(what) + " file '" + file.string() + "' is a directory");
  std::ifstream in(file, std::ios::binary);
  if (!in) throw ConfigError("cannot read " + std::string(what) + " file '" + file.string() + "'; check the path");
  std::ostringstream ss;
  ss << in.rdbuf();
  return sim::parse_toml_checked(ss.str(), file.string(), what);
}

const toml::array* table_array(Reader& r, const toml::value& v, const std::string& key) {
  if (!v.is_array() || std::any_of(v.as_array().begin(), v.as_array().end(), [](const auto& e) { return !e.is_table(); })) {
    r.error(v, "'" + key + "' must be an array of tables: write each as [[" + key + "]]");
    return nullptr;
  }
  return &v.as_array();
}

}  // namespace

TargetsSpec load_targets(const std::filesystem::path& file) {
  const toml::value root = read_root(file, "targets");
  Reader r{file.string(), file.parent_path(), {}};
  TargetsSpec spec;
  spec.file = file;
  for (const auto& [k, vp] : ordered(root)) {
    const toml::value& v = *vp;
    if (k == "scenario") spec.scenario = r.dir / r.text(v, k);
    else if (k == "replicates") {
      if (auto x = r.integer(v, k, 1, 100000)) spec.replicates = *x;
    } else if (k == "seed") {
      if (auto x = r.integer(v, k, 0, std::int64_t{4000000000000000000})) spec.seed = static_cast<std::uint64_t>(*x);
    } else if (k == "steps") {
      if (auto x = r.integer(v, k, 1, 12000)) spec.steps = *x;
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
          if (key == "name") tg.name = r.text(x, key);
          else if (key == "observed") {
            if (auto o = r.number(x, key, 1e-300, 1e300)) tg.observed = *o, has_obs = true;
          } else if (key == "source") tg.source = r.text(x, key);
          else if (key == "tolerance") {
            if (auto o = r.number(x, key, 0, 100)) tg.tolerance = *o;
          } else if (key == "note") tg.note = r.text(x, key, false);
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
          } else return false;
          return true;
        });
        if (tg.name.empty()) r.error(t, "a [[target]] needs 'name'");
        if (!has_obs) r.error(t, "target '" + tg.name + "' needs 'observed' (a positive number)");
        if (tg.source.empty()) r.error(t, "target '" + tg.name + "' needs 'source' (where the observed figure comes from)");
        spec.targets.push_back(std::move(tg));
      }
    } else {
      r.error(v, "unknown key '" + k + "'; a targets file has scenario, replicates, seed, steps, set and [[target]] tables");
    }
  }
  if (spec.scenario.empty()) r.errors.push_back(r.name + ": missing 'scenario' (the scenario file, relative to this file)");
  if (spec.targets.empty() && r.errors.empty()) r.errors.push_back(r.name + ": no [[target]] table");
  r.finish("targets");
  return spec;
}

ExperimentSpec load_experiment(const std::filesystem::path& file) {
  const toml::value root = read_root(file, "experiment");
  Reader r{file.string(), file.parent_path(), {}};
  ExperimentSpec spec;
  spec.file = file;
  auto variant = [&](const toml::value& t, Variant& out) {
    out.line = line_of(t);
    for (const auto& [k, vp] : ordered(t)) {
      if (k == "name") out.name = r.text(*vp, k);
      else if (k == "scenario") out.scenario = r.dir / r.text(*vp, k);
      else if (k == "changes") out.changes = r.strings(*vp, k);
      else r.error(*vp, "unknown key '" + k + "' in a variant; it has name, scenario and changes");
    }
    if (out.name.empty()) r.error(t, "a variant needs 'name'");
    if (out.scenario.empty()) r.error(t, "variant '" + out.name + "' needs 'scenario' (an override file, relative to this file)");
  };
  for (const auto& [k, vp] : ordered(root)) {
    const toml::value& v = *vp;
    if (k == "name") spec.name = r.text(v, k);
    else if (k == "question") spec.question = r.text(v, k);
    else if (k == "mechanism") spec.mechanism = r.text(v, k, false);
    else if (k == "replicates") {
      if (auto x = r.integer(v, k, 2, 100000)) spec.replicates = *x;
    } else if (k == "seed") {
      if (auto x = r.integer(v, k, 0, std::int64_t{4000000000000000000})) spec.seed = static_cast<std::uint64_t>(*x);
    } else if (k == "steps") {
      if (auto x = r.integer(v, k, 1, 12000)) spec.steps = *x;
    } else if (k == "baseline") {
      if (!v.is_table()) r.error(v, "'baseline' is a table: [baseline] with name and scenario");
      else variant(v, spec.baseline);
    } else if (k == "variant") {
      if (const auto* arr = table_array(r, v, "variant"))
        for (const auto& t : *arr) variant(t, spec.variants.emplace_back());
    } else if (k == "outcome") {
      if (const auto* arr = table_array(r, v, "outcome"))
        for (const auto& t : *arr) {
          Outcome o;
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
      r.error(v, "unknown key '" + k +
                     "'; an experiment file has name, question, mechanism, replicates, seed, steps, [baseline], [[variant]] "
                     "and [[outcome]] tables");
    }
  }
  if (spec.baseline.scenario.empty()) r.errors.push_back(r.name + ": missing [baseline] (name and scenario)");
  if (spec.outcomes.empty()) r.errors.push_back(r.name + ": no [[outcome]] table");
  if (!spec.baseline.changes.empty()) r.errors.push_back(r.name + ": the baseline changes nothing; remove its 'changes'");
  r.finish("experiment");
  return spec;
}

}  // namespace biocluster::app
