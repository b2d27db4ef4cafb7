// config_lists (config_lists.h): every list a run config names, as `sfar data check -c` checks them.
#include "sfar/recipes/config_lists.h"

#include <gtest/gtest.h>

#include "sfar/core/atomic_file.h"
#include "sfar/core/error.h"
#include "support/test_data.h"

namespace sfar::recipes {
namespace {

TEST(ConfigLists, EveryListTheConfigNamesOnceWithItsRootLabelsAndFormat) {
  test::TempDir dir;
  const std::string root = dir.file("data"), target = dir.file("target");
  for (const char* f : {"data/train.txt", "data/val.txt", "data/val2.txt", "data/classes.csv", "target/test.txt",
                        "target/classes.csv"}) {
    write_file_atomic(dir.file(f), "");
  }
  write_file_atomic(dir.file("run.yaml"),
                    "data: {root: " + root + ", list: train.txt, labels: classes.csv}\n"
                    "eval: {list: val.txt}\n"
                    "protocol:\n"
                    "  few_shot: {list_pattern: 'train_{K}.txt', eval_lists: [val.txt, val2.txt]}\n"
                    "  zero_shot:\n"
                    "    targets: [{name: t, root: " + target + ", list: test.txt, labels: classes.csv, format: slowfast_csv}]\n");
  const auto lists = config_lists({dir.file("run.yaml")});
  ASSERT_EQ(lists.size(), 4u);  // val.txt once; the {K} pattern is written per run
  EXPECT_EQ(lists[0].key, "data.list");
  EXPECT_EQ(lists[0].data.list, root + "/train.txt");
  EXPECT_EQ(lists[1].key, "eval.list");
  EXPECT_EQ(lists[1].data.list, root + "/val.txt");
  EXPECT_EQ(lists[2].key, "protocol.few_shot.eval_lists[1]");
  EXPECT_EQ(lists[2].data.list, root + "/val2.txt");
  EXPECT_EQ(lists[2].data.labels, root + "/classes.csv");
  EXPECT_EQ(lists[3].key, "protocol.zero_shot.targets[0].list");
  EXPECT_EQ(lists[3].data.root, target);
  EXPECT_EQ(lists[3].data.list, target + "/test.txt");
  EXPECT_EQ(lists[3].data.labels, target + "/classes.csv");
  EXPECT_EQ(lists[3].data.format, data::parse_video_list_format("slowfast_csv"));

  // A data section alone is enough; none is an error naming the file.
  write_file_atomic(dir.file("data.yaml"), "data: {root: " + root + ", list: train.txt}\n");
  EXPECT_EQ(config_lists({dir.file("data.yaml")}).size(), 1u);
  write_file_atomic(dir.file("none.yaml"), "run: {seed: 1}\n");
  EXPECT_THROW(config_lists({dir.file("none.yaml")}), ConfigError);
}

}  // namespace
}  // namespace sfar::recipes
