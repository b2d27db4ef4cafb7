// `sfar data prepare`'s library: one video (size, key frames, audio, rotation, fidelity to the
// loader's own decode), the records that let a rerun skip or redo, bad files under each policy,
// and a failing output that must stop the run instead of passing for a bad source.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "io/video_test_support.h"
#include "sfar/core/atomic_file.h"
#include "sfar/data/data_config.h"
#include "sfar/data/data_prepare_dataset.h"
#include "sfar/data/video_dataset.h"
#include "sfar/core/name_table.h"
#include "sfar/io/video_reader.h"

namespace sfar::data {
namespace {

namespace fs = std::filesystem;

// A moving test pattern of `size` (WxH) with a sine on an audio track; `extra` goes before the
// output name (codec, metadata).
std::string make_clip(const test::TempDir& dir, const std::string& name, const std::string& size, int frames,
                      const std::string& extra = "-c:v libx264 -preset ultrafast -g 250") {
  const std::string path = dir.file(name);
  fs::create_directories(fs::path(path).parent_path());
  const bool ok = test::run_ffmpeg("-f lavfi -i testsrc2=size=" + size + ":rate=25 -f lavfi -i sine=frequency=440 " +
                                   "-frames:v " + std::to_string(frames) + " -shortest -pix_fmt yuv420p " + extra +
                                   " " + path);
  EXPECT_TRUE(ok) << "ffmpeg could not make " << path;
  return path;
}

bool has_audio(const std::string& path) {
  std::string out;
  FILE* pipe = ::popen(("ffprobe -v error -select_streams a -show_entries stream=index -of csv=p=0 " + path).c_str(), "r");
  char buffer[64];
  while (pipe && std::fgets(buffer, sizeof(buffer), pipe)) out += buffer;
  if (pipe) ::pclose(pipe);
  return !out.empty();
}

struct Difference {
  double mean = 0.0;
  int max = 0;
};

// Every frame of `prepared` against the source decoded the way prepare decodes it: the same
// short side through the reader's own resize, then the odd column or row dropped.
Difference compare_with_source(const std::string& source, const std::string& prepared, int short_side) {
  io::VideoReader original(source, io::VideoReadOptions().short_side(short_side));
  io::VideoReader copy(prepared);
  std::vector<std::int64_t> all(static_cast<std::size_t>(copy.info().frames));
  for (std::size_t i = 0; i < all.size(); ++i) all[i] = static_cast<std::int64_t>(i);
  EXPECT_EQ(original.info().frames, copy.info().frames);
  const auto a = original.read_frames(all);
  const auto b = copy.read_frames(all);
  Difference d;
  double sum = 0.0;
  std::int64_t count = 0;
  for (std::size_t f = 0; f < a.size(); ++f) {
    for (int y = 0; y < b[f].height; ++y) {
      for (int x = 0; x < b[f].width * 3; ++x) {
        const int diff = std::abs(int(a[f].data[std::size_t(y) * a[f].width * 3 + x]) -
                                  int(b[f].data[std::size_t(y) * b[f].width * 3 + x]));
        sum += diff;
        d.max = std::max(d.max, diff);
        ++count;
      }
    }
  }
  d.mean = count ? sum / double(count) : 0.0;
  return d;
}

TEST(DataPrepareTest, ResizesNeverUpscalesDropsAudioAndSetsKeyFrames) {
  SFAR_REQUIRE_FFMPEG_CLI();
  test::TempDir dir;
  const std::string big = make_clip(dir, "big.mp4", "320x240", 40);
  const std::string small = make_clip(dir, "small.mp4", "160x120", 20);
  ASSERT_TRUE(has_audio(big));
  PrepareSettings settings;
  settings.short_side = 128;
  const auto v = prepare_video(big, dir.file("out/big.mp4"), settings);
  EXPECT_EQ(v.frames, 40);
  EXPECT_EQ(v.height, 128);
  EXPECT_EQ(v.width, 170);  // 320 * 128 / 240 = 170.7 -> 171 by the reader, odd -> 170
  const io::VideoInfo info = io::probe_video(dir.file("out/big.mp4"));
  EXPECT_EQ(info.frames, 40);
  EXPECT_EQ(info.keyframes, (std::vector<std::int64_t>{0, 8, 16, 24, 32}));
  EXPECT_FALSE(has_audio(dir.file("out/big.mp4")));
  EXPECT_TRUE(fs::exists(record_path(dir.file("out/big.mp4"))));

  settings.short_side = 256;
  const auto s = prepare_video(small, dir.file("out/small.mp4"), settings);
  EXPECT_EQ(s.width, 160);
  EXPECT_EQ(s.height, 120);
  EXPECT_EQ(prepared_short_side(255, settings), 255);
  EXPECT_EQ(prepared_short_side(300, settings), 256);
  settings.short_side = 225;  // odd: rounded up, so that no row is lost to the even crop
  EXPECT_EQ(prepared_short_side(300, settings), 226);
}

TEST(DataPrepareTest, AppliesRotationAndStaysCloseToTheLoadersOwnDecode) {
  SFAR_REQUIRE_FFMPEG_CLI();
  test::TempDir dir;
  const std::string stored = make_clip(dir, "stored.mp4", "320x240", 30);
  const std::string turned = dir.file("turned.mp4");
  ASSERT_TRUE(test::run_ffmpeg("-i " + stored + " -c copy -metadata:s:v:0 rotate=90 " + turned));
  ASSERT_NE(io::probe_video(turned).rotation, 0);  // a quarter turn (FFmpeg stores it as 270 clockwise)
  for (const auto codec : {PrepareCodec::kH264, PrepareCodec::kMjpeg}) {
    PrepareSettings settings;
    settings.codec = codec;
    settings.short_side = 128;
    const std::string out = dir.file("out/turned" + settings.extension());
    const auto v = prepare_video(turned, out, settings);
    EXPECT_EQ(v.width, 128);  // upright: portrait
    EXPECT_EQ(v.height, 170);
    EXPECT_EQ(io::probe_video(out).rotation, 0);
    const std::string flat = dir.file("out/stored" + settings.extension());
    prepare_video(stored, flat, settings);
    const Difference d = compare_with_source(turned, out, 128);
    const Difference same = compare_with_source(stored, flat, 128);
    // Turned the wrong way (or not at all), the frames would differ by tens of levels. The
    // test pattern's saturated colour edges lose most to 4:2:0 chroma: its bounds are looser
    // than the real clips' (RealDataFidelityOfTheDefaults, docs/data_prepare.md).
    EXPECT_NEAR(d.mean, same.mean, 0.5) << settings.key();
    EXPECT_LT(d.mean, 8.0) << settings.key();
    std::printf("[fidelity] test pattern %s: turned mean |diff| %.3f max %d; stored mean %.3f max %d\n",
                settings.key().c_str(), d.mean, d.max, same.mean, same.max);
  }
}

PrepareDatasetRequest request_for(const test::TempDir& dir, const std::vector<std::string>& names,
                                  const std::string& policy = "skip") {
  PrepareDatasetRequest r;
  r.root = dir.file("src");
  r.out = dir.file("out");
  r.settings.short_side = 64;
  r.policy = parse_bad_file_policy(policy);
  r.workers = 2;
  PrepareListInput list{"train", "list.txt", {}};
  for (std::size_t i = 0; i < names.size(); ++i) {
    VideoRecord record;
    record.path = names[i];
    record.labels = {static_cast<std::int64_t>(i % 3)};
    record.origin = "list.txt:" + std::to_string(i + 1);
    list.records.push_back(record);
  }
  r.lists.push_back(list);
  return r;
}

TEST(DataPrepareTest, RerunSkipsCurrentRedoesChangedAndKeepsTouchedFiles) {
  SFAR_REQUIRE_FFMPEG_CLI();
  test::TempDir dir;
  make_clip(dir, "src/a.mp4", "160x120", 12);
  make_clip(dir, "src/b/b.mkv", "176x144", 12, "-c:v mpeg4");
  make_clip(dir, "src/c.mkv", "128x96", 12);
  const auto request = request_for(dir, {"a.mp4", "b/b.mkv", "c.mkv"});
  auto first = prepare_dataset(request);
  EXPECT_EQ(first.run.prepared, 3);
  EXPECT_EQ(read_file(dir.file("out/train.txt")), "a.mp4 0\nb/b.mp4 1\nc.mp4 2\n");
  auto second = prepare_dataset(request);
  EXPECT_EQ(second.run.prepared, 0);
  EXPECT_EQ(second.run.current, 3);

  // Same bytes, new time: kept (its hash matches). New bytes, same name: prepared again.
  fs::last_write_time(dir.file("src/a.mp4"), fs::file_time_type::clock::now() + std::chrono::hours(1));
  make_clip(dir, "src/c.mkv", "128x96", 9, "-c:v libx264 -preset ultrafast -g 250 -an");
  auto third = prepare_dataset(request);
  EXPECT_EQ(third.run.current, 2);
  EXPECT_EQ(third.run.redone, 1);
  EXPECT_EQ(io::probe_video(dir.file("out/videos/c.mp4")).frames, 9);
  EXPECT_EQ(prepare_dataset(request).run.current, 3);

  auto changed = request;
  changed.settings.quality = 30;  // other settings: every record is stale
  EXPECT_EQ(prepare_dataset(changed).run.redone, 3);
}

TEST(DataPrepareTest, BadFilesFollowThePolicyAndAreReported) {
  SFAR_REQUIRE_FFMPEG_CLI();
  test::TempDir dir;
  make_clip(dir, "src/good.mp4", "160x120", 12);
  const std::string full = read_file(dir.file("src/good.mp4"));
  write_file_atomic(dir.file("src/cut.mp4"), full.substr(0, full.size() * 4 / 10));
  write_file_atomic(dir.file("src/empty.mp4"), "");
  write_file_atomic(dir.file("src/notes.mp4"), "not a video\n");
  const std::vector<std::string> names = {"good.mp4", "cut.mp4", "empty.mp4", "notes.mp4", "missing.mp4"};
  const auto result = prepare_dataset(request_for(dir, names, "retry 1"));
  EXPECT_EQ(result.run.prepared, 1);
  ASSERT_EQ(result.run.bad.size(), 4u);
  for (const auto& bad : result.run.bad) EXPECT_EQ(bad.failures, 2) << bad.path;  // retry 1: two reads each
  EXPECT_EQ(read_file(dir.file("out/train.txt")), "good.mp4 0\n");
  EXPECT_EQ(result.lists[0].dropped, 4);
  const auto provenance = nlohmann::json::parse(read_file(dir.file("out/provenance.json")));
  EXPECT_EQ(provenance["bad_files"].size(), 4u);
  EXPECT_EQ(provenance["settings"]["key"], request_for(dir, {}).settings.key());
  for (const char* name : {"cut.mp4", "empty.mp4", "notes.mp4", "missing.mp4"}) {
    EXPECT_FALSE(fs::exists(dir.file(std::string("out/videos/") + name))) << name;
  }

  try {
    prepare_dataset(request_for(dir, {"good.mp4", "cut.mp4"}, "raise"));
    FAIL() << "raise must stop on cut.mp4";
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find("list.txt:2"), std::string::npos) << e.what();
  }
}

TEST(DataPrepareTest, AFailingOutputStopsTheRunWhateverThePolicy) {
  SFAR_REQUIRE_FFMPEG_CLI();
  test::TempDir dir;
  make_clip(dir, "src/a.mp4", "160x120", 12);
  // A folder where the prepared file must go: the rename fails, as a full disk would fail.
  fs::create_directories(dir.file("out/videos/a.mp4/inside"));
  EXPECT_THROW(prepare_dataset(request_for(dir, {"a.mp4"}, "skip")), PrepareOutputError);
  EXPECT_FALSE(fs::exists(dir.file("out/train.txt")));
}

TEST(DataPrepareTest, RefusesPathsThatCollideOrLeaveTheRoot) {
  const auto request = [](const std::vector<std::string>& names) {
    PrepareDatasetRequest r;
    r.out = "/tmp/x";
    PrepareListInput list{"train", "list.txt", {}};
    for (const auto& n : names) list.records.push_back(VideoRecord{n, {0}, -1, 0, -1, "list.txt:" + n});
    r.lists.push_back(list);
    return r;
  };
  EXPECT_THROW(plan_prepare_jobs(request({"a.avi", "a.mp4"})), ArgumentError);
  EXPECT_THROW(plan_prepare_jobs(request({"../a.mp4"})), ArgumentError);
  EXPECT_EQ(plan_prepare_jobs(request({"a.mp4", "a.mp4", "/abs/b.webm"})).size(), 2u);
  EXPECT_EQ(prepared_output_path("/abs/b.webm", "/o", PrepareSettings{}, "x"), "/o/abs/abs/b.mp4");
}

// The shared real clips (extra suite): every frame of each prepared clip against the source's
// decode at the same size, with the defaults at short side 256 (the NTU clip is 1080p).
TEST(DataPrepareTest, RealDataFidelityOfTheDefaults) {
  SFAR_REQUIRE_DATA(first, "videos/mmaction2_demo.mp4");
  test::TempDir dir;
  for (const char* name : {"mmaction2_demo.mp4", "mmaction2_test.mp4", "mmaction2_test.avi",
                           "mmaction2_ntu_S001C001P001R001A001_rgb.avi", "mmaction2_demo_vp9.webm"}) {
    const std::string source = test::data_path(std::string("videos/") + name);
    for (const auto codec : {PrepareCodec::kH264, PrepareCodec::kMjpeg}) {
      PrepareSettings settings;
      settings.codec = codec;
      const std::string out = dir.file(std::string(name) + settings.extension());
      const auto v = prepare_video(source, out, settings);
      const int side = static_cast<int>(std::min(v.width, v.height));
      const Difference d = compare_with_source(source, out, side == std::min(v.source_width, v.source_height) ? 0 : side);
      std::printf("[fidelity] %s %s: %lldx%lld, mean |diff| %.3f, max %d\n", name,
                  entry_of(prepare_codecs(), codec).name, static_cast<long long>(v.width),
                  static_cast<long long>(v.height), d.mean, d.max);
      EXPECT_LT(d.mean, 3.0) << name;
      EXPECT_LT(d.max, 128) << name;
    }
  }
}

TEST(DataPrepareTest, RemovesTemporariesAKilledRunLeft) {
  test::TempDir dir;
  write_file_atomic(dir.file("videos/.a.mp4.tmp123_4.mp4"), "half");
  write_file_atomic(dir.file("videos/sub/.a.mp4.prepared.json.tmp99"), "half");
  write_file_atomic(dir.file("videos/a.mp4"), "kept");
  EXPECT_EQ(remove_stale_temporaries(dir.file("videos")), 2);
  EXPECT_TRUE(fs::exists(dir.file("videos/a.mp4")));
}

// A prepared copy holds frames at its own short side. A run asking for more (or for the native
// size) would get them upscaled in silence, so the data.yaml records the size and the loader
// refuses, naming the key; asking for less is a plain downscale.
TEST(DataPrepareTest, PreparedCopyRefusesALargerShortSide) {
  SFAR_REQUIRE_FFMPEG_CLI();
  test::TempDir dir;
  make_clip(dir, "src/a.mp4", "160x120", 12);
  auto request = request_for(dir, {"a.mp4"});
  request.settings.short_side = 63;  // rounded up to even: the videos are 64 high
  prepare_dataset(request);
  const std::string yaml = dir.file("out/data.yaml");
  EXPECT_NE(read_file(yaml).find("prepared_short_side: 64"), std::string::npos) << read_file(yaml);
  const auto dataset_at = [&](const std::string& short_side) {
    const DataConfig config = load_data_config({yaml}, {"data.short_side=" + short_side});
    return make_video_dataset(config, load_records(config, {}), SampleMode::kTrain, 0);
  };
  EXPECT_EQ(dataset_at("64")->size(), 1);
  EXPECT_EQ(dataset_at("48")->size(), 1);
  for (const std::string larger : {"96", "0"}) {
    try {
      dataset_at(larger);
      ADD_FAILURE() << "short_side " << larger << " on a copy prepared at 64 was accepted";
    } catch (const ConfigError& e) {
      const std::string what = e.what();
      EXPECT_NE(what.find("data.short_side"), std::string::npos) << what;
      EXPECT_NE(what.find("64"), std::string::npos) << what;
    }
  }
}

}  // namespace
}  // namespace sfar::data
