// What `sfar protocol` prints while it runs, captured as a CI log would capture it (stderr not a
// terminal): one bar over all the protocol's runs, a line per tenth at most, and no per-step
// log lines, which land in each run's log.txt instead; --progress log and none as documented.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <sstream>

#include "protocol_fixture.h"
#include "sfar/core/atomic_file.h"

namespace sfar::recipes {
namespace {

namespace fs = std::filesystem;

class ProtocolProgress : public protocol_test::ProtocolFixture {};

std::int64_t count(const std::string& text, const std::string& what) {
  std::int64_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + what.size())) ++n;
  return n;
}

std::int64_t lines(const std::string& text) { return std::count(text.begin(), text.end(), '\n'); }

TEST_F(ProtocolProgress, OneBarOnTheConsoleAndTheStepsInEachRunsLog) {
  const std::string c = config("  seeds: [0, 1]\n");
  const auto r = sfar("protocol supervised --config " + c + " --work-dir " + dir_.file("sup"));
  ASSERT_EQ(r.status, 0) << r.err;
  // Each run logs 2 steps (6 videos in batches of 3, log_interval 1) into its own log.txt.
  for (const char* seed : {"seed0", "seed1"}) {
    const std::string log = read_file(dir_.file(std::string("sup/") + seed + "/log.txt"));
    EXPECT_EQ(count(log, "epoch 1 step "), 2) << seed << "\n" << log;
    EXPECT_NE(log.find("epoch 1 eval:"), std::string::npos) << log;
  }
  // The console: none of those lines, only the bar, a line at each tenth reached and the
  // finished line (at most 12), without carriage returns in a pipe.
  EXPECT_EQ(count(r.err, "epoch 1 step"), 0) << r.err;
  EXPECT_EQ(count(r.err, "[info]"), 0) << r.err;
  EXPECT_EQ(r.err.find('\r'), std::string::npos) << r.err;
  EXPECT_LE(lines(r.err), 12) << r.err;
  EXPECT_NE(r.err.find("supervised ["), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("run 2/2 seed1"), std::string::npos) << "the bar covers both runs: " << r.err;
  EXPECT_NE(r.err.find("100%  2 runs  done in"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("ETA "), std::string::npos) << r.err;

  // --progress log: the per-step lines on the console as well, no bar.
  const auto logged = sfar("--progress log protocol supervised --config " + c + " --seeds 0 --work-dir " +
                           dir_.file("log"));
  ASSERT_EQ(logged.status, 0) << logged.err;
  EXPECT_EQ(count(logged.err, "epoch 1 step "), 2) << logged.err;
  EXPECT_EQ(logged.err.find("supervised ["), std::string::npos) << logged.err;

  // --progress none (here through $SFAR_PROGRESS): neither.
  const auto none = test::run_binary("env SFAR_PROGRESS=none " SFAR_BINARY,
                                     "protocol supervised --config " + c + " --seeds 0 --work-dir " +
                                         dir_.file("none"),
                                     dir_);
  ASSERT_EQ(none.status, 0) << none.err;
  EXPECT_EQ(none.err.find("step"), std::string::npos) << none.err;
  EXPECT_EQ(count(read_file(dir_.file("none/seed0/log.txt")), "epoch 1 step "), 2) << "log.txt gets them anyway";
}

}  // namespace
}  // namespace sfar::recipes
