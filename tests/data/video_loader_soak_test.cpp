// Soak test of the loader: 4 workers read clips of mixed sizes and codecs (one in 20 corrupt,
// skipped by policy) for several epochs. Memory must stay flat after the first epoch and no
// file descriptor may leak. CI runs it scaled down (200 clips, 2 epochs); the full run is
//
//   SFAR_SOAK_CLIPS=2000 SFAR_SOAK_EPOCHS=4 build/tests/data/sfar_data_tests --gtest_filter='VideoLoaderSoak.*'
//
// Bound: resident memory after the last epoch at most kRssGrowthBoundMb above what it was after
// the first (the first epoch sets up FFmpeg's and LibTorch's pools and thread caches). Under
// AddressSanitizer freed memory sits in quarantine, so only descriptors are checked there.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "sfar/data/video_list.h"
#include "sfar/data/video_loader.h"
#include "support/test_data.h"

namespace sfar::data {
namespace {

constexpr double kRssGrowthBoundMb = 64.0;

#if defined(__SANITIZE_ADDRESS__)
constexpr bool kSanitized = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool kSanitized = true;
#else
constexpr bool kSanitized = false;
#endif
#else
constexpr bool kSanitized = false;
#endif

std::int64_t env_or(const char* name, std::int64_t fallback) {
  const char* value = std::getenv(name);
  return value && *value ? std::atoll(value) : fallback;
}

std::int64_t open_descriptors() {
  std::int64_t n = 0;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) {
    (void)entry;
    ++n;
  }
  return n;
}

double rss_mb() {
  std::ifstream status("/proc/self/status");
  std::string key;
  double kb = 0;
  while (status >> key) {
    if (key == "VmRSS:") {
      status >> kb;
      break;
    }
    status.ignore(1 << 12, '\n');
  }
  return kb / 1024.0;
}

TEST(VideoLoaderSoak, FourWorkersManyEpochsKeepMemoryFlatAndLeakNoDescriptors) {
  if (std::system("ffmpeg -version > /dev/null 2>&1") != 0) GTEST_SKIP() << "ffmpeg command not installed";
  const std::int64_t clips = env_or("SFAR_SOAK_CLIPS", 200), epochs = std::max<std::int64_t>(2, env_or("SFAR_SOAK_EPOCHS", 2));
  const std::int64_t workers = env_or("SFAR_SOAK_WORKERS", 4);
  test::TempDir dir;
  const std::string make = test::source_dir() + "/scripts/make_test_clips.sh " + std::to_string(clips) + " " +
                           dir.path().string() + " > /dev/null";
  ASSERT_EQ(std::system(make.c_str()), 0) << make;
  auto records = read_video_list(dir.file("list.txt"), VideoListFormat::kPathLabel);
  ASSERT_EQ(static_cast<std::int64_t>(records.size()), clips);

  const std::int64_t fds_before = open_descriptors();
  double rss_first = 0, rss_last = 0;
  std::int64_t samples = 0, bad = 0;
  const auto start = std::chrono::steady_clock::now();
  {
    VideoDatasetOptions options;
    options.root = dir.path().string();
    options.short_side = 40;
    options.bad_files = parse_bad_file_policy("skip");
    TransformSpec crop;
    crop.type = TransformType::kRandomResizedCrop;
    crop.size = 32;
    auto dataset = std::make_shared<VideoDataset>(std::move(records), make_frame_sampler("segment", 4, 1, 1),
                                                  make_clip_pipeline({crop}), options);
    VideoLoaderOptions loader_options;
    loader_options.batch_size = 8;
    loader_options.workers = workers;
    VideoLoader loader(dataset, loader_options);
    for (std::int64_t epoch = 0; epoch < epochs; ++epoch) {
      loader.start_epoch(static_cast<std::uint64_t>(epoch));
      while (auto batch = loader.next()) {
        ASSERT_EQ(batch->clips.size(2), 4);
        samples += batch->clips.size(0);
      }
      (epoch == 0 ? rss_first : rss_last) = rss_mb();
    }
    bad = dataset->bad_files().distinct_count();
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const std::int64_t fds_after = open_descriptors();
  std::cout << "soak: " << clips << " clips x " << epochs << " epochs, " << workers << " workers, " << samples
            << " samples in " << seconds << " s; bad files " << bad << "; RSS after epoch 1 " << rss_first
            << " MB, after the last " << rss_last << " MB; descriptors " << fds_before << " -> " << fds_after
            << std::endl;
  EXPECT_EQ(samples, clips * epochs);  // bad files replaced by good ones (skip policy)
  // One in twenty is made corrupt, a fifth of those by truncation; a truncated Matroska clip
  // whose remaining frames decode is read as a shorter clip (Matroska records no frame count
  // to contradict), so those may count as good.
  EXPECT_LE(bad, clips / 20);
  EXPECT_GE(bad, clips / 20 - clips / 100);
  EXPECT_EQ(fds_after, fds_before) << "file descriptors leaked";
  if (!kSanitized) EXPECT_LE(rss_last - rss_first, kRssGrowthBoundMb) << "memory grew epoch over epoch";
}

}  // namespace
}  // namespace sfar::data
