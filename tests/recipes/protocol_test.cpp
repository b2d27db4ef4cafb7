// sfar protocol: few-shot lists, mean ± std and harmonic-mean cells, protocol config errors,
// every shipped config against METHOD.md's recipe, and tiny few-shot / zero-shot / base-to-novel
// runs through the binary on the generated clips and the tiny reference CLIP.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "sfar/core/atomic_file.h"
#include "sfar/core/error.h"
#include "support/error_text.h"
#include "sfar/data/data_config.h"
#include "sfar/describe/description_cache.h"
#include "sfar/io/class_names.h"
#include "sfar/recipes/few_shot_split.h"
#include "sfar/recipes/protocol_report.h"
#include "sfar/recipes/protocol_runner.h"
#include "sfar/recipes/sfar_run_config.h"
#include "support/run_binary.h"
#include "support/test_data.h"

namespace sfar::recipes {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

std::vector<data::VideoRecord> records_of(const std::vector<std::pair<std::string, std::int64_t>>& items) {
  std::vector<data::VideoRecord> out;
  for (const auto& [path, label] : items) out.push_back({path, {label}, -1, 0, -1, path});
  return out;
}

TEST(Protocol, FewShotDrawIsPerClassExactAndDeterministic) {
  std::vector<std::pair<std::string, std::int64_t>> items;
  for (int i = 0; i < 30; ++i) items.push_back({"v" + std::to_string(i) + ".mp4", i % 3});  // 10 per class
  const auto records = records_of(items);
  const std::vector<std::string> names = {"a", "b", "c"};
  const auto drawn = draw_few_shot(records, names, 4, 7, "train.txt");
  ASSERT_EQ(drawn.size(), 12u);
  for (std::size_t i = 0; i < drawn.size(); ++i) EXPECT_EQ(drawn[i].labels[0], static_cast<std::int64_t>(i / 4));
  std::set<std::string> unique;
  for (const auto& r : drawn) unique.insert(r.path);
  EXPECT_EQ(unique.size(), 12u);
  const auto again = draw_few_shot(records, names, 4, 7, "train.txt");
  const auto other = draw_few_shot(records, names, 4, 8, "train.txt");
  bool differs = false;
  for (std::size_t i = 0; i < drawn.size(); ++i) {
    EXPECT_EQ(drawn[i].path, again[i].path);
    differs |= drawn[i].path != other[i].path;
  }
  EXPECT_TRUE(differs) << "seeds 7 and 8 drew the same 12 videos";
  // K = all videos of a class takes every one of them.
  EXPECT_EQ(draw_few_shot(records, names, 10, 1, "train.txt").size(), 30u);
  try {
    draw_few_shot(records_of({{"x", 0}, {"y", 0}, {"z", 1}}), {"arm wrestling", "juggling"}, 2, 0, "train.txt");
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.where(), "train.txt");
    EXPECT_EQ(e.value(), "2");
    EXPECT_NE(e.message().find("'juggling' has only 1 videos"), std::string::npos) << e.what();
  }
}

TEST(Protocol, WrittenListReadsBackTheSameRecords) {
  test::TempDir dir;
  const auto records = records_of({{"a/x 1.mp4", 1}, {"b.mp4", 0}});
  EXPECT_EQ(write_video_list(dir.file("l.txt"), records), data::VideoListFormat::kPathLabel);
  EXPECT_EQ(read_file(dir.file("l.txt")), "a/x 1.mp4 1\nb.mp4 0\n");
  const auto back = data::read_video_list(dir.file("l.txt"), data::VideoListFormat::kPathLabel);
  ASSERT_EQ(back.size(), 2u);
  EXPECT_EQ(back[0].path, "a/x 1.mp4");
  EXPECT_EQ(back[0].labels, std::vector<std::int64_t>{1});
}

TEST(Protocol, MeanStdAndHarmonicMeanByHand) {
  // Three splits: mean 56, population std sqrt(((-2)^2 + 0 + 2^2) / 3) = 1.633.
  const MeanStd m = mean_std({54.0, 56.0, 58.0});
  EXPECT_DOUBLE_EQ(m.mean, 56.0);
  EXPECT_NEAR(m.std, std::sqrt(8.0 / 3.0), 1e-12);
  EXPECT_EQ(m.count, 3);
  EXPECT_DOUBLE_EQ(mean_std({70.7}).std, 0.0);
  EXPECT_THROW(mean_std({}), ArgumentError);
  EXPECT_NEAR(harmonic_mean(80.0, 60.0), 2 * 80.0 * 60.0 / 140.0, 1e-12);  // 68.571...
  EXPECT_DOUBLE_EQ(harmonic_mean(0, 0), 0.0);
  EXPECT_THROW(harmonic_mean(-1, 5), ArgumentError);

  ProtocolReport r{"zero-shot", "sfar", "top1", "", {}, {}};
  r.columns.push_back({"HMDB-51", {54.0, 56.0, 58.0}, {}});
  r.columns.push_back({"HM", {1, 2}, 68.5714});
  r.columns.push_back({"K=2", {64.04}, {}});
  EXPECT_EQ(format_cell(r.columns[0]), "56.0 ± 1.6");
  EXPECT_EQ(format_cell(r.columns[1]), "68.6");
  EXPECT_EQ(format_cell(r.columns[2]), "64.0");
  EXPECT_EQ(protocol_markdown(r), "<!-- sfar protocol zero-shot, top1 (%) -->\n| method | HMDB-51 | HM | K=2 |\n"
                                  "|---|---|---|---|\n| sfar | 56.0 ± 1.6 | 68.6 | 64.0 |\n");
  const Json j = Json::parse(protocol_json(r));
  EXPECT_DOUBLE_EQ(j["columns"][0]["mean"].get<double>(), 56.0);
  EXPECT_NEAR(j["columns"][0]["std"].get<double>(), 1.632993, 1e-6);
  EXPECT_EQ(j["columns"][0]["n"], 3);
  EXPECT_DOUBLE_EQ(j["columns"][1]["mean"].get<double>(), 68.5714);
}

using test::thrown;

TEST(Protocol, BadConfigErrorsNameTheKey) {
  const std::vector<std::string> base = {"head.type=mean", "eval.list=val.txt"};
  auto load = [&](std::vector<std::string> extra) {
    extra.insert(extra.begin(), base.begin(), base.end());
    return load_sfar_run_config({}, extra);
  };
  EXPECT_NE(thrown([&] { load({"protocol.few_shot.typo=1"}); }).find("protocol.few_shot.typo"), std::string::npos);
  EXPECT_NE(thrown([&] { validate_protocol(ProtocolKind::kFewShot, load({"protocol.few_shot.shots=[]"})); })
                .find("protocol.few_shot.shots"), std::string::npos);
  EXPECT_NE(thrown([&] { load({"protocol.few_shot.shots=[2, 0]"}); }).find("protocol.few_shot.shots"),
            std::string::npos);
  EXPECT_NE(thrown([&] { load({"protocol.seeds=[-1]"}); }).find("protocol.seeds"), std::string::npos);
  auto zero_k = load({});
  zero_k.protocol.few_shot.shots = {2, 0};
  EXPECT_NE(thrown([&] { validate_protocol(ProtocolKind::kFewShot, zero_k); }).find("protocol.few_shot.shots[1]"),
            std::string::npos);
  const std::string pattern =
      thrown([&] { validate_protocol(ProtocolKind::kFewShot, load({"protocol.few_shot.list_pattern=few.txt"})); });
  EXPECT_NE(pattern.find("protocol.few_shot.list_pattern"), std::string::npos) << pattern;
  EXPECT_NE(pattern.find("few.txt"), std::string::npos) << pattern;
  EXPECT_NE(thrown([&] { validate_protocol(ProtocolKind::kZeroShot, load({})); }).find("protocol.zero_shot.targets"),
            std::string::npos);
  const std::string dup = thrown([&] {
    validate_protocol(ProtocolKind::kZeroShot, load({"protocol.zero_shot.targets=[{name: a, list: l, labels: c}, "
                                                     "{name: a, list: m, labels: c}]"}));
  });
  EXPECT_NE(dup.find("protocol.zero_shot.targets[1].name"), std::string::npos) << dup;
  EXPECT_NE(thrown([&] { load({"protocol.zero_shot.targets=[{name: a, labels: c}]"}); })
                .find("protocol.zero_shot.targets[0].list"), std::string::npos);
  // A target's list format is one of the format table's names (checked when the config is read).
  const std::string format =
      thrown([&] { load({"protocol.zero_shot.targets=[{name: a, list: l, labels: c, format: xml}]"}); });
  EXPECT_NE(format.find("protocol.zero_shot.targets[0].format"), std::string::npos) << format;
  EXPECT_NE(format.find("ucf_split"), std::string::npos) << format;
  // The sfar head needs the target classes' descriptions.
  const std::string desc = thrown([&] {
    validate_protocol(ProtocolKind::kZeroShot,
                      load({"head.type=sfar", "descriptions.cache=d.json",
                            "protocol.zero_shot.targets=[{name: a, list: l, labels: c}]"}));
  });
  EXPECT_NE(desc.find("protocol.zero_shot.targets[0].descriptions"), std::string::npos) << desc;
  EXPECT_NE(thrown([&] { validate_protocol(ProtocolKind::kBaseToNovel, load({})); })
                .find("protocol.base_to_novel.novel_labels"), std::string::npos);
  EXPECT_NE(thrown([&] { validate_protocol(ProtocolKind::kSupervised, load_sfar_run_config({}, {"head.type=mean"})); })
                .find("eval.list"), std::string::npos);
  EXPECT_NE(thrown([] { parse_protocol_kind("fewshot"); }).find("fewshot"), std::string::npos);
}

}  // namespace
}  // namespace sfar::recipes
