// environment.json (run_dir.h): what a run records about the build and the machine.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "sfar/core/build_info.h"
#include "sfar/core/machine_info.h"
#include "sfar/engine/run_dir.h"
#include "support/test_data.h"

namespace sfar::engine {
namespace {

namespace fs = std::filesystem;

// A run started outside any git checkout (a data disk, a cluster's scratch) still records the
// commit sfar was built from, and the CPU model, whose type can change the last digits (#32).
TEST(RunDir, EnvironmentRecordsTheBuiltCommitAndTheCpuWhereverTheRunStarts) {
  if (std::string(build_info::git_commit()) == "unknown") GTEST_SKIP() << "sfar was built outside a git checkout";
  test::TempDir tmp;  // under the system's temporary folder: no .git above it
  const fs::path before = fs::current_path();
  fs::current_path(tmp.path());
  const auto env = nlohmann::json::parse(environment_json({tmp.file("run"), "", "cpu", "2.0", 1, "warn", false}));
  fs::current_path(before);
  EXPECT_EQ(env["git_commit"], build_info::git_commit());
  EXPECT_EQ(env["cpu_model"], cpu_model());
  std::ifstream cpuinfo("/proc/cpuinfo");
  const std::string text((std::istreambuf_iterator<char>(cpuinfo)), std::istreambuf_iterator<char>());
  if (text.find("model name") != std::string::npos) {
    EXPECT_NE(env["cpu_model"], "unknown");
    EXPECT_NE(text.find(env["cpu_model"].get<std::string>()), std::string::npos);
  }
}

}  // namespace
}  // namespace sfar::engine
