// `sfar data prepare` killed with SIGKILL mid-way, through the binary: what it left must be
// whole (every record names a complete video), and a rerun must finish the job, skip what was
// done and give the same bytes as a run that was never killed.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <thread>

#include "io/video_test_support.h"
#include "sfar/core/atomic_file.h"
#include "sfar/io/video_reader.h"
#include "support/child_process.h"

namespace sfar::test {
namespace {

namespace fs = std::filesystem;

constexpr int kClips = 24;

std::int64_t count_records(const fs::path& dir) {
  std::int64_t n = 0;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.size() > 14 && name.substr(name.size() - 14) == ".prepared.json" && name[0] != '.') ++n;
  }
  return n;
}

nlohmann::json last_json_line(const std::string& log) {
  const std::string text = read_file(log);
  const auto start = text.rfind("\n{");
  return nlohmann::json::parse(text.substr(start == std::string::npos ? 0 : start + 1));
}

std::string write_config(const TempDir& dir) {
  std::string list;
  for (int i = 0; i < kClips; ++i) list += "clip" + std::to_string(i) + ".mp4 " + std::to_string(i % 3) + "\n";
  write_file_atomic(dir.file("src/list.txt"), list);
  write_file_atomic(dir.file("config.yaml"), "data:\n  root: " + dir.file("src") + "\n  list: " +
                                                 dir.file("src/list.txt") + "\n  short_side: 96\n");
  return dir.file("config.yaml");
}

TEST(DataPrepareKillTest, AKillMidWayLosesNothingAndARerunFinishesTheSameBytes) {
  SFAR_REQUIRE_FFMPEG_CLI();
  TempDir dir;
  fs::create_directories(dir.file("src"));
  ASSERT_TRUE(run_ffmpeg("-f lavfi -i testsrc2=size=320x240:rate=25 -frames:v 120 -pix_fmt yuv420p "
                         "-c:v libx264 -preset ultrafast " + dir.file("src/clip0.mp4")));
  for (int i = 1; i < kClips; ++i) fs::copy_file(dir.file("src/clip0.mp4"), dir.file("src/clip" + std::to_string(i) + ".mp4"));
  const std::string config = write_config(dir);
  const auto args = [&](const std::string& out) {
    return std::vector<std::string>{"data", "prepare", "-c", config, "--out", dir.file(out), "--workers", "2"};
  };

  const pid_t pid = spawn_logged(SFAR_BINARY, args("killed"), dir.file("killed.log"));
  int status = 0;
  bool exited = false;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (!(exited = child_exited(pid, &status)) && count_records(dir.path() / "killed") < 3 &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  ASSERT_FALSE(exited) << "the run ended before it could be killed: " << read_file(dir.file("killed.log"));
  ::kill(pid, SIGKILL);
  ASSERT_EQ(wait_child(pid), -SIGKILL);
  const std::int64_t done_before = count_records(dir.path() / "killed");
  ASSERT_LT(done_before, kClips) << "the kill came after the last video";
  EXPECT_FALSE(fs::exists(dir.file("killed/train.txt"))) << "lists are written last";
  for (const auto& entry : fs::recursive_directory_iterator(dir.path() / "killed/videos")) {
    const std::string name = entry.path().filename().string();
    if (name[0] == '.' || entry.path().extension() != ".json") continue;
    const std::string video = entry.path().string().substr(0, entry.path().string().size() - 14);
    EXPECT_EQ(io::probe_video(video).frames, 120) << video << " has a record but is not whole";
  }

  const pid_t rerun = spawn_logged(SFAR_BINARY, args("killed"), dir.file("rerun.log"));
  ASSERT_EQ(wait_child(rerun), 0) << read_file(dir.file("rerun.log"));
  const auto line = last_json_line(dir.file("rerun.log"));
  EXPECT_GE(line["current"].get<std::int64_t>(), done_before);
  EXPECT_EQ(line["current"].get<std::int64_t>() + line["prepared"].get<std::int64_t>(), kClips);
  EXPECT_EQ(line["bad"].size(), 0u);

  const pid_t clean = spawn_logged(SFAR_BINARY, args("clean"), dir.file("clean.log"));
  ASSERT_EQ(wait_child(clean), 0) << read_file(dir.file("clean.log"));
  for (int i = 0; i < kClips; ++i) {
    const std::string name = "/videos/clip" + std::to_string(i) + ".mp4";
    EXPECT_EQ(read_file(dir.file("killed") + name), read_file(dir.file("clean") + name)) << name;
  }
  EXPECT_EQ(read_file(dir.file("killed/train.txt")), read_file(dir.file("clean/train.txt")));
  for (const auto& entry : fs::recursive_directory_iterator(dir.path() / "killed/videos")) {
    EXPECT_NE(entry.path().filename().string()[0], '.') << "a temporary file stayed: " << entry.path();
  }
}

}  // namespace
}  // namespace sfar::test
