#pragma once
/// @file The one progress reporter (stderr, only when on): counts finished work, draws the line for
/// `run` (steps), `sweep` (runs, with runs done before and failures) and `calibrate`/`experiment`
/// (runs), with elapsed time, rate and ETA. On a terminal it redraws one line; otherwise (a log file,
/// a batch system) it prints a plain line when work starts, every BIOCLUSTER_PROGRESS_SECONDS
/// (default 10) and at the end. Thread-safe.
#include <chrono>
#include <cstddef>
#include <mutex>
#include <string>

#include "batch/plan.hpp"

namespace biocluster::batch {

class Progress {
 public:
  enum class Style { steps, sweep, study };
  using Clock = std::chrono::steady_clock;
  /// `skipped`: finished before (sweep). `t0`: when the work began (ETA and elapsed count from it).
  Progress(Style style, bool on, std::size_t total, std::size_t skipped = 0, Clock::time_point t0 = Clock::now());
  /// One unit finished; `label` is shown with it (steps: the simulated date).
  void tick(Outcome o = Outcome::done, const std::string& label = {});
  void note_error(const std::string& m);
  /// Ends the line (when on).
  void finish();
  std::size_t done() const { return done_; }
  std::size_t failed() const { return failed_; }
  std::size_t errors() const { return errors_; }
  std::size_t interrupted() const { return interrupted_; }
  std::string first_error() const { return first_error_; }

 private:
  void draw(const std::string& label);
  void log_line(const std::string& label, bool last);
  Style style_;
  bool on_;
  bool tty_;                 ///< stderr is a terminal: redraw one line
  double log_every_s_ = 10;  ///< otherwise: seconds between lines
  double logged_at_ = -1;    ///< elapsed seconds at the last line (< 0: none yet)
  std::string last_label_;
  std::size_t total_, skipped_, done_ = 0, failed_ = 0, errors_ = 0, interrupted_ = 0;
  std::string first_error_;
  Clock::time_point t0_;
  std::mutex m_;
};

}  // namespace biocluster::batch
