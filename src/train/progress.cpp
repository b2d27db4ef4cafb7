#include "sfar/train/progress.h"

#include <unistd.h>

#include <cmath>
#include <cstdio>

namespace sfar::train {

bool stderr_is_terminal() { return ::isatty(STDERR_FILENO) == 1; }

std::string format_duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  const auto s = static_cast<long long>(std::llround(seconds));
  char buf[32];
  if (s < 60) {
    std::snprintf(buf, sizeof(buf), "%llds", s);
  } else if (s < 3600) {
    std::snprintf(buf, sizeof(buf), "%lldm%02llds", s / 60, s % 60);
  } else if (s < 86400) {
    std::snprintf(buf, sizeof(buf), "%lldh%02lldm", s / 3600, s % 3600 / 60);
  } else {
    std::snprintf(buf, sizeof(buf), "%lldd%02lldh", s / 86400, s % 86400 / 3600);
  }
  return buf;
}

std::string format_progress(std::int64_t done, std::int64_t total, std::int64_t done_at_start,
                            double elapsed_seconds, double loss, double lr, int width) {
  const double fraction = total > 0 ? std::min(1.0, static_cast<double>(done) / total) : 0.0;
  const int filled = static_cast<int>(fraction * width);
  std::string bar = "[" + std::string(filled, '#') + std::string(width - filled, '.') + "]";
  const std::int64_t progressed = done - done_at_start;
  const double eta = progressed > 0
                         ? elapsed_seconds / static_cast<double>(progressed) *
                               static_cast<double>(total - done)
                         : -1.0;
  char buf[160];
  std::snprintf(buf, sizeof(buf), " %lld/%lld %3d%%  loss %.4f  lr %.2e  ETA %s",
                static_cast<long long>(done), static_cast<long long>(total),
                static_cast<int>(fraction * 100), loss, lr, format_duration(eta).c_str());
  return bar + buf;
}

ProgressBar::ProgressBar(std::ostream* out, bool interactive, std::int64_t total_steps,
                         std::int64_t done_at_start)
    : out_(out),
      active_(out != nullptr && interactive),
      total_(total_steps),
      done_at_start_(done_at_start),
      start_(std::chrono::steady_clock::now()),
      last_draw_(start_ - std::chrono::seconds(1)) {}

void ProgressBar::update(std::int64_t done, double loss, double lr) {
  if (!active_) return;
  const auto now = std::chrono::steady_clock::now();
  if (done < total_ && now - last_draw_ < std::chrono::milliseconds(200)) return;
  last_draw_ = now;
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  *out_ << "\r\033[K" << format_progress(done, total_, done_at_start_, elapsed, loss, lr)
        << std::flush;
  drawn_ = true;
}

void ProgressBar::clear() {
  if (active_ && drawn_) *out_ << "\r\033[K" << std::flush;
  drawn_ = false;
}

void ProgressBar::finish() {
  if (active_ && drawn_) *out_ << "\n" << std::flush;
  drawn_ = false;
}

}  // namespace sfar::train
