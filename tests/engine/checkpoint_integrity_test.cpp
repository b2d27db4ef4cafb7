// Checkpoints carry their own integrity (docs/checkpoint_format.md, "Integrity"): every zip
// record is checked against its CRC-32 before LibTorch reads it, so that a flipped byte is an
// error naming the file and never changed weights. Also what resume repairs: best.pt and
// metrics.jsonl.
#include <gtest/gtest.h>

#include <caffe2/serialize/inline_container.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "sfar/core/atomic_file.h"
#include "sfar/core/error.h"
#include "sfar/core/file_integrity.h"
#include "sfar/engine/checkpoint.h"
#include "sfar/engine/run_dir.h"
#include "sfar/engine/trainer.h"
#include "support/test_data.h"

namespace sfar::engine {
namespace {

namespace fs = std::filesystem;

// A small model whose evaluation improves and worsens from epoch to epoch.
struct WobbleTask : TrainTask {
  explicit WobbleTask(torch::nn::Linear m) : model(std::move(m)) {}
  std::int64_t steps_per_epoch() override { return 1; }
  torch::Tensor loss(const StepContext&) override { return model(torch::ones({2, 4})).pow(2).mean(); }
  std::map<std::string, double> evaluate(std::int64_t epoch) override {
    static const double kTop1[] = {0.2, 0.5, 0.4, 0.7, 0.6, 0.6};
    return {{"top1", kTop1[epoch % 6]}};
  }
  torch::nn::Linear model;
};

TrainerSetup setup_in(const std::string& dir, std::int64_t epochs, std::int64_t keep_last) {
  TrainerSetup s;
  s.options.epochs = epochs;
  s.options.warmup_epochs = 0;
  s.options.batch_size = 2;
  s.options.keep_last = keep_last;
  s.options.log_interval = 1;
  s.config_text = "train: {}\n";
  s.checkpoint_dir = dir;
  return s;
}

// A finished run's checkpoint directory.
void train_run(const std::string& dir, std::int64_t epochs, std::int64_t keep_last, RunDir* run = nullptr) {
  torch::manual_seed(0);
  torch::nn::Linear model(4, 3);
  WobbleTask task(model);
  TrainerSetup s = setup_in(dir, epochs, keep_last);
  s.run = run;
  Trainer trainer(model.ptr(), task, s);
  trainer.fit();
}

// Every record of a LibTorch zip: name -> (offset of its bytes in the file, bytes).
std::map<std::string, std::pair<std::size_t, std::string>> zip_records(const std::string& path) {
  caffe2::serialize::PyTorchStreamReader reader(path);
  std::map<std::string, std::pair<std::size_t, std::string>> out;
  for (const auto& name : reader.getAllRecords()) {
    auto [data, size] = reader.getRecord(name);
    out[name] = {reader.getRecordOffset(name), std::string(static_cast<const char*>(data.get()), size)};
  }
  return out;
}

// Plain write (no fsync): the sweeps below write thousands of files.
void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

std::string flipped(std::string bytes, std::size_t at) {
  bytes[at] = static_cast<char>(bytes[at] ^ 0x20);
  return bytes;
}

class CheckpointIntegrity : public ::testing::Test {
 protected:
  void SetUp() override {
    train_run(tmp_.file("ckpt"), 2, 2);
    path_ = tmp_.file("ckpt/step_000000002.pt");
    bytes_ = read_file(path_);
  }
  test::TempDir tmp_;
  std::string path_, bytes_;
};

TEST_F(CheckpointIntegrity, AFlippedByteInAnyRecordIsAnErrorNamingTheFile) {
  const auto records = zip_records(path_);
  ASSERT_GT(records.size(), 5u);
  const std::string bad = tmp_.file("bad.pt");
  int checked = 0;
  for (const auto& [name, record] : records) {
    const auto& [offset, data] = record;
    if (name.rfind("code/", 0) == 0) continue;  // deflated: `data` is not what the file holds
    for (std::size_t at : {std::size_t{0}, data.size() / 2, data.size() - 1}) {
      if (data.empty()) continue;
      SCOPED_TRACE(name + " byte " + std::to_string(at));
      write_bytes(bad, flipped(bytes_, offset + at));
      try {
        load_checkpoint_archive(bad);
        ADD_FAILURE() << "a flipped byte loaded";
      } catch (const FormatError& e) {
        EXPECT_EQ(e.where(), bad);
        EXPECT_NE(e.message().find("fails its CRC-32 check"), std::string::npos) << e.what();
        EXPECT_NE(e.message().find(name), std::string::npos) << e.what();
      }
      ++checked;
    }
  }
  EXPECT_GT(checked, 15);
}

TEST_F(CheckpointIntegrity, NoFlippedByteAnywhereLoadsChangedContent) {
  // Every 5th byte of the whole file: the load fails, or every record is as written. The flips
  // that load (about one in eight) hit bytes nothing reads: a local header's alignment padding
  // (each record starts 64-byte aligned), times, versions, attributes.
  const auto original = zip_records(path_);
  const std::string bad = tmp_.file("bad.pt");
  int errors = 0, harmless = 0;
  for (std::size_t at = 0; at < bytes_.size(); at += 5) {
    write_bytes(bad, flipped(bytes_, at));
    try {
      load_checkpoint_archive(bad);
    } catch (const Error&) {
      ++errors;
      continue;
    }
    ++harmless;
    std::map<std::string, std::pair<std::size_t, std::string>> got;
    ASSERT_NO_THROW(got = zip_records(bad)) << "byte " << at;
    ASSERT_EQ(got.size(), original.size()) << "byte " << at;
    for (const auto& [name, record] : original) {
      ASSERT_EQ(got.at(name).second, record.second) << "byte " << at << " changed record " << name;
    }
  }
  EXPECT_GT(errors, 5 * harmless) << errors << " errors, " << harmless << " harmless";
}

TEST_F(CheckpointIntegrity, AnArchiveWithoutCrcsLoadsButOneMissingCrcIsCorrupt) {
  // Zero the CRC of every central-directory entry ("PK\1\2", CRC at +16), as a writer with
  // CRC-32 turned off leaves them.
  std::vector<std::size_t> entries;
  for (auto at = bytes_.find("PK\x01\x02"); at != std::string::npos; at = bytes_.find("PK\x01\x02", at + 1)) {
    entries.push_back(at);
  }
  ASSERT_GT(entries.size(), 5u);
  std::string none = bytes_, one = bytes_;
  for (auto at : entries) none.replace(at + 16, 4, std::string(4, '\0'));
  one.replace(entries[entries.size() / 2] + 16, 4, std::string(4, '\0'));
  const std::string none_path = tmp_.file("none.pt"), one_path = tmp_.file("one.pt");
  write_file_atomic(none_path, none);
  write_file_atomic(one_path, one);
  const ZipCheck check = verify_zip_records(none_path);
  EXPECT_FALSE(check.sealed());
  EXPECT_GT(check.unchecked, 0);
  EXPECT_NO_THROW(load_checkpoint_archive(none_path));
  EXPECT_TRUE(verify_zip_records(path_).sealed());
  EXPECT_EQ(verify_zip_records(path_).records, check.records);
  try {
    load_checkpoint_archive(one_path);
    FAIL() << "one CRC missing loaded";
  } catch (const FormatError& e) {
    EXPECT_EQ(e.where(), one_path);
    EXPECT_NE(e.message().find("has no CRC-32"), std::string::npos) << e.what();
  }
}

TEST_F(CheckpointIntegrity, ResumeAutoPassesOverACorruptNewestCheckpoint) {
  const std::string dir = tmp_.file("ckpt");
  write_file_atomic(path_, flipped(bytes_, bytes_.size() / 2));
  std::vector<std::string> skipped;
  EXPECT_EQ(CheckpointDir(dir, 2).newest_valid(&skipped), CheckpointDir(dir, 2).path_for_step(1));
  ASSERT_EQ(skipped.size(), 1u);
  EXPECT_EQ(skipped[0].rfind(path_ + ": ", 0), 0u) << skipped[0];
  EXPECT_NE(skipped[0].find("CRC-32"), std::string::npos) << skipped[0];
}

TEST(BestCheckpoint, ResumeRewritesAStaleOrMissingBestFromTheBestStep) {
  test::TempDir tmp;
  const std::string dir = tmp.file("ckpt");
  train_run(dir, 5, 5);  // top1 0.2, 0.5, 0.4, 0.7, 0.6: best.pt is step 4
  const CheckpointDir checkpoints(dir, 5);
  const std::string best = checkpoints.best_path(), step4 = checkpoints.path_for_step(4);
  ASSERT_EQ(read_file(best), read_file(step4));
  auto resume = [&] {
    torch::nn::Linear model(4, 3);
    WobbleTask task(model);
    Trainer trainer(model.ptr(), task, setup_in(dir, 5, 5));
    trainer.resume("auto");
  };
  // As a kill after step_4.pt and before best.pt leaves it: best.pt still step 2's.
  write_file_atomic(best, read_file(checkpoints.path_for_step(2)));
  resume();
  EXPECT_EQ(read_file(best), read_file(step4));
  fs::remove(best);  // killed before the first best.pt
  resume();
  EXPECT_EQ(read_file(best), read_file(step4));
  // Resumed at step 4 itself (the checkpoint that records the new best is the one loaded).
  fs::remove(checkpoints.path_for_step(5));
  write_file_atomic(best, read_file(checkpoints.path_for_step(2)));
  resume();
  EXPECT_EQ(read_file(best), read_file(step4));
}

TEST(BestCheckpoint, SyncBestCopiesOnlyWhatDiffersAndChecksTheSource) {
  test::TempDir tmp;
  const std::string dir = tmp.file("ckpt");
  train_run(dir, 2, 2);
  const CheckpointDir checkpoints(dir, 2);
  EXPECT_FALSE(checkpoints.sync_best(checkpoints.path_for_step(2)));  // top1 0.5 at step 2: already best
  const std::string one = checkpoints.path_for_step(1), bytes = read_file(one);
  write_file_atomic(one, flipped(bytes, bytes.size() / 2));
  EXPECT_THROW(checkpoints.sync_best(one), FormatError);
  EXPECT_EQ(read_file(checkpoints.best_path()), read_file(checkpoints.path_for_step(2)));
}

TEST(MetricsRepair, DropsLaterStepsAndCutsATornLine) {
  test::TempDir tmp;
  RunDirOptions options;
  options.work_dir = tmp.file("run");
  options.log_to_file = false;
  options.tensorboard = false;
  RunDir run(options);
  const std::string path = run.file("metrics.jsonl");
  EXPECT_EQ(run.truncate_metrics(3).dropped, 0);  // no file yet
  EXPECT_FALSE(fs::exists(path));
  std::string text;
  for (int step = 1; step <= 5; ++step) {
    text += "{\"kind\":\"train\",\"step\":" + std::to_string(step) + ",\"loss\":1.0}\n";
    if (step % 2 == 0) text += "{\"kind\":\"eval\",\"epoch\":0,\"step\":" + std::to_string(step) + ",\"top1\":0.5}\n";
  }
  write_file_atomic(path, text + "{\"kind\":\"train\",\"st");
  const MetricsRepair r = run.truncate_metrics(3);
  EXPECT_EQ(r.path, path);
  EXPECT_TRUE(r.torn);
  EXPECT_EQ(r.dropped, 3);  // train 4, eval 4, train 5
  EXPECT_EQ(read_file(path), "{\"kind\":\"train\",\"step\":1,\"loss\":1.0}\n"
                             "{\"kind\":\"train\",\"step\":2,\"loss\":1.0}\n"
                             "{\"kind\":\"eval\",\"epoch\":0,\"step\":2,\"top1\":0.5}\n"
                             "{\"kind\":\"train\",\"step\":3,\"loss\":1.0}\n");
  const MetricsRepair again = run.truncate_metrics(3);
  EXPECT_FALSE(again.torn);
  EXPECT_EQ(again.dropped, 0);
  EXPECT_EQ(run.truncate_metrics(0).dropped, 4);  // a fresh start keeps no record
  EXPECT_EQ(read_file(path), "");
}

}  // namespace
}  // namespace sfar::engine
