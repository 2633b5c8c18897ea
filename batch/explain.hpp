#pragma once
/// @file Answers that explain themselves (docs/EXPERIMENTS.md, "Reading an answer"): the quantities an
/// experiment adds to its outcomes so that a result can be read.
///  - the **mechanism trace**: per variant, the counts and amounts behind the outcomes by channel
///    (foundings by origin, acquisitions by buyer, jobs by employer) and how often each constraint bound
///    (a round no investor priced, no bid, an IPO window shut, no trial slot, an LP pool short...). Each is
///    a metric the model records where the decision is taken (docs/MODEL.md §7.10), not inferred later;
///  - the **lever reach**: for each key a variant changes, the quantity of the baseline that the lever
///    acts on (a grace-period change acts on large-group acquisitions). When the baseline has none of
///    it, the variant's null result says nothing about the policy, and the experiment warns.
#include <optional>
#include <string>
#include <vector>

#include "batch/study.hpp"

namespace biocluster::agents {
struct Params;
}

namespace biocluster::batch {

struct TraceRow {
  std::string group;  ///< "foundings", "exits", "jobs at end", "constraint"...
  std::string label;  ///< what the row counts, in words
  Quantity q;         ///< whole run, all regions
};

/// The trace rows whose metrics the model records (`metrics`: every metric name), in print order.
std::vector<TraceRow> mechanism_trace(const std::vector<std::string>& metrics);

struct LeverReach {
  std::string key;      ///< the changed parameter key, as the variant declares it
  std::string acts_on;  ///< what the lever acts on, in words
  Quantity q;           ///< that quantity (its window and regions follow the key)
};

/// What the lever `key` acts on in scenario `p` (the baseline), or nothing for a key without a rule.
/// Region keys (regions.NAME....) measure in that region; schedule keys (schedule.WINDOW.KEY) from the
/// window's first year to the run's last full year. Rules naming metrics that `metrics` lacks are skipped.
std::optional<LeverReach> lever_reach(const std::string& key, const agents::Params& p,
                                      const std::vector<std::string>& metrics);

/// The warning for a reach measured as `baseline` per run (mean over replicates; `baseline_max` its
/// largest replicate), or "" when the lever had something to act on: none in every replicate, or
/// less than one per run.
std::string reach_warning(const LeverReach& r, const std::string& variant, double baseline, double baseline_max);

}  // namespace biocluster::batch
