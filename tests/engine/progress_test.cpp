// The progress bar a person reads: its text (percentage, detail, ETA), how --progress maps to
// a drawing mode, and what it writes into a pipe (a few lines, no carriage returns) and into a
// terminal (one line redrawn in place).
#include "sfar/engine/progress.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>

#include "sfar/core/error.h"

namespace sfar::engine {
namespace {

std::int64_t count_lines(const std::string& s) { return std::count(s.begin(), s.end(), '\n'); }

TEST(Progress, Duration) {
  EXPECT_EQ(format_duration(42), "42s");
  EXPECT_EQ(format_duration(187), "3m07s");
  EXPECT_EQ(format_duration(7500), "2h05m");
  EXPECT_EQ(format_duration(3 * 86400 + 4 * 3600), "3d04h");
  EXPECT_EQ(format_duration(-1), "?");
}

TEST(Progress, EtaCountsOnlyTheWorkDoneSinceTheStart) {
  // A tenth done since the start (0.2 -> 0.3) in 50 s: 0.7 left takes 350 s.
  EXPECT_NEAR(estimate_eta(0.2, 0.3, 50.0), 350.0, 1e-9);
  EXPECT_NEAR(estimate_eta(0.0, 0.5, 10.0), 10.0, 1e-9);
  EXPECT_LT(estimate_eta(0.3, 0.3, 5.0), 0);  // nothing progressed yet: unknown
  EXPECT_NEAR(estimate_eta(0.0, 1.0, 10.0), 0.0, 1e-9);
}

TEST(Progress, BarText) {
  const std::string line = format_bar("few-shot", 0.3, "K=4 seed 1", estimate_eta(0.2, 0.3, 50.0), 10);
  EXPECT_EQ(line, "few-shot [###.......]  30%  K=4 seed 1  ETA 5m50s");
  EXPECT_EQ(format_bar("", 0.0, "", -1, 4), "[....]   0%  ETA ?");
  EXPECT_EQ(format_bar("x", 1.7, "", 0, 4), "x [####] 100%  ETA 0s");  // clamped
}

TEST(Progress, StylesAndModes) {
  EXPECT_EQ(bar_mode(parse_progress_style("auto"), true), BarMode::kRedraw);
  EXPECT_EQ(bar_mode(parse_progress_style("auto"), false), BarMode::kLines);
  EXPECT_EQ(bar_mode(parse_progress_style("bar"), false), BarMode::kRedraw);
  EXPECT_EQ(bar_mode(parse_progress_style("log"), true), BarMode::kOff);
  EXPECT_EQ(bar_mode(parse_progress_style("none"), true), BarMode::kOff);
  EXPECT_TRUE(console_shows_step_logs(ProgressStyle::kLog));
  EXPECT_FALSE(console_shows_step_logs(ProgressStyle::kAuto));
  try {
    parse_progress_style("fancy");
    FAIL() << "no error";
  } catch (const ArgumentError& e) {
    EXPECT_NE(std::string(e.what()).find("--progress"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("fancy"), std::string::npos) << e.what();
  }
}

TEST(Progress, PipeGetsALinePerTenthAndNoCarriageReturns) {
  std::ostringstream out;
  {
    ProgressBar bar(&out, BarMode::kLines, "supervised");
    for (int step = 0; step <= 1000; ++step) bar.update(step / 1000.0, "step " + std::to_string(step));
    bar.finish("3 runs");
  }
  const std::string text = out.str();
  EXPECT_EQ(text.find('\r'), std::string::npos) << text;
  EXPECT_EQ(text.find('\033'), std::string::npos) << text;
  // 0 %, 10 %, ..., 100 % and the finished line: 12 lines for 1001 updates.
  EXPECT_EQ(count_lines(text), 12) << text;
  EXPECT_NE(text.find("supervised [......"), std::string::npos) << text;
  EXPECT_NE(text.find(" 50%  step 500"), std::string::npos) << text;
  EXPECT_NE(text.find("100%  3 runs  done in"), std::string::npos) << text;
  EXPECT_EQ(text.find("ETA", text.find("3 runs")), std::string::npos) << "the finished line has no ETA";
}

TEST(Progress, TerminalRedrawsOneLineInPlace) {
  std::ostringstream out;
  {
    ProgressBar bar(&out, BarMode::kRedraw, "train");
    bar.update(0.25, "step 1/4");
    bar.clear();  // a log line is about to print
    bar.update(0.5, "step 2/4");
    bar.finish();
  }
  const std::string text = out.str();
  EXPECT_NE(text.find("\r\033[Ktrain [######"), std::string::npos) << text;
  EXPECT_NE(text.find("step 2/4"), std::string::npos) << "clear() lets the next update redraw at once";
  EXPECT_EQ(count_lines(text), 1) << "one line, ended once: " << text;
  EXPECT_EQ(text.back(), '\n');
}

TEST(Progress, OffWritesNothingAndSlotsMapStepsIntoTheirShare) {
  std::ostringstream off;
  {
    ProgressBar bar(&off, BarMode::kOff, "x");
    bar.update(0.5, "half");
    bar.finish();
  }
  EXPECT_TRUE(off.str().empty()) << off.str();

  // The second of two runs fills [0.5, 1]: its step 5 of 10 is three quarters of the bar.
  std::ostringstream out;
  ProgressBar bar(&out, BarMode::kLines, "protocol");
  bar.update(0.5, "run 2/2");
  StepProgress steps({&bar, 0.5, 1.0, "run 2/2 seed1"}, 10, 2);  // a run resumed at step 2
  EXPECT_NE(out.str().find(" 60%  run 2/2 seed1  step 2/10  ETA"), std::string::npos) << out.str();
  steps.update(5, 1.25, 1e-3);
  EXPECT_NE(out.str().find(" 75%  run 2/2 seed1  step 5/10  loss 1.2500"), std::string::npos) << out.str();
}

}  // namespace
}  // namespace sfar::engine
