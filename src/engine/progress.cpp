#include "sfar/engine/progress.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "sfar/core/error.h"
#include "sfar/core/logging.h"

namespace sfar::engine {

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

ProgressStyle parse_progress_style(const std::string& name) {
  if (name == "auto") return ProgressStyle::kAuto;
  if (name == "bar") return ProgressStyle::kBar;
  if (name == "log") return ProgressStyle::kLog;
  if (name == "none") return ProgressStyle::kNone;
  throw ArgumentError("--progress", "expected auto, bar, log or none", name);
}

bool console_shows_step_logs(ProgressStyle style) { return style == ProgressStyle::kLog; }

BarMode bar_mode(ProgressStyle style, bool terminal) {
  switch (style) {
    case ProgressStyle::kAuto: return terminal ? BarMode::kRedraw : BarMode::kLines;
    case ProgressStyle::kBar: return BarMode::kRedraw;
    case ProgressStyle::kLog:
    case ProgressStyle::kNone: return BarMode::kOff;
  }
  return BarMode::kOff;
}

double estimate_eta(double fraction_at_start, double fraction, double elapsed) {
  const double progressed = fraction - fraction_at_start;
  if (!(progressed > 0) || !(elapsed >= 0)) return -1.0;
  return elapsed / progressed * std::max(0.0, 1.0 - fraction);
}

std::string format_bar(const std::string& label, double fraction, const std::string& detail, double eta_seconds,
                       int width) {
  fraction = std::clamp(std::isfinite(fraction) ? fraction : 0.0, 0.0, 1.0);
  const int filled = static_cast<int>(fraction * width);
  char percent[16];
  std::snprintf(percent, sizeof(percent), "%3d%%", static_cast<int>(fraction * 100));
  std::string line = label.empty() ? "" : label + " ";
  line += "[" + std::string(filled, '#') + std::string(width - filled, '.') + "] " + percent;
  if (!detail.empty()) line += "  " + detail;
  return line + "  ETA " + format_duration(eta_seconds);
}

ProgressBar::ProgressBar(std::ostream* out, BarMode mode, std::string label)
    : out_(out),
      mode_(out == nullptr ? BarMode::kOff : mode),
      label_(std::move(label)),
      start_(std::chrono::steady_clock::now()),
      last_draw_(start_ - std::chrono::seconds(1)) {
  // A log line (a warning) erases the bar first, so that the two never share a line.
  if (mode_ == BarMode::kRedraw) set_console_hook([this] { clear(); });
}

ProgressBar::~ProgressBar() {
  if (mode_ == BarMode::kRedraw) set_console_hook({});
  std::lock_guard<std::mutex> lock(mutex_);
  if (mode_ == BarMode::kRedraw && drawn_) *out_ << "\n" << std::flush;
}

void ProgressBar::draw(double fraction, const std::string& detail, double eta, bool force) {
  if (mode_ == BarMode::kRedraw) {
    const auto now = std::chrono::steady_clock::now();
    if (!force && now - last_draw_ < std::chrono::milliseconds(200)) return;
    last_draw_ = now;
    *out_ << "\r\033[K" << format_bar(label_, fraction, detail, eta) << std::flush;
    drawn_ = true;
    return;
  }
  // Lines: one per tenth reached (never twice for the same tenth), and the finished line.
  const int tenth = static_cast<int>(std::floor(fraction * 10 + 1e-9));
  if (!force && tenth <= last_tenth_) return;
  last_tenth_ = tenth;
  *out_ << format_bar(label_, fraction, detail, eta) << "\n" << std::flush;
}

void ProgressBar::update(double fraction, const std::string& detail) {
  if (mode_ == BarMode::kOff) return;
  std::lock_guard<std::mutex> lock(mutex_);
  if (finished_) return;
  fraction = std::clamp(std::isfinite(fraction) ? fraction : 0.0, 0.0, 1.0);
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  if (fraction_at_start_ < 0) fraction_at_start_ = fraction;  // a resumed run's first report
  fraction_ = fraction;
  // The first line in line mode is the start (0 %), drawn whatever the fraction.
  draw(fraction, detail, estimate_eta(fraction_at_start_, fraction, elapsed), false);
}

void ProgressBar::update_detail(const std::string& detail) {
  if (mode_ == BarMode::kOff) return;
  double fraction = 0;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    fraction = fraction_;
  }
  update(fraction, detail);
}

void ProgressBar::clear() {
  if (mode_ != BarMode::kRedraw) return;
  std::lock_guard<std::mutex> lock(mutex_);
  if (drawn_) *out_ << "\r\033[K" << std::flush;
  drawn_ = false;
  last_draw_ = start_ - std::chrono::seconds(1);  // redraw at the next update
}

void ProgressBar::finish(const std::string& detail) {
  if (mode_ == BarMode::kOff) return;
  std::lock_guard<std::mutex> lock(mutex_);
  if (finished_) return;
  finished_ = true;
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const std::string done = "done in " + format_duration(elapsed);
  const std::string text = detail.empty() ? done : detail + "  " + done;
  std::string line = format_bar(label_, 1.0, text, 0.0);
  line = line.substr(0, line.rfind("  ETA "));  // nothing is left to estimate
  if (mode_ == BarMode::kRedraw) *out_ << "\r\033[K";
  *out_ << line << "\n" << std::flush;
  drawn_ = false;
}

StepProgress::StepProgress(ProgressSlot slot, std::int64_t total_steps, std::int64_t done_at_start)
    : slot_(std::move(slot)), total_(std::max<std::int64_t>(total_steps, 1)), last_done_(done_at_start) {
  show(done_at_start, "");
}

void StepProgress::show(std::int64_t done, const std::string& loss) {
  if (!slot_.bar) return;
  const double within = std::min(1.0, static_cast<double>(done) / static_cast<double>(total_));
  std::string detail = "step " + std::to_string(done) + "/" + std::to_string(total_) + loss;
  if (!slot_.what.empty()) detail = slot_.what + "  " + detail;
  slot_.bar->update(slot_.begin + (slot_.end - slot_.begin) * within, detail);
}

void StepProgress::update(std::int64_t done, double loss, double /*lr*/) {
  last_loss_ = loss;
  last_done_ = done;
  char text[32];
  std::snprintf(text, sizeof(text), "  loss %.4f", loss);
  show(done, text);
}

// Nothing to do: the lines a run logs reach the console only through its sink, whose hook erases
// the bar first (ProgressBar's constructor); erasing it for lines that go to log.txt alone
// would only make it flicker.
void StepProgress::clear() {}

void StepProgress::finish() { update(last_done_, last_loss_, 0); }

CountProgress::CountProgress(ProgressSlot slot, std::int64_t total, std::string unit)
    : slot_(std::move(slot)), total_(std::max<std::int64_t>(total, 0)), unit_(std::move(unit)) {
  update(0);
}

void CountProgress::update(std::int64_t done) {
  if (!slot_.bar) return;
  std::string detail = std::to_string(done) + "/" + std::to_string(total_) + " " + unit_;
  if (!slot_.what.empty()) detail = slot_.what + "  " + detail;
  if (slot_.detail_only) return slot_.bar->update_detail(detail);
  const double within = total_ > 0 ? std::min(1.0, static_cast<double>(done) / static_cast<double>(total_)) : 1.0;
  slot_.bar->update(slot_.begin + (slot_.end - slot_.begin) * within, detail);
}

}  // namespace sfar::engine
