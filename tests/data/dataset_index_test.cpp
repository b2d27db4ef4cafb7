// `sfar data index`'s library: class folders and CSVs of the user's own videos to lists, the
// class file and data.yaml, with a seeded per-class split. Video files here are empty stand-ins:
// indexing goes by name and extension and never decodes.
#include "sfar/data/dataset_index.h"

#include <gtest/gtest.h>

#include <fstream>

#include "sfar/core/atomic_file.h"
#include "sfar/core/error.h"
#include "sfar/data/video_list.h"
#include "support/test_data.h"

namespace sfar::data {
namespace {

namespace fs = std::filesystem;

void touch(const fs::path& path) {
  fs::create_directories(path.parent_path());
  std::ofstream(path) << "";
}

// a/ 5 videos, b/ 2 (one in a nested folder, one .MOV), c/ 1; plus files that are not videos.
void make_class_folders(const fs::path& root) {
  for (int i = 0; i < 5; ++i) touch(root / "a" / ("a" + std::to_string(i) + ".mp4"));
  touch(root / "b" / "takes" / "b0.avi");
  touch(root / "b" / "b 1.MOV");
  touch(root / "c" / "c0.webm");
  touch(root / "a" / "notes.txt");
  touch(root / "a" / ".hidden.mp4");
  touch(root / ".cache" / "x.mp4");
  touch(root / "README.md");
}

std::vector<std::string> paths(const std::vector<IndexedVideo>& videos) {
  std::vector<std::string> out;
  for (const auto& v : videos) out.push_back(v.path);
  return out;
}

TEST(DatasetIndex, ClassFoldersGiveSortedClassesAndAStratifiedSplit) {
  test::TempDir dir;
  make_class_folders(dir.path());
  const auto index = index_class_folders(dir.path().string(), {0.2, 7});
  EXPECT_EQ(index.classes, (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(index.skipped, (std::vector<std::string>{"a/notes.txt"}));
  ASSERT_EQ(index.train.size() + index.val.size(), 8u);
  std::vector<int> val_per_class(3, 0), train_per_class(3, 0);
  for (const auto& v : index.val) ++val_per_class[v.label];
  for (const auto& v : index.train) ++train_per_class[v.label];
  // a: round(5 * 0.2) = 1; b: round(0.4) = 0, raised to 1 so that val sees the class; c: its only
  // video stays in train.
  EXPECT_EQ(val_per_class, (std::vector<int>{1, 1, 0}));
  EXPECT_EQ(train_per_class, (std::vector<int>{4, 1, 1}));
  for (const auto* split : {&index.train, &index.val}) {
    for (const auto& v : *split) EXPECT_EQ(v.path.substr(0, 1), index.classes[v.label]) << v.path;
  }
}

// Folder names go into the prompts as words; --keep-names keeps them; two folders that give
// one name are an error naming both (#32).
TEST(DatasetIndex, FolderNamesBecomeClassNamesInWords) {
  EXPECT_EQ(class_name_from_folder("mandelbrot_zoom"), "mandelbrot zoom");
  EXPECT_EQ(class_name_from_folder("_slow__pan_"), "slow pan");
  EXPECT_EQ(class_name_from_folder("arm wrestling"), "arm wrestling");
  EXPECT_EQ(class_name_from_folder("___"), "___");
  test::TempDir dir;
  touch(dir.path() / "mandelbrot_zoom" / "a.mp4");
  touch(dir.path() / "air_drumming" / "b.mp4");
  EXPECT_EQ(index_class_folders(dir.path().string(), {}).classes,
            (std::vector<std::string>{"air drumming", "mandelbrot zoom"}));
  DatasetIndexOptions keep;
  keep.keep_folder_names = true;
  EXPECT_EQ(index_class_folders(dir.path().string(), keep).classes,
            (std::vector<std::string>{"air_drumming", "mandelbrot_zoom"}));
  touch(dir.path() / "mandelbrot zoom" / "c.mp4");
  try {
    index_class_folders(dir.path().string(), {});
    FAIL() << "two folders named one class";
  } catch (const ArgumentError& e) {
    EXPECT_NE(std::string(e.what()).find("mandelbrot zoom"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("mandelbrot_zoom"), std::string::npos) << e.what();
  }
  EXPECT_EQ(index_class_folders(dir.path().string(), keep).classes.size(), 3u);
}

TEST(DatasetIndex, TheSplitDependsOnlyOnTheSeed) {
  test::TempDir dir;
  make_class_folders(dir.path());
  const auto first = index_class_folders(dir.path().string(), {0.4, 3});
  const auto again = index_class_folders(dir.path().string(), {0.4, 3});
  EXPECT_EQ(paths(first.val), paths(again.val));
  EXPECT_EQ(paths(first.train), paths(again.train));
  bool some_seed_differs = false;
  for (std::uint64_t seed = 4; seed < 12 && !some_seed_differs; ++seed) {
    some_seed_differs = paths(index_class_folders(dir.path().string(), {0.4, seed}).val) != paths(first.val);
  }
  EXPECT_TRUE(some_seed_differs);
}

TEST(DatasetIndex, AnEmptyClassFolderOrASingleClassIsAnErrorNamingTheFolder) {
  test::TempDir dir;
  make_class_folders(dir.path());
  fs::create_directories(dir.path() / "d_empty");
  touch(dir.path() / "d_empty" / "list.txt");
  try {
    index_class_folders(dir.path().string(), {});
    FAIL() << "expected an error";
  } catch (const ArgumentError& e) {
    EXPECT_NE(std::string(e.what()).find("d_empty"), std::string::npos) << e.what();
  }
  test::TempDir one;
  touch(one.path() / "only" / "x.mp4");
  EXPECT_THROW(index_class_folders(one.path().string(), {}), ArgumentError);
  EXPECT_THROW(index_class_folders(one.file("missing"), {}), IoError);
  EXPECT_THROW(index_class_folders(dir.path().string(), {1.0, 0}), ArgumentError);
}

TEST(DatasetIndex, CsvRowsNameClassesByTextWithQuotesAndAHeader) {
  test::TempDir dir;
  make_class_folders(dir.path());
  const std::string absolute = (dir.path() / "c" / "c0.webm").string();
  const std::string csv = dir.file("videos.csv");
  write_file_atomic(csv, "path,label\na/a0.mp4,jump\na/a1.mp4,jump\n\"b/b 1.MOV\",\"turn, then sit\"\n" + absolute +
                             ",turn, then sit\nb/takes/b0.avi,\"turn, then sit\"\n");
  EXPECT_THROW(index_csv(csv, dir.path().string(), {}), FormatError);  // row 5: three fields
  write_file_atomic(csv, "path,label\na/a0.mp4,jump\na/a1.mp4,jump\n\"b/b 1.MOV\",\"turn, then sit\"\n" + absolute +
                             ",\"turn, then sit\"\n");
  const auto index = index_csv(csv, dir.path().string(), {0.5, 0});
  EXPECT_EQ(index.classes, (std::vector<std::string>{"jump", "turn, then sit"}));
  EXPECT_EQ(index.train.size(), 2u);
  EXPECT_EQ(index.val.size(), 2u);
}

TEST(DatasetIndex, CsvErrorsNameTheFileLineOrVideo) {
  test::TempDir dir;
  make_class_folders(dir.path());
  const std::string csv = dir.file("videos.csv");
  write_file_atomic(csv, "a/a0.mp4,jump\na/nope.mp4,jump\n");
  try {
    index_csv(csv, dir.path().string(), {});
    FAIL() << "expected an error";
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find("nope.mp4"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("videos.csv:2"), std::string::npos) << e.what();
  }
  write_file_atomic(csv, "a/a0.mp4,jump\na/a0.mp4,sit\n");
  EXPECT_THROW(index_csv(csv, dir.path().string(), {}), FormatError);  // listed twice
  write_file_atomic(csv, "a/a0.mp4,\"jump\n");
  EXPECT_THROW(index_csv(csv, dir.path().string(), {}), FormatError);  // unclosed quote
  EXPECT_THROW(index_csv(dir.file("none.csv"), dir.path().string(), {}), IoError);
}

TEST(DatasetIndex, WrittenFilesReadBackAndAreNeverOverwrittenSilently) {
  test::TempDir dir;
  make_class_folders(dir.path() / "videos");
  const auto index = index_class_folders((dir.path() / "videos").string(), {0.2, 0});
  const std::string out = dir.file("index");
  write_dataset_index(index, (dir.path() / "videos").string(), out, false);
  const auto train = read_video_list(out + "/train.txt", VideoListFormat::kPathLabel, {index.classes});
  const auto val = read_video_list(out + "/val.txt", VideoListFormat::kPathLabel, {index.classes});
  ASSERT_EQ(train.size(), index.train.size());
  ASSERT_EQ(val.size(), index.val.size());
  for (std::size_t i = 0; i < train.size(); ++i) {
    EXPECT_EQ(train[i].path, index.train[i].path);  // "b/b 1.MOV": the label splits on the last space
    EXPECT_EQ(train[i].labels, std::vector<std::int64_t>{index.train[i].label});
  }
  EXPECT_EQ(read_file(out + "/classes.csv"), "0,a\n1,b\n2,c\n");
  const std::string yaml = read_file(out + "/data.yaml");
  EXPECT_NE(yaml.find("root: \"" + fs::absolute(dir.path() / "videos").lexically_normal().string() + "\""),
            std::string::npos) << yaml;
  EXPECT_NE(yaml.find("list: \"" + out + "/val.txt\""), std::string::npos) << yaml;
  EXPECT_THROW(write_dataset_index(index, (dir.path() / "videos").string(), out, false), ArgumentError);
  EXPECT_NO_THROW(write_dataset_index(index, (dir.path() / "videos").string(), out, true));
}

}  // namespace
}  // namespace sfar::data
