#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "sfar/core/atomic_file.h"
#include "sfar/core/config_loader.h"
#include "sfar/core/error.h"
#include "sfar/data/clip_transforms.h"
#include "support/error_text.h"
#include "support/test_data.h"

namespace sfar::data {
namespace {

// [1, T, 3, H, W] with frame t = base + 0.05 t, so that equal parameters across frames show as
// constant differences after any crop or resize.
torch::Tensor ramp_clip(std::int64_t t, std::int64_t h, std::int64_t w) {
  auto base = torch::linspace(0, 0.5, h * w).view({1, 1, 1, h, w}).expand({1, 1, 3, h, w});
  auto offsets = torch::arange(t).to(torch::kFloat32).mul(0.05).view({1, t, 1, 1, 1});
  return (base + offsets).contiguous();
}

TransformSpec spec(const std::string& type, std::int64_t size = 224) {
  TransformSpec s;
  s.type = find_clip_transform(type).value;
  s.size = size;
  return s;
}

TEST(ClipTransforms, FramesToClipLayout) {
  auto frames = torch::zeros({2, 4, 5, 3}, torch::kUInt8);
  frames.index_put_({1, 2, 3, 0}, 255);
  const auto clip = frames_to_clip(frames);
  EXPECT_EQ(clip.sizes(), (std::vector<std::int64_t>{1, 2, 3, 4, 5}));
  EXPECT_FLOAT_EQ(clip.index({0, 1, 0, 2, 3}).item<float>(), 1.0f);
  EXPECT_THROW(frames_to_clip(torch::zeros({2, 4, 5})), ArgumentError);
}

TEST(ClipTransforms, ResizeShortAndCenterCrop) {
  std::mt19937_64 rng(0);
  ClipSample s{ramp_clip(2, 240, 320), {0}};
  make_clip_pipeline({spec("resize_short", 120), spec("center_crop", 100)})(s, rng);
  EXPECT_EQ(s.clip.sizes(), (std::vector<std::int64_t>{1, 2, 3, 100, 100}));
  ClipSample exact{torch::arange(16).to(torch::kFloat32).view({1, 1, 1, 4, 4}).expand({1, 1, 3, 4, 4}), {0}};
  make_clip_transform(spec("center_crop", 2))(exact, rng);
  EXPECT_TRUE(torch::equal(exact.clip[0][0][0], torch::tensor({{5.f, 6.f}, {9.f, 10.f}})));
  ClipSample small{ramp_clip(1, 10, 10), {0}};
  EXPECT_THROW(make_clip_transform(spec("center_crop", 20))(small, rng), ArgumentError);
}

TEST(ClipTransforms, RandomCropsUseTheSameParametersForEveryFrame) {
  for (const char* type : {"random_resized_crop", "multi_scale_crop"}) {
    for (std::uint64_t seed = 0; seed < 5; ++seed) {
      std::mt19937_64 rng(seed);
      ClipSample s{ramp_clip(4, 64, 96), {0}};
      make_clip_transform(spec(type, 32))(s, rng);
      ASSERT_EQ(s.clip.sizes(), (std::vector<std::int64_t>{1, 4, 3, 32, 32})) << type;
      for (int t = 1; t < 4; ++t) {
        const auto diff = s.clip.select(1, t) - s.clip.select(1, 0);
        EXPECT_NEAR(diff.min().item<float>(), 0.05f * t, 1e-4) << type;
        EXPECT_NEAR(diff.max().item<float>(), 0.05f * t, 1e-4) << type;
      }
    }
  }
}

TEST(ClipTransforms, MultiCropViews) {
  std::mt19937_64 rng(0);
  ClipSample three{ramp_clip(2, 40, 80), {0}};
  make_clip_transform(spec("three_crop", 40))(three, rng);
  EXPECT_EQ(three.clip.size(0), 3);
  EXPECT_TRUE(torch::equal(three.clip[2], ramp_clip(2, 40, 80)[0].narrow(3, 40, 40)));
  ClipSample ten{ramp_clip(2, 40, 60), {0}};
  make_clip_transform(spec("ten_crop", 30))(ten, rng);
  EXPECT_EQ(ten.clip.size(0), 10);
  EXPECT_TRUE(torch::equal(ten.clip[5], ten.clip[0].flip({3})));
}

TEST(ClipTransforms, FlipSwapsSidedLabelsAndNeverFlipsForbiddenClasses) {
  TransformSpec f = spec("flip");
  f.p = 1.0;
  f.flip_pairs = {3, 4};
  f.flip_forbidden = {7};
  const auto flip = make_clip_transform(f);
  std::mt19937_64 rng(1);
  const auto original = ramp_clip(1, 4, 6);
  ClipSample s{original.clone(), {3}};
  flip(s, rng);
  EXPECT_EQ(s.labels[0], 4);
  EXPECT_TRUE(torch::equal(s.clip, original.flip({4})));
  ClipSample keep{original.clone(), {7}};
  flip(keep, rng);
  EXPECT_TRUE(torch::equal(keep.clip, original));
  f.flip_pairs = {1};
  EXPECT_THROW(make_clip_transform(f), ArgumentError);
}

TEST(ClipTransforms, FlipRulesFromSomethingSomethingLabels) {
  const std::string path = test::repo_data_path("labels/ssv2/something-something-v2-labels.json");
  const auto labels = nlohmann::json::parse(read_file(path));
  std::vector<std::string> names(labels.size());
  for (const auto& [name, id] : labels.items()) names.at(std::stoul(id.get<std::string>())) = name;
  std::vector<std::int64_t> pairs, forbidden;
  flip_rules_from_class_names(names, pairs, forbidden);
  auto id_of = [&](const std::string& n) {
    return static_cast<std::int64_t>(std::find(names.begin(), names.end(), n) - names.begin());
  };
  const auto l2r = id_of("Pushing something from left to right");
  const auto r2l = id_of("Pushing something from right to left");
  ASSERT_LT(l2r, 174);
  ASSERT_LT(r2l, 174);
  bool paired = false;
  for (std::size_t i = 0; i < pairs.size(); i += 2) {
    paired |= (pairs[i] == std::min(l2r, r2l) && pairs[i + 1] == std::max(l2r, r2l));
  }
  EXPECT_TRUE(paired);
  // Every class with a side in its name is either paired or forbidden; no class is both.
  for (auto f : forbidden) EXPECT_EQ(std::count(pairs.begin(), pairs.end(), f), 0);
  EXPECT_GE(pairs.size() / 2 + forbidden.size(), 3u);
}

TEST(ClipTransforms, ColourTransforms) {
  std::mt19937_64 rng(0);
  ClipSample red{torch::zeros({1, 1, 3, 2, 2}), {0}};
  red.clip.select(2, 0).fill_(1.0);
  TransformSpec hue = spec("color_jitter");
  hue.p = 1;
  hue.brightness = hue.contrast = hue.saturation = 0;
  hue.hue = 0;
  make_clip_transform(hue)(red, rng);
  EXPECT_TRUE(torch::allclose(red.clip.select(2, 0), torch::ones({1, 1, 2, 2})));  // identity

  TransformSpec g = spec("grayscale");
  g.p = 1;
  ClipSample s{torch::rand({1, 2, 3, 4, 4}), {0}};
  make_clip_transform(g)(s, rng);
  EXPECT_TRUE(torch::allclose(s.clip.select(2, 0), s.clip.select(2, 2)));

  ClipSample n{torch::full({1, 1, 3, 1, 1}, 0.5), {0}};
  make_clip_transform(spec("normalize"))(n, rng);
  EXPECT_NEAR(n.clip.flatten()[0].item<float>(), (0.5 - 0.48145466) / 0.26862954, 1e-6);
}

// Every transform of the table reads back from its name and builds from its defaults; a crop
// gives `size` squares, crop_views of them per view, and an unknown name is an error that lists
// the whole table.
TEST(ClipTransforms, TableRoundTripsAndCropViewsMatchWhatCropsGive) {
  const auto& transforms = clip_transforms();
  ASSERT_FALSE(transforms.empty());
  for (std::size_t i = 0; i < transforms.size(); ++i) {
    SCOPED_TRACE(transforms[i].name);
    EXPECT_EQ(static_cast<std::size_t>(transforms[i].value), i);
    EXPECT_EQ(&find_clip_transform(transforms[i].name), &transforms[i]);
    ClipSample s{ramp_clip(2, 40, 48), {0}};
    std::mt19937_64 rng(7);
    make_clip_transform(spec(transforms[i].name, 32))(s, rng);
    if (transforms[i].crop_views > 0) {
      EXPECT_EQ(s.clip.sizes(), torch::IntArrayRef({transforms[i].crop_views, 2, 3, 32, 32}));
      EXPECT_TRUE(transforms[i].reads_size);
    } else {
      EXPECT_EQ(s.clip.size(0), 1);
    }
  }
  const std::string error = test::thrown([] { make_clip_transform(spec("sharpen")); });
  EXPECT_NE(error.find("unknown transform 'sharpen'; known: "), std::string::npos) << error;
  for (const auto& t : transforms) EXPECT_NE(error.find(t.name), std::string::npos) << error;
}

struct Pipeline {
  std::vector<TransformSpec> pipeline;
  template <class A>
  void visit(A& a) { a("pipeline", pipeline); }
};

TEST(ClipTransforms, PipelineFromYamlValidatesEachEntry) {
  const ConfigNode ok = parse_config_text(
      "pipeline:\n  - {type: random_resized_crop, size: 112, scale: [0.5, 1.0]}\n  - {type: flip, p: 0.5}\n"
      "  - {type: normalize}\n", "train.yaml");
  const auto p = read_config<Pipeline>(&ok);
  ASSERT_EQ(p.pipeline.size(), 3u);
  EXPECT_EQ(p.pipeline[0].size, 112);
  EXPECT_EQ(config_to_yaml(write_config(read_config<Pipeline>(&ok))),
            config_to_yaml(write_config(p)));
  const ConfigNode bad = parse_config_text("pipeline:\n  - {type: flip}\n  - {type: center_crop, ratio: 1}\n",
                                           "train.yaml");
  try {
    read_config<Pipeline>(&bad);
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_STREQ(e.what(), "train.yaml: pipeline[1].ratio: unknown key");
  }
}

}  // namespace
}  // namespace sfar::data
