// One flipped byte in the middle of a checkpoint or an export, through the binary: every
// command that loads it (eval, train --resume, export, infer, and model.weights of eval and
// infer) exits 1 with one error line naming the file, and --resume auto passes over a corrupt
// newest checkpoint to the previous one, saying so. LibTorch alone loads such a file with
// changed weights and exit 0.
#include <gtest/gtest.h>

#include <filesystem>

#include "sfar/core/atomic_file.h"
#include "support/run_binary.h"
#include "support/test_data.h"
#include "support/tiny_run.h"

namespace sfar::recipes {
namespace {

namespace fs = std::filesystem;
using Result = test::CommandResult;

Result run_sfar(const std::string& args, const test::TempDir& dir) { return test::run_binary(SFAR_BINARY, args, dir); }

// Exit 1 and one error line naming `path` and `reason`.
void expect_one_error(const Result& r, const std::string& path, const std::string& reason) {
  EXPECT_EQ(r.status, 1) << r.err;
  const auto at = r.err.find("sfar: error:");
  ASSERT_NE(at, std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("sfar: error:", at + 1), std::string::npos) << r.err;
  const std::string line = r.err.substr(at, r.err.find('\n', at) - at);
  EXPECT_NE(line.find(path), std::string::npos) << line;
  EXPECT_NE(line.find(reason), std::string::npos) << line;
}

// `path` with the byte in its middle changed.
void flip_middle_byte(const std::string& path) {
  std::string bytes = read_file(path);
  bytes[bytes.size() / 2] = static_cast<char>(bytes[bytes.size() / 2] ^ 0x10);
  write_file_atomic(path, bytes);
}

// A finished two-epoch run (step_1, step_2, best.pt) and its exports, shared by the tests.
class CheckpointIntegrityRun : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!fs::exists(test::tiny_clip_path()) || !fs::exists(test::reference_path("videos/h264_30fps.mp4"))) return;
    dir_ = new test::TempDir;
    const std::string root =
        test::make_tiny_videos(*dir_, test::reference_path("videos"), {"a.mp4", "b.mp4", "c.avi"}, "train.txt");
    video_ = root + "/a.mp4";
    config_ = test::TinyRun(root, "train.txt", dir_->file("labels.csv"))
                  .work_dir(dir_->file("run")).seed(7).epochs(2).eval_list("train.txt")
                  .write(dir_->file("tiny.yaml"));
    Result r = run_sfar("train --config " + config_, *dir_);
    setup_error_ = r.err;
    if (r.status != 0) return;
    for (const char* out : {"export.pt", "export.safetensors"}) {
      r = run_sfar("export --checkpoint " + dir_->file("run/checkpoints/step_000000002.pt") + " --out " +
                       dir_->file(out), *dir_);
      if (r.status != 0) {
        setup_error_ = r.err;
        return;
      }
    }
    ready_ = true;
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }
  void SetUp() override { ASSERT_TRUE(ready_) << setup_error_; }

  // A copy of the shared file `name` in `dir`, its middle byte flipped.
  static std::string corrupt_copy(const std::string& name, const test::TempDir& dir, const std::string& as) {
    const std::string path = dir.file(as);
    write_file_atomic(path, read_file(dir_->file(name)));
    flip_middle_byte(path);
    return path;
  }

  static inline test::TempDir* dir_ = nullptr;
  static inline std::string config_, video_, setup_error_;
  static inline bool ready_ = false;
};

TEST_F(CheckpointIntegrityRun, EveryCommandRefusesAFlippedCheckpointNamingIt) {
  test::TempDir dir;
  const std::string bad = corrupt_copy("run/checkpoints/step_000000002.pt", dir, "flipped.pt");
  const std::string eval = "eval --config " + config_ + " --checkpoint " + bad;
  expect_one_error(run_sfar(eval, dir), bad, "CRC-32");
  expect_one_error(run_sfar("train --config " + config_ + " --work-dir " + dir.file("r") + " --resume " + bad, dir),
                   bad, "CRC-32");
  expect_one_error(run_sfar("export --checkpoint " + bad + " --out " + dir.file("x.pt"), dir), bad, "CRC-32");
  EXPECT_FALSE(fs::exists(dir.file("x.pt")));
  expect_one_error(run_sfar("infer --config " + config_ + " --checkpoint " + bad + " --video " + video_, dir), bad,
                   "CRC-32");
  // The same commands on the intact file work.
  const Result good = run_sfar("eval --config " + config_ + " --checkpoint " + dir_->file("run/checkpoints/best.pt"), dir);
  EXPECT_EQ(good.status, 0) << good.err;
}

TEST_F(CheckpointIntegrityRun, FlippedExportsAreRefusedAsModelWeights) {
  test::TempDir dir;
  for (const auto& [name, reason] : {std::pair<std::string, std::string>{"export.pt", "CRC-32"},
                                     {"export.safetensors", "sfar_crc32 seal"}}) {
    SCOPED_TRACE(name);
    const std::string bad = corrupt_copy(name, dir, "flipped_" + name);
    expect_one_error(run_sfar("eval --config " + config_ + " --set model.weights=" + bad, dir), bad, reason);
    expect_one_error(run_sfar("infer --config " + config_ + " --set model.weights=" + bad + " --video " + video_, dir),
                     bad, reason);
    const Result good = run_sfar("eval --config " + config_ + " --set model.weights=" + dir_->file(name), dir);
    EXPECT_EQ(good.status, 0) << good.err;
    EXPECT_EQ(good.err.find("cannot be checked"), std::string::npos) << good.err;
  }
}

TEST_F(CheckpointIntegrityRun, ResumeAutoPassesOverACorruptNewestCheckpoint) {
  test::TempDir dir;
  fs::copy(dir_->file("run"), dir.file("run"), fs::copy_options::recursive);
  const std::string newest = dir.file("run/checkpoints/step_000000002.pt");
  flip_middle_byte(newest);
  const Result r = run_sfar("--progress log train --config " + config_ + " --work-dir " + dir.file("run") +
                                " --resume auto --set train.epochs=3", dir);
  ASSERT_EQ(r.status, 0) << r.err;
  const auto at = r.err.find("skipping unreadable checkpoint " + newest + ": ");
  ASSERT_NE(at, std::string::npos) << r.err;
  const std::string line = r.err.substr(at, r.err.find('\n', at) - at);
  EXPECT_NE(line.find("CRC-32"), std::string::npos) << line;
  EXPECT_NE(r.err.find("resumed from " + dir.file("run/checkpoints/step_000000001.pt") + " at step 1"),
            std::string::npos) << r.err;
}

}  // namespace
}  // namespace sfar::recipes
