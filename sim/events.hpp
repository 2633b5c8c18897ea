#pragma once
/// @file Typed event records (founding, funding round, licence, trial, exit, failure, ...).
/// The engine stores events as plain rows; the model layer names the kinds and agent types.
#include <cstdint>
#include <string>
#include <vector>

namespace biocluster::sim {

/// One thing that happened to an agent in one step. Plain data, written as an HDF5 compound row.
struct Event {
  std::int32_t step = 0;          ///< step in which it happened
  std::int16_t kind = 0;          ///< event kind code (model-defined enum)
  std::int16_t region = -1;       ///< region index of the subject, -1 if none
  std::int8_t subject_type = -1;  ///< agent type code of the subject
  std::int8_t object_type = -1;   ///< agent type code of the counterpart, -1 if none
  std::int16_t detail = 0;        ///< kind-specific small integer (round number, stage, origin)
  std::int32_t aux = 0;           ///< kind-specific second integer (e.g. the subject's stage); 0 when unused
  std::int64_t subject_id = -1;   ///< id of the agent it happened to
  std::int64_t object_id = -1;    ///< id of the counterpart (investor, acquirer, licensor), -1 if none
  double amount = 0.0;            ///< money moved, in model currency (0 when none)
  double value = 0.0;             ///< kind-specific value (post-money valuation, exit value, ...)
};

static_assert(sizeof(Event) == 48, "Event must have no implicit padding: its members add up to 48 bytes");

/// Events of a run, appended in a deterministic order; drained by the writer.
class EventLog {
 public:
  void push(const Event& e) {
    pending_.push_back(e);
    ++total_;
  }
  /// Events since the last drain, in the order pushed.
  const std::vector<Event>& pending() const { return pending_; }
  void clear_pending() { pending_.clear(); }
  /// Count of events ever pushed.
  std::int64_t total() const { return total_; }

 private:
  std::vector<Event> pending_;
  std::int64_t total_ = 0;
};

}  // namespace biocluster::sim
