// Progress shown to a person: one bar per stage with its ETA, instead of a log line per step
// (those go to the run's log.txt). On a terminal the bar is one line redrawn in place; in a pipe
// or a CI log it prints a line at every tenth of the way, so a stage leaves at most ~11 lines.
//
//   const auto style = parse_progress_style("auto");          // the CLI's --progress
//   ProgressBar bar(&std::cerr, bar_mode(style, stderr_is_terminal()), "few-shot");
//   bar.update(0.42, "K=4 seed 1  step 120/400  loss 1.2345");
//   bar.finish("12 runs");
//
// A training run fills a share of a bar (ProgressSlot): the whole bar for `sfar train`, one
// cell's share of a protocol's bar for `sfar protocol`.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <ostream>
#include <string>

namespace sfar::engine {

bool stderr_is_terminal();

// "42s", "3m07s", "2h05m", "3d04h"; "?" for a negative or non-finite time.
std::string format_duration(double seconds);

// What the console shows while something runs (`--progress`):
//   auto  a bar redrawn in place on a terminal, else a line per 10 %; the console shows warnings
//         and errors only, the per-step lines go to log.txt
//   bar   a bar redrawn in place even when stderr is not a terminal; console as with auto
//   log   no bar; the per-step log lines on the console, as in log.txt
//   none  no bar, no per-step lines: warnings and errors only
enum class ProgressStyle { kAuto, kBar, kLog, kNone };

// "auto", "bar", "log", "none"; ArgumentError naming --progress otherwise.
ProgressStyle parse_progress_style(const std::string& name);

// Whether the console keeps the per-step log lines (log) or shows warnings and errors only.
bool console_shows_step_logs(ProgressStyle style);

enum class BarMode { kOff, kRedraw, kLines };

// How a bar is drawn for `style` on a stream that is (or is not) a terminal.
BarMode bar_mode(ProgressStyle style, bool terminal);

// Seconds left when `fraction` of the work is done after `elapsed` seconds, of which the part
// up to `fraction_at_start` was done before the clock started (a resumed run); negative when
// nothing has progressed yet.
double estimate_eta(double fraction_at_start, double fraction, double elapsed);

// "few-shot [#####.......]  42%  K=4 seed 1  ETA 3m07s": the label, a bar `width` wide, the
// percentage, the detail and the ETA ("ETA ?" when unknown).
std::string format_bar(const std::string& label, double fraction, const std::string& detail, double eta_seconds,
                       int width = 24);

class ProgressBar {
 public:
  ProgressBar(std::ostream* out, BarMode mode, std::string label);
  ~ProgressBar();  // ends a bar drawn in place with a newline
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

  // `fraction` of the stage done (clamped to [0, 1]). Redraw: at most a few times a second;
  // lines: once each time another tenth is reached.
  void update(double fraction, const std::string& detail);
  // Erases a bar drawn in place so that another line prints cleanly; the next update redraws.
  void clear();
  // Changes only the detail, at the fraction last reported (a pass inside a stage whose bar
  // counts something else, as training's evaluation after an epoch).
  void update_detail(const std::string& detail);
  // Draws the finished bar (100 %, the time taken) and ends its line.
  void finish(const std::string& detail = "");
  BarMode mode() const { return mode_; }

 private:
  void draw(double fraction, const std::string& detail, double eta, bool force);
  std::ostream* out_;
  BarMode mode_;
  std::string label_;
  std::mutex mutex_;
  bool drawn_ = false, finished_ = false;
  double fraction_ = 0, fraction_at_start_ = -1;
  int last_tenth_ = -1;
  std::chrono::steady_clock::time_point start_, last_draw_;
};

// A training run's share [begin, end] of a bar; `what` names the run in the bar's detail.
struct ProgressSlot {
  ProgressBar* bar = nullptr;  // null: no progress shown
  double begin = 0, end = 1;
  std::string what;
  bool detail_only = false;  // CountProgress: the bar's fraction belongs to its owner; show the count in the detail
};

// A pass over `total` items (videos, texts) through a slot: its share filled as items are done,
// "what  120/960 videos" as the detail. Evaluation, feature caches, export-features, data check
// and TPP report through it, so that every wait shows the bar training shows.
//
//   ProgressBar bar(&std::cerr, mode, "eval");
//   CountProgress progress({&bar}, videos, "videos");
//   progress.update(done);
class CountProgress {
 public:
  CountProgress(ProgressSlot slot, std::int64_t total, std::string unit);
  void update(std::int64_t done);

 private:
  ProgressSlot slot_;
  std::int64_t total_;
  std::string unit_;
};

// What a Trainer reports through its slot: steps done of the run's total, the last loss.
class StepProgress {
 public:
  // Draws the slot at `done_at_start` steps (a resumed run's), so that the bar's ETA counts
  // from there, the first step's time included.
  StepProgress(ProgressSlot slot, std::int64_t total_steps, std::int64_t done_at_start = 0);
  void update(std::int64_t done, double loss, double lr);
  void clear();  // before a log line (the console's hook already erases the bar)
  // Shows the last step reported; the bar itself is finished by whoever owns it.
  void finish();

 private:
  void show(std::int64_t done, const std::string& loss);
  ProgressSlot slot_;
  std::int64_t total_, last_done_ = 0;
  double last_loss_ = 0;
};

}  // namespace sfar::engine
