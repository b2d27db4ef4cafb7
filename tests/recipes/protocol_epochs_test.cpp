// What the protocols report beyond one evaluation: the best or the last epoch (protocol.report),
// few-shot lists cycled to the full training list's length (protocol.few_shot.repeat_to_full),
// and the keys' defaults, load-time checks and their place in the printed config.
#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "sfar/core/error.h"
#include "sfar/recipes/few_shot_split.h"
#include "sfar/recipes/protocol_epochs.h"
#include "sfar/recipes/protocol_report.h"
#include "sfar/recipes/protocol_runner.h"
#include "sfar/recipes/sfar_run_config.h"
#include "support/error_text.h"

namespace sfar::recipes {
namespace {

using Json = nlohmann::json;
using test::thrown;

std::vector<EpochEval> evals_of(const std::vector<double>& top1) {
  std::vector<EpochEval> out;
  for (std::size_t i = 0; i < top1.size(); ++i) {
    out.push_back({static_cast<std::int64_t>(i), {{"top1", top1[i]}, {"top5", 100.0 - static_cast<double>(i)}}});
  }
  return out;
}

TEST(ProtocolEpochs, BestIsTheFirstHighestFiniteEpochAndLastIsTheFinalOne) {
  // 70 first at epoch 1 and again at epoch 3: the tie keeps epoch 1, as the Trainer keeps best.pt.
  const auto c = choose_epochs(evals_of({50, 70, NAN, 70, 60}), "top1", "eval.list");
  EXPECT_EQ(c.best.epoch, 1);
  EXPECT_DOUBLE_EQ(c.best.metrics.at("top1"), 70);
  EXPECT_DOUBLE_EQ(c.best.metrics.at("top5"), 99);  // the whole evaluation of that epoch
  EXPECT_EQ(c.last.epoch, 4);
  EXPECT_DOUBLE_EQ(c.last.metrics.at("top1"), 60);
  // A rising run: best and last are the same epoch.
  const auto rising = choose_epochs(evals_of({10, 20, 30}), "top1", "eval.list");
  EXPECT_EQ(rising.best.epoch, 2);
  EXPECT_EQ(rising.last.epoch, 2);
  // A NaN first epoch is skipped, not chosen.
  EXPECT_EQ(choose_epochs(evals_of({NAN, 5}), "top1", "eval.list").best.epoch, 1);

  EXPECT_TRUE(improves(1, std::nullopt));
  EXPECT_FALSE(improves(NAN, std::nullopt));
  EXPECT_FALSE(improves(INFINITY, std::nullopt));
  EXPECT_FALSE(improves(3, 3.0));
  EXPECT_TRUE(improves(3.5, 3.0));
}

TEST(ProtocolEpochs, NoEpochToChooseIsAnErrorNamingTheList) {
  const std::string none = thrown([] { choose_epochs({}, "top1", "eval.list"); });
  EXPECT_NE(none.find("eval.list"), std::string::npos) << none;
  const std::string nan = thrown([] { choose_epochs(evals_of({NAN, NAN}), "top1", "eval.list"); });
  EXPECT_NE(nan.find("no epoch's evaluation has a finite 'top1'"), std::string::npos) << nan;
  // A multi-label evaluation has mAP, not top1.
  const std::string absent = thrown([] { choose_epochs({{0, {{"mAP", 12.5}}}}, "top1", "eval.list"); });
  EXPECT_NE(absent.find("'top1'"), std::string::npos) << absent;
  EXPECT_EQ(choose_epochs({{0, {{"mAP", 12.5}}}}, "mAP", "eval.list").best.metrics.at("mAP"), 12.5);
}

TEST(ProtocolEpochs, ResultsJsonKeepsBestWithItsEpochAndLast) {
  ProtocolReport r{"supervised", "sfar", "top1", "best", {{"top-1", {70}, {}}}, {}};
  ProtocolRun run{"top-1", 0, "/w/seed0", {{"top1", 70}}, {},
                  EpochEval{1, {{"top1", 70}}}, EpochEval{4, {{"top1", 60}}}, 12};
  r.runs.push_back(run);
  r.runs.push_back({"top-1", 1, "/w/eval", {{"top1", 50}}, {}, std::nullopt, std::nullopt, 0});
  const Json j = Json::parse(protocol_json(r));
  EXPECT_EQ(j["report"], "best");
  EXPECT_EQ(j["runs"][0]["best"]["epoch"], 1);
  EXPECT_DOUBLE_EQ(j["runs"][0]["best"]["metrics"]["top1"].get<double>(), 70);
  EXPECT_EQ(j["runs"][0]["last"]["epoch"], 4);
  EXPECT_DOUBLE_EQ(j["runs"][0]["last"]["metrics"]["top1"].get<double>(), 60);
  EXPECT_EQ(j["runs"][0]["steps_per_epoch"], 12);
  // An evaluation-only run has neither.
  EXPECT_FALSE(j["runs"][1].contains("best"));
  EXPECT_FALSE(j["runs"][1].contains("steps_per_epoch"));
  const std::string md = protocol_markdown(r);
  EXPECT_NE(md.find("<!-- sfar protocol supervised, top1 (%), best epoch -->"), std::string::npos) << md;
}

std::vector<data::VideoRecord> records(int n) {
  std::vector<data::VideoRecord> out;
  for (int i = 0; i < n; ++i) out.push_back({"v" + std::to_string(i), {i % 51}, -1, 0, -1, "k.txt"});
  return out;
}

TEST(ProtocolEpochs, RepeatToFullCyclesTheKShotListToTheFullLength) {
  const auto seven = repeat_to_length(records(3), 7);
  ASSERT_EQ(seven.size(), 7u);
  const std::vector<std::string> order = {"v0", "v1", "v2", "v0", "v1", "v2", "v0"};
  for (std::size_t i = 0; i < order.size(); ++i) EXPECT_EQ(seven[i].path, order[i]) << i;
  EXPECT_EQ(repeat_to_length(records(3), 2).size(), 3u) << "a list already long enough is kept whole";
  EXPECT_EQ(repeat_to_length(records(3), 3).size(), 3u);
  EXPECT_THROW(repeat_to_length({}, 5), ArgumentError);
  // HMDB51 K=2 (102 videos) at batch 32: 3 optimizer steps an epoch as it is, 111 when repeated
  // to split 1's 3570 training videos (the trainer drops the incomplete batch).
  const std::int64_t batch = 32;
  EXPECT_EQ(static_cast<std::int64_t>(records(102).size()) / batch, 3);
  EXPECT_EQ(static_cast<std::int64_t>(repeat_to_length(records(102), 3570).size()) / batch, 111);
}

TEST(ProtocolEpochs, NewKeysHaveDefaultsAreCheckedAtLoadAndArePrinted) {
  const auto c = load_sfar_run_config({}, {"head.type=mean", "eval.list=val.txt"});
  EXPECT_EQ(c.protocol.report, ReportEpoch::kBest);
  EXPECT_TRUE(c.protocol.few_shot.repeat_to_full);
  EXPECT_EQ(c.protocol.few_shot.full_length, 0);
  EXPECT_TRUE(c.protocol.few_shot.eval_lists.empty());
  const std::string yaml = sfar_run_config_to_yaml(c);
  for (const auto* key : {"report: \"best\"", "repeat_to_full: true", "full_length: 0", "eval_lists: []"}) {
    EXPECT_NE(yaml.find(key), std::string::npos) << key << " missing from\n" << yaml;
  }
  const std::string bad = thrown([] { load_sfar_run_config({}, {"protocol.report=worst"}); });
  EXPECT_NE(bad.find("protocol.report"), std::string::npos) << bad;
  EXPECT_NE(bad.find("worst"), std::string::npos) << bad;
  EXPECT_NE(thrown([] { load_sfar_run_config({}, {"protocol.few_shot.full_length=-3"}); })
                .find("protocol.few_shot.full_length"), std::string::npos);
  // Split files are not the full list: repeating them needs its length.
  auto split = c;
  split.protocol.few_shot.list_pattern = "train1_few_shot_{K}.txt";
  const std::string length = thrown([&] { validate_protocol(ProtocolKind::kFewShot, split); });
  EXPECT_NE(length.find("protocol.few_shot.full_length"), std::string::npos) << length;
  split.protocol.few_shot.full_length = 3570;
  EXPECT_NO_THROW(validate_protocol(ProtocolKind::kFewShot, split));
  split.protocol.few_shot.full_length = 0;
  split.protocol.few_shot.repeat_to_full = false;
  EXPECT_NO_THROW(validate_protocol(ProtocolKind::kFewShot, split));
  // eval_lists stands in for eval.list.
  auto lists = load_sfar_run_config({}, {"head.type=mean", "protocol.few_shot.eval_lists=[val1.txt, val2.txt]"});
  EXPECT_EQ(lists.protocol.few_shot.eval_lists, (std::vector<std::string>{"val1.txt", "val2.txt"}));
  EXPECT_NO_THROW(validate_protocol(ProtocolKind::kFewShot, lists));
  lists.protocol.few_shot.eval_lists = {"val1.txt", ""};
  EXPECT_NE(thrown([&] { validate_protocol(ProtocolKind::kFewShot, lists); }).find("protocol.few_shot.eval_lists[1]"),
            std::string::npos);
}

}  // namespace
}  // namespace sfar::recipes
