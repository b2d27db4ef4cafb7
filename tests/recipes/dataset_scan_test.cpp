// The dry run's dataset scan: which listed videos are missing or empty.
#include <gtest/gtest.h>

#include <filesystem>

#include "sfar/core/atomic_file.h"
#include "sfar/recipes/dataset_scan.h"
#include "support/test_data.h"

namespace sfar::recipes {
namespace {

namespace fs = std::filesystem;

TEST(DatasetScan, CountsMissingAndEmptyFiles) {
  test::TempDir dir;
  write_file_atomic(dir.file("a.mp4"), "not really a video, but not empty");
  write_file_atomic(dir.file("empty.mp4"), "");
  fs::create_directories(dir.file("frames_empty"));
  fs::create_directories(dir.file("frames"));
  write_file_atomic(dir.file("frames/img_00001.jpg"), "x");
  std::vector<data::VideoRecord> records(6);
  const char* paths[] = {"a.mp4", "gone.mp4", "empty.mp4", "frames_empty", "frames", "gone2.mp4"};
  for (int i = 0; i < 6; ++i) {
    records[i].path = paths[i];
    records[i].origin = "list.txt:" + std::to_string(i + 1);
  }
  records[4].path = dir.file("frames");  // absolute paths stay
  const auto scan = scan_list_files(records, dir.path().string(), "list.txt", 2);
  EXPECT_EQ(scan.videos, 6);
  EXPECT_EQ(scan.present, 2);
  EXPECT_EQ(scan.missing, 2);
  EXPECT_EQ(scan.empty, 2);
  EXPECT_FALSE(scan.ok());
  ASSERT_EQ(scan.bad.size(), 2u);  // capped
  EXPECT_EQ(scan.bad[0], "gone.mp4 (missing, list.txt:2)");
  EXPECT_EQ(scan.bad[1], "empty.mp4 (empty, list.txt:3)");
  EXPECT_EQ(scan_summary(scan),
            "list.txt: 6 videos, 2 present, 2 missing, 2 empty (gone.mp4 (missing, list.txt:2); "
            "empty.mp4 (empty, list.txt:3); and 2 more)");
  records.resize(1);
  EXPECT_TRUE(scan_list_files(records, dir.path().string(), "list.txt").ok());
}

}  // namespace
}  // namespace sfar::recipes
