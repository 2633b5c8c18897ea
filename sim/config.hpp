#pragma once
/// @file Typed scenario parameters: a flat view of a TOML scenario (ScenarioDoc) and a visitor
/// that binds it to plain structs with a unit, range and doc line for every field.
///
/// A parameter struct declares itself once in a `describe(ParamVisitor&, Params&)` function;
/// the same description applies a document (type and range checks, unknown keys with "did you
/// mean"), prints the resolved parameters as loadable TOML, and lists the defaults for the docs.
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <variant>
#include <vector>

#include "sim/calendar.hpp"

namespace biocluster::sim {

/// Where a value came from: "scenarios/x.toml:12", or "--set".
struct SourcePos {
  std::string file;
  int line = 0;
  std::string str() const { return line > 0 ? file + ":" + std::to_string(line) : file; }
};

using ScalarValue = std::variant<bool, std::int64_t, double, std::string>;

/// One leaf value of a scenario: "regions.osong.amenity_index" = 0.4 at file:line.
struct DocEntry {
  std::string path;
  ScalarValue value;
  SourcePos pos;
  /// The value as written, where `value` does not hold it: an integer beyond 64 bits (toml11
  /// clamps it to +-9223372036854775807) or a float beyond the double range (read as inf).
  /// Messages echo this text; range checks reject it. Empty otherwise.
  std::string written = {};
};

/// A scenario flattened to leaf entries, includes resolved (base first, overrides replace).
struct ScenarioDoc {
  std::string main_file;
  /// Every file read, in the order read: (path, text).
  std::vector<std::pair<std::string, std::string>> sources;
  /// Unique paths in order of first appearance.
  std::vector<DocEntry> entries;

  /// Adds or replaces the entry with the same path (a replaced entry keeps its position).
  void set(DocEntry e);
  /// Position in `entries` of each path, kept by set() (rebuilt there if `entries` was changed
  /// directly): a linear search per entry made loading quadratic in the number of regions.
  std::unordered_map<std::string, std::size_t> path_index = {};
  /// All sources as one text, each preceded by a "# ==> path <==" line.
  std::string sources_text() const;
};

/// Reads a scenario file and its includes. @throws ConfigError (file:line, what, hint).
ScenarioDoc load_scenario_doc(const std::filesystem::path& file);
/// Parses scenario text (no includes allowed unless `base_dir` is given). For tests and tools.
ScenarioDoc parse_scenario_text(std::string_view text, const std::string& name,
                                const std::filesystem::path& base_dir = {});
/// Applies a command-line override "key.path=value" (value in TOML syntax; bare words are taken
/// as strings). Messages locate the value as "--set key.path", or as `origin` if given (e.g.
/// "--seed" for an option that stands for a key). @throws ConfigError on a malformed assignment.
void apply_override(ScenarioDoc& doc, std::string_view assignment, std::string_view origin = {});
/// Returns the byte offset of the first invalid UTF-8 sequence, or -1 if the text is valid.
std::ptrdiff_t find_invalid_utf8(std::string_view text);

/// Unit, allowed range and one-line description of a parameter.
struct Meta {
  std::string_view unit;
  double min;
  double max;
  std::string_view doc;
  std::string_view source = {};  ///< where the default comes from (docs/MODEL.md cites it)
};

/// Walks a parameter struct. Subclasses apply a document, print, or list defaults.
class ParamVisitor {
 public:
  virtual ~ParamVisitor() = default;
  virtual void real(std::string_view key, double& v, const Meta& m) = 0;
  virtual void integer(std::string_view key, std::int64_t& v, const Meta& m) = 0;
  virtual void flag(std::string_view key, bool& v, std::string_view doc) = 0;
  virtual void text(std::string_view key, std::string& v, std::string_view doc,
                    std::span<const std::string_view> choices) = 0;
  virtual void date(std::string_view key, YearMonth& v, std::string_view doc) = 0;
  /// Names of the items of a map section (e.g. regions): the document's names when applying,
  /// the existing ones otherwise.
  virtual std::vector<std::string> map_names(std::string_view key, const std::vector<std::string>& existing) = 0;

  /// int convenience: visited as a 64-bit integer.
  void integer(std::string_view key, int& v, const Meta& m) {
    std::int64_t w = v;
    integer(key, w, m);
    v = static_cast<int>(w);
  }

  void begin_section(std::string_view name) { prefix_.emplace_back(name); }
  void end_section() { prefix_.pop_back(); }
  /// Full dotted path of `key` in the current section.
  std::string path(std::string_view key) const;

 private:
  std::vector<std::string> prefix_;
};

/// Visits a map section of named items (T has a `std::string name`), e.g. [regions.osong].
template <class T, class Describe>
void visit_map(ParamVisitor& v, std::string_view key, std::vector<T>& items, Describe&& describe) {
  std::vector<std::string> existing;
  std::unordered_map<std::string, std::size_t> by_name;  // the last item of each name, as before
  for (std::size_t i = 0; i < items.size(); ++i) existing.push_back(items[i].name), by_name[items[i].name] = i;
  std::vector<T> out;
  for (const auto& name : v.map_names(key, existing)) {
    T item{};
    if (auto f = by_name.find(name); f != by_name.end()) item = items[f->second];
    item.name = name;
    out.push_back(std::move(item));
  }
  items = std::move(out);
  v.begin_section(key);
  for (auto& it : items) {
    v.begin_section(it.name);
    describe(v, it);
    v.end_section();
  }
  v.end_section();
}

/// Applies `doc` to `params` through `describe`; collects every error and throws one
/// ConfigError listing them all (unknown keys get "did you mean").
template <class P, class Describe>
void apply_document(const ScenarioDoc& doc, P& params, Describe&& describe);

/// Prints parameters as loadable TOML with unit, range and doc comments.
template <class P, class Describe>
std::string print_parameters(P& params, Describe&& describe, bool markdown = false);

// ---- implementation helpers (config.cpp) ----
class ApplyVisitor : public ParamVisitor {
 public:
  explicit ApplyVisitor(const ScenarioDoc& doc);
  ~ApplyVisitor() override;
  void real(std::string_view key, double& v, const Meta& m) override;
  void integer(std::string_view key, std::int64_t& v, const Meta& m) override;
  using ParamVisitor::integer;
  void flag(std::string_view key, bool& v, std::string_view doc) override;
  void text(std::string_view key, std::string& v, std::string_view doc,
            std::span<const std::string_view> choices) override;
  void date(std::string_view key, YearMonth& v, std::string_view doc) override;
  std::vector<std::string> map_names(std::string_view key, const std::vector<std::string>& existing) override;
  /// Lets money parameters (unit starting with "USD") be written as "<number> <code>", converted
  /// to the model currency with `factor` (model units per unit of `code`); `rate_key` names the
  /// parameter the rate comes from, for messages.
  void add_currency(const std::string& code, double factor, const std::string& rate_key);
  /// Adds an error found by cross-field validation, located at `key_path`'s entry if present.
  void error_at(const std::string& key_path, const std::string& message);
  /// Throws ConfigError if any error was collected (unknown keys included).
  void finish();

 private:
  const DocEntry* take(const std::string& path);
  struct State;
  State* s_;
};

class PrintVisitor : public ParamVisitor {
 public:
  /// `markdown`: one table row per parameter (| key | default | unit | range | description |)
  /// instead of TOML lines.
  explicit PrintVisitor(bool markdown = false) : markdown_(markdown) {}
  void real(std::string_view key, double& v, const Meta& m) override;
  void integer(std::string_view key, std::int64_t& v, const Meta& m) override;
  using ParamVisitor::integer;
  void flag(std::string_view key, bool& v, std::string_view doc) override;
  void text(std::string_view key, std::string& v, std::string_view doc,
            std::span<const std::string_view> choices) override;
  void date(std::string_view key, YearMonth& v, std::string_view doc) override;
  std::vector<std::string> map_names(std::string_view, const std::vector<std::string>& existing) override {
    return existing;
  }
  std::string str() const { return out_; }

 private:
  void line(std::string_view key, const std::string& value, const std::string& unit, const std::string& range,
            std::string_view doc);
  bool markdown_;
  std::string out_;
};

/// Formats a double so that it parses back to the same value (shortest round-trip form).
std::string format_double(double v);

template <class P, class Describe>
void apply_document(const ScenarioDoc& doc, P& params, Describe&& describe) {
  ApplyVisitor v(doc);
  describe(v, params);
  v.finish();
}

template <class P, class Describe>
std::string print_parameters(P& params, Describe&& describe, bool markdown) {
  PrintVisitor v(markdown);
  describe(v, params);
  return v.str();
}

}  // namespace biocluster::sim
