// `sfar info --config --flops`'s report (model_cost_report.h) on the tiny reference CLIP: the
// parts it counts are the parts the run's model builds, and bad counts are refused by name.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "sfar/core/error.h"
#include "sfar/method/video_head.h"
#include "sfar/recipes/model_cost_report.h"
#include "support/error_text.h"
#include "support/test_data.h"

namespace sfar::recipes {
namespace {

using Json = nlohmann::json;

ModelCostOptions tiny_options(const std::vector<std::string>& head) {
  ModelCostOptions options;
  options.overrides = {"model.arch=auto", "model.weights=" + test::tiny_clip_path(), "model.activation=quick_gelu",
                       "head.temporal_layers=1", "descriptions.cache=descriptions.json"};  // named, never read
  options.overrides.insert(options.overrides.end(), head.begin(), head.end());
  options.flops = true;
  options.classes = 3;
  options.text_tokens = 5;
  return options;
}

bool counts_part(const Json& report, const std::string& name) {
  for (const auto& part : report["flops_per_view"]["parts"]) {
    if (part["name"] == name) return part["gflops"].get<double>() > 0;
  }
  return false;
}

// mean with head.temporal runs the temporal transformer (its parameters are the head's): before
// #31 the cost left it out.
TEST(ModelCostReport, CountsTheTemporalTransformerTheModelRuns) {
  const Json plain = Json::parse(model_cost_report(tiny_options({"head.type=mean"})).json);
  const Json temporal = Json::parse(model_cost_report(tiny_options({"head.type=mean", "head.temporal=true"})).json);
  EXPECT_FALSE(counts_part(plain, "temporal transformer"));
  EXPECT_EQ(plain["parameters"]["head"], 0);
  EXPECT_TRUE(counts_part(temporal, "temporal transformer"));
  EXPECT_GT(temporal["parameters"]["head"].get<std::int64_t>(), 0);
  EXPECT_GT(temporal["flops_per_view"]["gflops"].get<double>(), plain["flops_per_view"]["gflops"].get<double>());
}

TEST(ModelCostReport, TextAndJsonTellTheSameHead) {
  const auto report = model_cost_report(tiny_options({"head.type=fine"}));
  const Json json = Json::parse(report.json);
  EXPECT_EQ(json["head"], "fine");
  EXPECT_TRUE(counts_part(json, "head: fine branch + FFN"));
  EXPECT_FALSE(counts_part(json, "head: coarse branch + FFN"));
  EXPECT_NE(report.text.find("fine head"), std::string::npos) << report.text;
  EXPECT_NE(report.text.find("3 classes"), std::string::npos) << report.text;
}

TEST(ModelCostReport, BadCountsAreRefusedByName) {
  auto options = tiny_options({});
  options.classes = -1;
  EXPECT_NE(test::thrown([&] { model_cost_report(options); }).find("--classes"), std::string::npos);
  options = tiny_options({});
  options.text_tokens = -2;
  EXPECT_NE(test::thrown([&] { model_cost_report(options); }).find("--text-tokens"), std::string::npos);
  options = tiny_options({"model.weights="});
  EXPECT_NE(test::thrown([&] { model_cost_report(options); }).find("model.arch"), std::string::npos)
      << test::thrown([&] { model_cost_report(options); });
}

}  // namespace
}  // namespace sfar::recipes
