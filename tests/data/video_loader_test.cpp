#include <gtest/gtest.h>

#include <chrono>
#include <set>
#include <thread>

#include "sfar/core/error.h"
#include "sfar/data/video_loader.h"
#include "video_data_fixture.h"

namespace sfar::data {
namespace {

// Random crops and flips, so that reproducibility is tested on random choices, not constants.
std::shared_ptr<VideoDataset> train_dataset(std::vector<VideoRecord> records, const std::string& root,
                                            const std::string& policy = "skip") {
  VideoDatasetOptions options;
  options.root = root;
  options.short_side = 48;
  options.bad_files = parse_bad_file_policy(policy);
  options.seed = 11;
  TransformSpec crop;
  crop.type = TransformType::kRandomResizedCrop;
  crop.size = 32;
  TransformSpec flip;
  flip.type = TransformType::kFlip;
  return std::make_shared<VideoDataset>(std::move(records), make_frame_sampler("segment", 4, 1, 1),
                                        make_clip_pipeline({crop, flip}), options);
}

std::vector<VideoBatch> run_epoch(VideoLoader& loader, std::uint64_t epoch) {
  loader.start_epoch(epoch);
  std::vector<VideoBatch> out;
  while (auto batch = loader.next()) out.push_back(std::move(*batch));
  return out;
}

std::vector<VideoRecord> mixed_records(const test::VideoDataFixture& fx) {
  auto records = fx.good;
  records.push_back(fx.bad[0]);
  records.push_back(fx.good[0]);
  records.push_back(fx.bad[2]);
  return records;  // 7 samples, 2 bad
}

TEST(VideoLoader, SameBatchesWithOneOrThreeWorkers) {
  SFAR_REQUIRE_VIDEO_FIXTURE(fx);
  const auto records = mixed_records(fx);
  VideoLoaderOptions options;
  options.batch_size = 3;
  options.seed = 5;
  options.workers = 1;
  VideoLoader one(train_dataset(records, fx.dir.path().string()), options);
  options.workers = 3;
  VideoLoader three(train_dataset(records, fx.dir.path().string()), options);
  for (std::uint64_t epoch = 0; epoch < 2; ++epoch) {
    const auto a = run_epoch(one, epoch), b = run_epoch(three, epoch);
    ASSERT_EQ(a.size(), 3u);
    ASSERT_EQ(b.size(), 3u);
    for (std::size_t k = 0; k < a.size(); ++k) {
      EXPECT_EQ(a[k].indices, b[k].indices);
      EXPECT_EQ(a[k].source_indices, b[k].source_indices);
      EXPECT_TRUE(torch::equal(a[k].clips, b[k].clips)) << "epoch " << epoch << " batch " << k;
      EXPECT_TRUE(torch::equal(a[k].labels, b[k].labels));
    }
    EXPECT_EQ(a[0].clips.sizes(), (std::vector<std::int64_t>{3, 1, 4, 3, 32, 32}));
    EXPECT_EQ(a[2].clips.size(0), 1);  // 7 = 3 + 3 + 1
  }
  // Epochs differ (shuffle and augmentation both depend on the epoch).
  const auto e0 = run_epoch(one, 0), e1 = run_epoch(one, 1);
  EXPECT_FALSE(e0[0].indices == e1[0].indices && torch::equal(e0[0].clips, e1[0].clips));
  EXPECT_EQ(three.dataset().bad_files().distinct_count(), 2);
}

TEST(VideoLoader, ShardsAreDisjointAndCoverTheDataset) {
  SFAR_REQUIRE_VIDEO_FIXTURE(fx);
  std::vector<VideoRecord> records;
  for (int k = 0; k < 10; ++k) records.push_back(fx.good[static_cast<std::size_t>(k % 4)]);
  auto ds = train_dataset(records, fx.dir.path().string());
  std::multiset<std::int64_t> seen;
  for (std::int64_t rank = 0; rank < 3; ++rank) {
    VideoLoaderOptions options;
    options.rank = rank;
    options.world_size = 3;
    options.batch_size = 2;
    options.workers = 2;
    VideoLoader loader(ds, options);
    const auto shard = loader.shard_indices(4);
    EXPECT_EQ(shard.size(), rank == 0 ? 4u : 3u);
    std::vector<std::int64_t> served;
    for (const auto& batch : run_epoch(loader, 4)) served.insert(served.end(), batch.indices.begin(), batch.indices.end());
    EXPECT_EQ(served, shard);
    seen.insert(shard.begin(), shard.end());
  }
  ASSERT_EQ(seen.size(), 10u);
  for (std::int64_t i = 0; i < 10; ++i) EXPECT_EQ(seen.count(i), 1u) << "sample " << i;
}

TEST(VideoLoader, DropLastAndMultiHotLabels) {
  SFAR_REQUIRE_VIDEO_FIXTURE(fx);
  auto records = fx.good;
  records[1].labels = {0, 4};
  VideoLoaderOptions options;
  options.batch_size = 3;
  options.drop_last = true;
  options.num_classes = 5;
  options.shuffle = false;
  VideoLoader loader(train_dataset(records, fx.dir.path().string()), options);
  EXPECT_EQ(loader.batches_per_epoch(), 1);
  const auto batches = run_epoch(loader, 0);
  ASSERT_EQ(batches.size(), 1u);
  EXPECT_EQ(batches[0].indices, (std::vector<std::int64_t>{0, 1, 2}));
  const auto expected = torch::tensor({1.f, 0.f, 0.f, 0.f, 0.f, 1.f, 0.f, 0.f, 0.f, 1.f, 0.f, 0.f, 1.f, 0.f, 0.f})
                            .view({3, 5});
  EXPECT_TRUE(torch::equal(batches[0].labels, expected)) << batches[0].labels;
}

TEST(VideoLoader, RaisePolicyErrorReachesTheConsumerNamingTheFile) {
  SFAR_REQUIRE_VIDEO_FIXTURE(fx);
  VideoLoaderOptions options;
  options.batch_size = 1;
  options.shuffle = false;
  options.workers = 3;
  VideoLoader loader(train_dataset(mixed_records(fx), fx.dir.path().string(), "raise"), options);
  std::int64_t good = 0;
  try {
    while (loader.next()) ++good;
    FAIL() << "expected an error";
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find(fx.dir.file("missing.mp4")), std::string::npos) << e.what();
  }
  EXPECT_EQ(good, 4);
  // The destructor joins workers still busy with later samples.
}

TEST(VideoLoader, PrefetchBoundsTheSamplesInMemory) {
  SFAR_REQUIRE_VIDEO_FIXTURE(fx);
  std::vector<VideoRecord> records;
  for (int k = 0; k < 12; ++k) records.push_back(fx.good[static_cast<std::size_t>(k % 4)]);
  VideoLoaderOptions options;
  options.batch_size = 1;
  options.workers = 3;
  options.prefetch = 2;
  VideoLoader loader(train_dataset(records, fx.dir.path().string()), options);
  ASSERT_TRUE(loader.next());
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  // One batch taken, at most two more built ahead.
  EXPECT_LE(loader.dataset().timings().clips, 3);
  EXPECT_GE(loader.dataset().timings().clips, 2);
}

TEST(VideoLoader, RejectsBadOptions) {
  SFAR_REQUIRE_VIDEO_FIXTURE(fx);
  auto ds = train_dataset(fx.good, fx.dir.path().string());
  VideoLoaderOptions options;
  options.rank = 2;
  options.world_size = 2;
  try {
    VideoLoader loader(ds, options);
    FAIL();
  } catch (const ArgumentError& e) {
    EXPECT_NE(std::string(e.what()).find("rank"), std::string::npos);
  }
}

}  // namespace
}  // namespace sfar::data
