// TensorBoard event files: the CRC-32C check value, TensorFlow's field numbers (an event
// encoded by hand byte for byte), and a run directory's events read back against metrics.jsonl.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "sfar/core/error.h"
#include "sfar/engine/crc32c.h"
#include "sfar/engine/run_dir.h"
#include "sfar/engine/tfevents_writer.h"
#include "support/test_data.h"

namespace sfar::engine {
namespace {

namespace fs = std::filesystem;

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(Crc32c, StandardCheckValue) {
  EXPECT_EQ(crc32c("123456789"), 0xE3069283u);
  EXPECT_EQ(crc32c(""), 0u);
  // 32 zero bytes: the iSCSI test vector of RFC 3720.
  EXPECT_EQ(crc32c(std::string(32, '\0')), 0x8A9136AAu);
  // Continuing from a previous result equals one pass over everything.
  const std::string a = "12345", b = "6789";
  EXPECT_EQ(crc32c(b.data(), b.size(), crc32c(a)), 0xE3069283u);
  EXPECT_EQ(mask_crc32c(0), 0xa282ead8u);
  const std::uint32_t c = 0xE3069283u;
  EXPECT_EQ(mask_crc32c(c), ((c >> 15) | (c << 17)) + 0xa282ead8u);
}

TEST(TfEvents, FramesARecord) {
  const std::string frame = tfrecord_frame("abc");
  ASSERT_EQ(frame.size(), 8u + 4 + 3 + 4);
  EXPECT_EQ(frame.substr(0, 8), std::string("\x03\0\0\0\0\0\0\0", 8));
  const std::uint32_t length_crc = masked_crc32c(frame.substr(0, 8));
  const std::uint32_t data_crc = masked_crc32c("abc");
  std::uint32_t stored = 0;
  std::memcpy(&stored, frame.data() + 8, 4);  // little-endian machine
  EXPECT_EQ(stored, length_crc);
  EXPECT_EQ(frame.substr(12, 3), "abc");
  std::memcpy(&stored, frame.data() + 15, 4);
  EXPECT_EQ(stored, data_crc);
}

TEST(TfEvents, UsesTensorFlowFieldNumbers) {
  test::TempDir dir;
  std::string path;
  {
    EventFileWriter writer(dir.path().string());
    path = writer.path();
    writer.add_scalars({{"a", 2.0}}, 7, 1.5);
  }
  EXPECT_EQ(fs::path(path).filename().string().rfind("events.out.tfevents.", 0), 0u) << path;
  const std::string bytes = read_bytes(path);
  // Record 1: the file version, field 3 (tag 0x1a) "brain.Event:2" after wall_time (field 1, 0x09).
  EXPECT_NE(bytes.find(std::string("\x1a\x0d") + "brain.Event:2"), std::string::npos);
  std::uint64_t first_length = 0;
  std::memcpy(&first_length, bytes.data(), 8);
  const std::size_t second = 8 + 4 + first_length + 4;
  // Event{wall_time=1.5 (1, fixed64), step=7 (2, varint), summary (5) {value (1) {tag (1) "a",
  // simple_value (2, fixed32) 2.0f}}}, encoded by hand.
  const std::string expected = std::string("\x09\0\0\0\0\0\0\xf8\x3f", 9) + "\x10\x07" + "\x2a\x0a" + "\x0a\x08" +
                               "\x0a\x01" "a" + std::string("\x15\0\0\0\x40", 5);
  ASSERT_GE(bytes.size(), second + 12 + expected.size());
  EXPECT_EQ(bytes.substr(second + 12, expected.size()), expected);
  EXPECT_EQ(bytes.size(), second + 12 + expected.size() + 4);

  const auto events = read_event_file(path);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].file_version, "brain.Event:2");
  EXPECT_EQ(events[1].step, 7);
  EXPECT_DOUBLE_EQ(events[1].wall_time, 1.5);
  ASSERT_EQ(events[1].scalars.size(), 1u);
  EXPECT_EQ(events[1].scalars[0].first, "a");
  EXPECT_EQ(events[1].scalars[0].second, 2.0f);
}

TEST(TfEvents, ReaderRejectsCorruptRecords) {
  test::TempDir dir;
  std::string path;
  {
    EventFileWriter writer(dir.path().string());
    path = writer.path();
    writer.add_scalars({{"train/loss", 1.25}}, 1);
  }
  std::string bytes = read_bytes(path);
  std::uint64_t first_length = 0;
  std::memcpy(&first_length, bytes.data(), 8);
  const std::size_t second = 8 + 4 + first_length + 4;
  bytes[second + 14] ^= 0x01;  // a bit of the second record's data
  const std::string bad = dir.file("bad.tfevents");
  std::ofstream(bad, std::ios::binary) << bytes;
  try {
    read_event_file(bad);
    FAIL() << "expected FormatError";
  } catch (const FormatError& e) {
    EXPECT_EQ(e.where(), bad + ": record at byte " + std::to_string(second));
    EXPECT_NE(e.message().find("data CRC"), std::string::npos) << e.what();
  }
  std::ofstream(bad, std::ios::binary | std::ios::trunc) << read_bytes(path).substr(0, second + 20);
  EXPECT_THROW(read_event_file(bad), FormatError);
}

TEST(TfEvents, RunDirEventsEqualMetricsJsonl) {
  test::TempDir dir;
  RunDirOptions options;
  options.work_dir = dir.file("run");
  options.log_to_file = false;
  RunDir run(options);
  ASSERT_FALSE(run.event_file().empty());
  TrainMetrics m;
  m.step = 10;
  m.loss = 2.718281828;
  m.lr = 3.3e-6;
  m.samples_per_s = 123.456;
  run.log_train(m);
  m.step = 20;
  m.loss = NAN;  // null in metrics.jsonl, absent from the events
  m.loss_scale = 65536;
  run.log_train(m);
  run.log_eval(0, 20, {{"top1", 33.333333333}, {"top5", 100.0}, {"mean_class_accuracy", 0.0}});

  const auto events = read_event_file(run.event_file());  // readable right after an eval: flushed
  ASSERT_EQ(events.size(), 4u);
  EXPECT_EQ(events[0].file_version, "brain.Event:2");
  std::ifstream lines(run.file("metrics.jsonl"));
  std::size_t i = 1, compared = 0;
  for (std::string line; std::getline(lines, line); ++i) {
    const auto j = nlohmann::json::parse(line);
    ASSERT_LT(i, events.size());
    const auto& e = events[i];
    EXPECT_EQ(e.step, j["step"].get<std::int64_t>());
    const std::string prefix = j["kind"] == "train" ? "train/" : "eval/";
    std::map<std::string, float> scalars(e.scalars.begin(), e.scalars.end());
    std::size_t numbers = 0;
    for (const auto& [key, value] : j.items()) {
      if (key == "kind" || key == "step" || key == "epoch" || !value.is_number()) continue;
      ++numbers;
      ASSERT_EQ(scalars.count(prefix + key), 1u) << prefix + key;
      EXPECT_EQ(scalars[prefix + key], static_cast<float>(value.get<double>())) << prefix + key;
      ++compared;
    }
    EXPECT_EQ(scalars.size(), numbers) << line;
  }
  EXPECT_EQ(i, 4u);
  EXPECT_EQ(compared, 6u + 6 + 3);  // loss null in the second line
  std::map<std::string, float> second(events[2].scalars.begin(), events[2].scalars.end());
  EXPECT_EQ(second.count("train/loss"), 0u);
  EXPECT_EQ(second["train/loss_scale"], 65536.0f);
  std::map<std::string, float> eval(events[3].scalars.begin(), events[3].scalars.end());
  EXPECT_EQ(eval.count("eval/mean_class_accuracy"), 1u);  // 0.0 is written, not dropped
  EXPECT_EQ(eval["eval/top1"], 33.333333333f);
}

}  // namespace
}  // namespace sfar::engine
