#include <gtest/gtest.h>

#include "sfar/core/error.h"
#include "sfar/data/video_dataset.h"
#include "sfar/io/video_reader.h"
#include "video_data_fixture.h"

namespace sfar::data {
namespace {

std::shared_ptr<VideoDataset> make_dataset(std::vector<VideoRecord> records, const std::string& root,
                                           const std::string& policy = "skip",
                                           SampleMode mode = SampleMode::kTrain, std::int64_t clips = 1) {
  VideoDatasetOptions options;
  options.root = root;
  options.mode = mode;
  options.short_side = 64;
  options.bad_files = parse_bad_file_policy(policy);
  options.seed = 7;
  TransformSpec crop;
  crop.type = TransformType::kCenterCrop;
  crop.size = 64;
  return std::make_shared<VideoDataset>(std::move(records), make_frame_sampler("segment", 8, 1, clips),
                                        make_clip_pipeline({crop}), options);
}

TEST(VideoDataset, SampleHoldsTheDecodedFramesTheSamplerChose) {
  SFAR_REQUIRE_VIDEO_FIXTURE(fx);
  VideoDatasetOptions options;
  options.root = fx.dir.path().string();
  options.mode = SampleMode::kTest;
  VideoDataset ds({fx.good[1]}, make_frame_sampler("segment", 8, 1, 1), make_clip_pipeline({}), options);
  const VideoSample s = ds.get(0, 0);
  ASSERT_EQ(s.clip.sizes(), (std::vector<std::int64_t>{1, 8, 3, 256, 340}));
  EXPECT_EQ(s.labels, fx.good[1].labels);
  EXPECT_EQ(s.path, fx.dir.file("h264_30fps.mp4"));
  // Test-mode TSN on 300 frames takes segment centres 18, 56, ...; compare with the reader.
  const auto clip = SegmentSampler({8, 1}).sample(300, SampleMode::kTest, 0).front();
  io::VideoReader reader(s.path);
  const auto frames = reader.read_frames(clip);
  for (std::size_t t = 0; t < frames.size(); ++t) {
    auto expected = torch::from_blob(const_cast<std::uint8_t*>(frames[t].data.data()), {256, 340, 3}, torch::kUInt8)
                        .permute({2, 0, 1}).to(torch::kFloat32).div(255.0);
    EXPECT_TRUE(torch::equal(s.clip[0][static_cast<std::int64_t>(t)], expected)) << "frame " << clip[t];
  }
}

TEST(VideoDataset, MultiViewTestGivesOneViewPerClip) {
  SFAR_REQUIRE_VIDEO_FIXTURE(fx);
  auto ds = make_dataset(fx.good, fx.dir.path().string(), "skip", SampleMode::kTest, 3);
  EXPECT_EQ(ds->get(2, 0).clip.sizes(), (std::vector<std::int64_t>{3, 8, 3, 64, 64}));
}

TEST(VideoDataset, FrameFolderRecords) {
  SFAR_REQUIRE_VIDEO_FIXTURE(fx);
  const std::string video = ::sfar::test::reference_path("videos/mpeg4_mp3.avi");
  std::filesystem::create_directory(fx.dir.path() / "frames");
  const std::string cmd = "ffmpeg -hide_banner -loglevel error -y -i " + video + " -frames:v 24 " +
                          fx.dir.file("frames/img_%05d.jpg") + " > /dev/null 2>&1";
  if (std::system(cmd.c_str()) != 0) GTEST_SKIP() << "ffmpeg command-line tool not available";
  VideoRecord r = test::VideoDataFixture::record("frames", 4);
  r.num_frames = 24;
  auto ds = make_dataset({r}, fx.dir.path().string(), "raise", SampleMode::kTest);
  const VideoSample s = ds->get(0, 0);
  EXPECT_EQ(s.clip.sizes(), (std::vector<std::int64_t>{1, 8, 3, 64, 64}));
  EXPECT_EQ(s.labels, std::vector<std::int64_t>{4});
  EXPECT_GT(s.clip.std().item<double>(), 0.01);  // real pictures, not blanks
}

TEST(VideoDataset, SkipReplacesEveryKindOfBadFileDeterministically) {
  SFAR_REQUIRE_VIDEO_FIXTURE(fx);
  auto records = fx.good;
  records.insert(records.end(), fx.bad.begin(), fx.bad.end());
  auto ds = make_dataset(records, fx.dir.path().string());
  for (std::int64_t i = 0; i < ds->size(); ++i) {
    const VideoSample a = ds->get(i, 3);
    EXPECT_EQ(a.index, i);
    EXPECT_LT(a.source_index, 4) << "sample " << i << " was served by a bad file";
    if (i >= 4) {
      EXPECT_NE(a.source_index, i);
      const VideoSample b = ds->get(i, 3);  // same (seed, epoch, index): same replacement
      EXPECT_EQ(b.source_index, a.source_index);
      EXPECT_TRUE(torch::equal(a.clip, b.clip));
    }
  }
  const auto bad = ds->bad_files().files();
  ASSERT_EQ(bad.size(), 4u);
  std::map<std::string, std::string> reasons;
  for (const auto& f : bad) {
    EXPECT_NE(f.reason.find(f.path), std::string::npos) << f.reason;
    reasons[std::filesystem::path(f.path).filename().string()] = f.reason;
  }
  EXPECT_NE(reasons["missing.mp4"].find("no such file"), std::string::npos) << reasons["missing.mp4"];
  EXPECT_NE(reasons["zero.mp4"].find("empty"), std::string::npos) << reasons["zero.mp4"];
  EXPECT_NE(reasons["cut.avi"].find("truncated"), std::string::npos) << reasons["cut.avi"];
  EXPECT_FALSE(reasons["notes.mp4"].empty());
  EXPECT_EQ(ds->bad_files().replacement_count(), 8);
  EXPECT_EQ(ds->bad_files().distinct_count(), 4);
}

TEST(VideoDataset, RaisePolicyNamesTheFile) {
  SFAR_REQUIRE_VIDEO_FIXTURE(fx);
  auto ds = make_dataset({fx.good[0], fx.bad[2]}, fx.dir.path().string(), "raise");
  try {
    ds->get(1, 0);
    FAIL() << "expected an error";
  } catch (const FormatError& e) {
    EXPECT_NE(std::string(e.what()).find(fx.dir.file("cut.avi")), std::string::npos) << e.what();
  }
  EXPECT_EQ(ds->bad_files().distinct_count(), 1);
}

TEST(VideoDataset, RetryReadsTheFileAgainThenSkips) {
  SFAR_REQUIRE_VIDEO_FIXTURE(fx);
  auto ds = make_dataset({fx.good[0], fx.bad[0]}, fx.dir.path().string(), "retry 2");
  EXPECT_EQ(ds->get(1, 0).source_index, 0);
  const auto bad = ds->bad_files().files();
  ASSERT_EQ(bad.size(), 1u);
  EXPECT_EQ(bad[0].failures, 3);
}

TEST(VideoDataset, PolicyParsing) {
  EXPECT_EQ(parse_bad_file_policy("retry 3").retries, 3);
  EXPECT_EQ(parse_bad_file_policy("raise").kind, BadFilePolicy::Kind::kRaise);
  EXPECT_EQ(to_string(parse_bad_file_policy("retry:2")), "retry 2");
  try {
    parse_bad_file_policy("ignore");
    FAIL();
  } catch (const ArgumentError& e) {
    EXPECT_NE(std::string(e.what()).find("ignore"), std::string::npos);
  }
}

TEST(VideoDataset, RestoredBadFilesAreKnownButNotRecordedAgain) {
  BadFileLog log;
  EXPECT_TRUE(log.record("a.mp4", "a.mp4: empty file (0 bytes)"));
  log.restore({{"a.mp4", "other reason", 5}, {"b.mp4", "b.mp4: no such file", 2}});
  EXPECT_TRUE(log.contains("b.mp4"));
  EXPECT_FALSE(log.record("b.mp4", "b.mp4: no such file"));  // known: not logged a second time
  const auto files = log.files();
  ASSERT_EQ(files.size(), 2u);
  EXPECT_EQ(files[0].reason, "a.mp4: empty file (0 bytes)");  // a recorded entry is kept
  EXPECT_EQ(files[0].failures, 1);
  EXPECT_EQ(files[1].failures, 3);
  EXPECT_EQ(log.distinct_count(), 2);
  EXPECT_EQ(log.failure_count(), 4);  // a: 1, b: 2 restored + 1
}

}  // namespace
}  // namespace sfar::data
