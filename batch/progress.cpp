#include "batch/progress.hpp"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>

namespace biocluster::batch {

namespace {

std::string format_seconds(double s) {
  char buf[32];
  if (s < 60)
    std::snprintf(buf, sizeof buf, "%.0fs", s);
  else if (s < 3600)
    std::snprintf(buf, sizeof buf, "%dm%02ds", static_cast<int>(s / 60), static_cast<int>(s) % 60);
  else
    std::snprintf(buf, sizeof buf, "%dh%02dm", static_cast<int>(s / 3600), (static_cast<int>(s) / 60) % 60);
  return buf;
}

}  // namespace

Progress::Progress(Style style, bool on, std::size_t total, std::size_t skipped, Clock::time_point t0)
    : style_(style), on_(on), tty_(isatty(STDERR_FILENO) != 0), total_(total), skipped_(skipped), t0_(t0) {
  if (const char* e = std::getenv("BIOCLUSTER_PROGRESS_SECONDS")) {
    char* end = nullptr;
    const double v = std::strtod(e, &end);
    if (end != e && v >= 0) log_every_s_ = v;
  }
  if (on_ && style_ == Style::sweep) {
    std::lock_guard<std::mutex> lock(m_);
    draw({});
  }
}

void Progress::note_error(const std::string& m) {
  std::lock_guard<std::mutex> lock(m_);
  if (first_error_.empty()) first_error_ = m;
}

void Progress::tick(Outcome o, const std::string& label) {
  std::lock_guard<std::mutex> lock(m_);
  switch (o) {
    case Outcome::done:
      ++done_;
      break;
    case Outcome::failed:
      ++failed_;
      break;
    case Outcome::interrupted:
      ++interrupted_;
      break;
    case Outcome::error:
      ++errors_;
      break;
    default:
      break;
  }
  if (on_) draw(label);
}

void Progress::log_line(const std::string& label, bool last) {
  const std::size_t n = done_ + failed_ + errors_ + interrupted_;
  const double elapsed = std::chrono::duration<double>(Clock::now() - t0_).count();
  if (!last && logged_at_ >= 0 && elapsed - logged_at_ < log_every_s_) return;
  logged_at_ = elapsed;
  const double rate = elapsed > 0 ? static_cast<double>(n) / elapsed : 0.0;
  const double left = n > 0 ? elapsed * static_cast<double>(total_ - n) / static_cast<double>(n) : 0.0;
  const char* what = style_ == Style::steps ? "steps" : "runs";
  const char* who = style_ == Style::steps ? "run" : style_ == Style::sweep ? "sweep" : "study";
  std::fprintf(stderr, "%s: %zu/%zu %s (%.0f%%)", who, n, total_, what,
               total_ > 0 ? 100.0 * static_cast<double>(n) / static_cast<double>(total_) : 100.0);
  if (!label.empty()) std::fprintf(stderr, " at %s", label.c_str());
  if (skipped_ > 0) std::fprintf(stderr, ", %zu done before", skipped_);
  if (failed_ + errors_ > 0) std::fprintf(stderr, ", %zu failed", failed_ + errors_);
  std::fprintf(stderr, ", %.3g %s/s, elapsed %s", rate, what, format_seconds(elapsed).c_str());
  if (!last && n > 0 && n < total_) std::fprintf(stderr, ", ETA %s", format_seconds(left).c_str());
  std::fprintf(stderr, "%s\n", last ? ", finished" : "");
  std::fflush(stderr);
}

void Progress::draw(const std::string& label) {
  if (!tty_) {
    last_label_ = label;
    log_line(label, false);
    return;
  }
  const std::size_t n = done_ + failed_ + errors_ + interrupted_;
  const double elapsed = std::chrono::duration<double>(Clock::now() - t0_).count();
  const double f = total_ > 0 ? static_cast<double>(n) / static_cast<double>(total_) : 1.0;
  const double left = n > 0 ? elapsed * static_cast<double>(total_ - n) / static_cast<double>(n) : 0.0;
  switch (style_) {
    case Style::steps: {
      const int width = 30;
      const int filled = static_cast<int>(f * width);
      std::fprintf(stderr, "\r[%.*s%*s] %3d%%  step %zu/%zu  %s  ETA %5.1fs ", filled, "##############################",
                   width - filled, "", static_cast<int>(100 * f), n, total_, label.c_str(), left);
      break;
    }
    case Style::sweep: {
      const int width = 24;
      const int filled = static_cast<int>(f * width);
      const std::string eta = n > 0 && n < total_ ? format_seconds(left) : "-";
      std::fprintf(stderr, "\rsweep [%.*s%*s] %zu/%zu runs", filled, "########################", width - filled, "", n,
                   total_);
      if (skipped_ > 0) std::fprintf(stderr, " (+%zu done before)", skipped_);
      if (failed_ + errors_ > 0) std::fprintf(stderr, "  %zu failed", failed_ + errors_);
      std::fprintf(stderr, "  elapsed %s  ETA %s   ", format_seconds(elapsed).c_str(), eta.c_str());
      break;
    }
    case Style::study:
      std::fprintf(stderr, "\r  runs %zu/%zu  %.0f s elapsed, ~%.0f s left   ", n, total_, elapsed, left);
      break;
  }
  std::fflush(stderr);
}

void Progress::finish() {
  if (!on_) return;
  if (tty_) {
    std::fprintf(stderr, "\n");
    return;
  }
  std::lock_guard<std::mutex> lock(m_);
  log_line(last_label_, true);
}

}  // namespace biocluster::batch
