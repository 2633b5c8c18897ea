#pragma once
/// @file Declared metrics: the model registers named per-region series with units; each step it
/// fills one frame of values [metric x region] that the output layer appends to its time series.
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace biocluster::sim {

using MetricId = std::uint32_t;

struct MetricDef {
  std::string name;
  std::string unit;
  std::string description;
  bool flow = false;  ///< true: an amount during the step (sums over steps); false: a level at its end
};

class MetricTable {
 public:
  explicit MetricTable(int n_regions) : n_regions_(n_regions) {}

  /// Registers a level (stock) metric (before the first frame). Names must be unique.
  MetricId add(std::string name, std::string unit, std::string description);
  /// Registers a flow metric: an amount during the step.
  MetricId add_flow(std::string name, std::string unit, std::string description);

  const std::vector<MetricDef>& defs() const { return defs_; }
  int region_count() const { return n_regions_; }

  /// Zeroes the frame.
  void clear() { std::fill(values_.begin(), values_.end(), 0.0); }
  void set(MetricId m, int region, double v) { values_[index(m, region)] = v; }
  void add_to(MetricId m, int region, double v) { values_[index(m, region)] += v; }
  double get(MetricId m, int region) const { return values_[index(m, region)]; }
  /// Frame values, metric-major: [m * n_regions + r].
  std::span<const double> frame() const { return values_; }
  /// Id of a metric by name, or -1.
  std::int64_t find(const std::string& name) const;

 private:
  std::size_t index(MetricId m, int r) const {
    return static_cast<std::size_t>(m) * static_cast<std::size_t>(n_regions_) + static_cast<std::size_t>(r);
  }
  int n_regions_;
  std::vector<MetricDef> defs_;
  std::vector<double> values_;
};

inline MetricId MetricTable::add(std::string name, std::string unit, std::string description) {
  defs_.push_back({std::move(name), std::move(unit), std::move(description)});
  values_.resize(defs_.size() * static_cast<std::size_t>(n_regions_), 0.0);
  return static_cast<MetricId>(defs_.size() - 1);
}

inline MetricId MetricTable::add_flow(std::string name, std::string unit, std::string description) {
  const MetricId id = add(std::move(name), std::move(unit), std::move(description));
  defs_.back().flow = true;
  return id;
}

inline std::int64_t MetricTable::find(const std::string& name) const {
  for (std::size_t i = 0; i < defs_.size(); ++i)
    if (defs_[i].name == name) return static_cast<std::int64_t>(i);
  return -1;
}

}  // namespace biocluster::sim
