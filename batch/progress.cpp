#include "batch/progress.hpp"

#include <cstdio>

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
    : style_(style), on_(on), total_(total), skipped_(skipped), t0_(t0) {
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

void Progress::draw(const std::string& label) {
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
  if (on_) std::fprintf(stderr, "\n");
}

}  // namespace biocluster::batch
