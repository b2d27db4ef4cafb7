// The JSON lines `sfar data index`, `sfar bench data` and `sfar data prepare` print, built by
// the library from its results.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "sfar/data/data_prepare_config.h"
#include "sfar/data/dataset_index.h"
#include "sfar/data/loader_bench.h"

namespace sfar::data {
namespace {

TEST(DataSummaries, IndexCountsVideosPerClassOverBothSplits) {
  DatasetIndex index;
  index.classes = {"a", "b", "c"};
  index.train = {{"a/1.mp4", 0}, {"a/2.mp4", 0}, {"b/1.mp4", 1}};
  index.val = {{"a/3.mp4", 0}, {"c/1.mp4", 2}};
  index.skipped = {"a/notes.txt"};
  const auto line = nlohmann::json::parse(dataset_index_summary_json(index, 7, "out"));
  EXPECT_EQ(line["command"], "data index");
  EXPECT_EQ(line["classes"], 3);
  EXPECT_EQ(line["train"], 3);
  EXPECT_EQ(line["val"], 2);
  EXPECT_EQ(line["videos_per_class"]["min"], 1);  // c has only a val video: counting train alone gives 0
  EXPECT_EQ(line["videos_per_class"]["max"], 3);
  EXPECT_EQ(line["skipped_not_video"].get<std::vector<std::string>>(), std::vector<std::string>{"a/notes.txt"});
  EXPECT_EQ(line["seed"], 7);
  EXPECT_EQ(line["config"], "out/data.yaml");
  EXPECT_EQ(nlohmann::json::parse(dataset_index_summary_json({}, 0, "o"))["videos_per_class"]["max"], 0);
  index.val.push_back({"d/1.mp4", 3});  // a label past the classes is refused, never counted elsewhere
  EXPECT_ANY_THROW(dataset_index_summary_json(index, 0, "out"));
}

TEST(DataSummaries, LoaderBenchSizingIsPerCoreAndRoundsCoresUp) {
  LoaderBenchResult r;
  r.clips = 160;
  r.clips_per_s = 30.0;
  const auto line = nlohmann::json::parse(loader_bench_json("given", r, 1.5, 4, 50.0));
  EXPECT_EQ(line["set"], "given");
  EXPECT_EQ(line["clips"], 160);
  EXPECT_DOUBLE_EQ(line["target_speedup"].get<double>(), 1.5);
  EXPECT_DOUBLE_EQ(line["clips_per_s_per_core"].get<double>(), 7.5);
  EXPECT_EQ(line["cores_needed"], 7);  // 50 / 7.5 = 6.67 cores: 7, never 6
  EXPECT_DOUBLE_EQ(line["step_rate"].get<double>(), 50.0);

  const auto unsized = nlohmann::json::parse(loader_bench_json("given", r, 1.5, 0, 0.0));
  EXPECT_DOUBLE_EQ(unsized["clips_per_s_per_core"].get<double>(), 30.0);  // 0 workers count as 1
  EXPECT_FALSE(unsized.contains("cores_needed"));
  r.clips_per_s = 0.0;
  EXPECT_EQ(nlohmann::json::parse(loader_bench_json("given", r, 1.5, 1, 10.0))["cores_needed"], -1);
}

TEST(DataSummaries, PrepareSizeRatioIsPreparedOverSource) {
  PrepareDatasetRequest request;
  PrepareDatasetResult result;
  result.videos = 2;
  result.source_bytes = 400;
  result.prepared_bytes = 100;
  result.lists.push_back({"train", "out/train.txt", 2, 1, 1});
  result.run.bad.push_back({"b.mp4", "no video stream"});
  const auto line = nlohmann::json::parse(prepare_summary_json(request, result));
  EXPECT_EQ(line["command"], "data prepare");
  EXPECT_DOUBLE_EQ(line["size_ratio"].get<double>(), 0.25);
  EXPECT_EQ(line["lists"][0]["dropped"], 1);
  EXPECT_EQ(line["bad"][0]["reason"], "no video stream");
  result.source_bytes = 0;
  EXPECT_DOUBLE_EQ(nlohmann::json::parse(prepare_summary_json(request, result))["size_ratio"].get<double>(), 0.0);
}

}  // namespace
}  // namespace sfar::data
