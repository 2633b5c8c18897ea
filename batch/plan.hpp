#pragma once
/// @file The batch plan: points x replicates with paired seeds. A point is a scenario file and the
/// overrides applied to it (a sweep's design point, a calibration's scenario, an experiment's
/// baseline or variant); replicate r of every point runs with the same seed (common random
/// numbers), so differences between points are paired.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace biocluster::batch {

/// Seed of replicate `rep`: a keyed hash of (plan seed, replicate) only, so every point shares it.
/// In [0, 2^62).
std::uint64_t replicate_seed(std::uint64_t plan_seed, std::int64_t replicate);

/// One point of a plan.
struct Point {
  std::filesystem::path scenario;
  std::vector<std::string> overrides;  ///< "key.path=value", applied in order
};

/// One run: (point, replicate) with its seed. index = point * replicates + replicate.
struct Run {
  std::int64_t index = 0;
  std::int64_t point = 0;
  std::int64_t replicate = 0;
  std::uint64_t seed = 0;
};

/// What became of a run (skipped_*: finished by an earlier invocation).
enum class Outcome : int { done = 0, failed = 1, interrupted = 2, error = 3, skipped_done = 4, skipped_failed = 5 };

struct Plan {
  std::vector<Point> points;
  std::int64_t replicates = 1;
  std::uint64_t seed = 1;
  std::optional<std::int64_t> steps;  ///< run.steps override for every run

  std::size_t size() const { return points.size() * static_cast<std::size_t>(replicates); }
  /// Run `index` (0 <= index < size()).
  Run run(std::int64_t index) const;
  /// Every run, in index order.
  std::vector<Run> runs() const;
  /// The replicate seeds, in replicate order.
  std::vector<std::uint64_t> seeds() const;
};

}  // namespace biocluster::batch
