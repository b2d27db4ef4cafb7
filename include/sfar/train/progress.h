// Progress of a training run: on an interactive terminal one line redrawn in place with a
// bar and the ETA; otherwise nothing (the periodic log lines serve pipes and files).
//
//   ProgressBar bar(&std::cerr, stderr_is_terminal(), total_steps);
//   bar.update(step, loss, lr);   // throttled to a few redraws per second
#pragma once

#include <chrono>
#include <cstdint>
#include <ostream>
#include <string>

namespace sfar::train {

bool stderr_is_terminal();

// "42s", "3m07s", "2h05m", "3d04h".
std::string format_duration(double seconds);

// "[#####.....]  500/1000  50%  loss 1.2345  lr 1.00e-05  ETA 3m07s" — done/total steps,
// the ETA from the mean time per step since the bar started (`done_at_start` steps excluded,
// so a resumed run does not look fast).
std::string format_progress(std::int64_t done, std::int64_t total, std::int64_t done_at_start,
                            double elapsed_seconds, double loss, double lr, int width = 24);

class ProgressBar {
 public:
  ProgressBar(std::ostream* out, bool interactive, std::int64_t total_steps,
              std::int64_t done_at_start = 0);
  void update(std::int64_t done, double loss, double lr);
  // Erases the bar so that a log line can be printed cleanly; the next update redraws it.
  void clear();
  void finish();

 private:
  std::ostream* out_;
  bool active_;
  std::int64_t total_, done_at_start_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point start_, last_draw_;
};

}  // namespace sfar::train
