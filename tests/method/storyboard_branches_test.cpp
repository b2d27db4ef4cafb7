#include <gtest/gtest.h>

#include "sfar/core/error.h"
#include "sfar/method/video_head.h"

namespace sfar::method {
namespace {

constexpr std::int64_t kDim = 64;

torch::Tensor basis(std::int64_t i) { return torch::zeros({kDim}).index_put_({i}, 1.0); }

// C classes with N sub-texts each; every text is one token long (plus padding) and sub-text n
// of class c points along axis 8 c + n, the global text of class c along axis 8 c + 7.
TextBank toy_bank(std::int64_t C, std::int64_t N) {
  TextBank bank;
  bank.global_tokens = torch::zeros({C, 2, kDim});
  bank.global_mask = torch::zeros({C, 2}, torch::kBool);
  bank.sub_tokens = torch::zeros({C, N, 3, kDim});
  bank.sub_mask = torch::zeros({C, N, 3}, torch::kBool);
  for (std::int64_t c = 0; c < C; ++c) {
    bank.global_tokens[c][0] = basis(8 * c + 7);
    bank.global_mask[c][0] = true;
    for (std::int64_t n = 0; n < N; ++n) {
      bank.sub_tokens[c][n][0] = basis(8 * c + n);
      bank.sub_mask[c][n][0] = true;
    }
  }
  bank.global_embed = bank.global_tokens.select(1, 0).clone();
  bank.sub_embed = bank.sub_tokens.select(2, 0).clone();
  return bank;
}

TEST(StoryboardBranches, FineWeightsSumToOneAndPickTheMatchingFrame) {
  const auto bank = toy_bank(3, 4);
  // Frame 5 of video 0 shows sub-text 2 of class 1; the other frames are noise orthogonal to
  // every text (axes 40..63).
  auto frames = torch::zeros({2, 8, kDim});
  frames.narrow(2, 40, 24).normal_();
  frames[0][5] = basis(8 * 1 + 2) + 0.1 * basis(50);
  const auto out = fine_branch(frames, bank, 0.01);
  ASSERT_EQ(out.weights.sizes(), (std::vector<std::int64_t>{2, 3, 8}));
  EXPECT_TRUE(torch::allclose(out.weights.sum(-1), torch::ones({2, 3})));
  EXPECT_EQ(out.weights[0][1].argmax().item<std::int64_t>(), 5);
  EXPECT_GT(out.weights[0][1][5].item<float>(), 0.99f);
  // Other classes see no matching frame: their weights stay spread out.
  EXPECT_LT(out.weights[0][0].max().item<float>(), 0.9f);
  // The aggregated embedding for class 1 is (almost) that frame.
  EXPECT_TRUE(torch::allclose(out.video[0][1], frames[0][5], 1e-3, 1e-2));
}

TEST(StoryboardBranches, FineAffinityAveragesOverRealWordsOnly) {
  auto bank = toy_bank(1, 2);
  // A second real word on sub-text 0 pointing elsewhere halves its affinity; padding must not.
  bank.sub_tokens[0][0][1] = basis(60);
  bank.sub_mask[0][0][1] = true;
  bank.sub_tokens[0][1][2] = basis(0) * 100;  // padding position: ignored
  auto frames = torch::zeros({1, 2, kDim});
  frames[0][0] = basis(0);
  frames[0][1] = basis(1);
  const auto out = fine_branch(frames, bank, 1.0);
  // m(frame0) = max(0.5, 0) = 0.5; m(frame1) = max(0, 1) = 1 -> softmax([0.5, 1]).
  const auto expected = torch::softmax(torch::tensor({0.5f, 1.0f}), 0);
  EXPECT_TRUE(torch::allclose(out.weights[0][0], expected, 1e-5, 1e-5));
}

TEST(StoryboardBranches, CoarseWeightsSumToOneAndAreClassConditioned) {
  torch::manual_seed(0);
  const auto bank = toy_bank(3, 4);
  CoarseBranch coarse(kDim, 0.01, true);
  auto frames = torch::randn({2, 8, kDim});
  frames[1][3] = basis(8 * 2 + 7) * 5;  // video 1, frame 3 shows class 2's global text
  const auto out = coarse->forward(frames, bank);
  ASSERT_EQ(out.weights.sizes(), (std::vector<std::int64_t>{2, 3, 8}));
  EXPECT_TRUE(torch::allclose(out.weights.sum(-1), torch::ones({2, 3}), 1e-5, 1e-5));
  EXPECT_FALSE(torch::allclose(out.video.select(1, 0), out.video.select(1, 1)));
  // With the attention removed (zero value projection) the global word alone decides.
  torch::NoGradGuard no_grad;
  coarse->w_v->weight.zero_();
  const auto plain = coarse->forward(frames, bank);
  EXPECT_EQ(plain.weights[1][2].argmax().item<std::int64_t>(), 3);
  EXPECT_GT(plain.weights[1][2][3].item<float>(), 0.99f);
}

TEST(VideoHead, EveryTypeGivesLogitsAndGradientsReachNewModulesAndFrames) {
  torch::manual_seed(1);
  const auto bank = toy_bank(3, 4);
  for (const HeadType type : {HeadType::kMean, HeadType::kTemporal, HeadType::kCoarse, HeadType::kFine, HeadType::kSfar}) {
    HeadOptions options;
    options.type = type;
    options.temporal_layers = 1;
    VideoHead head(options, kDim);
    auto frames = torch::randn({2, 8, kDim}, torch::requires_grad());
    const auto out = head->forward(frames, bank);
    const auto scale = torch::tensor(std::log(100.0));
    const auto logits = class_logits(out.video, bank.global_embed, scale);
    ASSERT_EQ(logits.sizes(), (std::vector<std::int64_t>{2, 3})) << to_string(type);
    EXPECT_LE(logits.abs().max().item<float>(), 100.0f + 1e-3f);
    logits.logsumexp(1).sum().backward();
    EXPECT_GT(frames.grad().abs().sum().item<float>(), 0) << to_string(type);  // reaches the image encoder
    for (const auto& p : head->named_parameters()) {
      ASSERT_TRUE(p.value().grad().defined()) << to_string(type) << " " << p.key();
      // fc2 starts at zero, so fc1 gets no gradient in the first step; fc2 must.
      if (p.key().find("fc1") != std::string::npos) continue;
      EXPECT_GT(p.value().grad().abs().sum().item<float>(), 0) << to_string(type) << " " << p.key();
    }
  }
}

TEST(VideoHead, ConcatFusionAndTemporalOption) {
  const auto bank = toy_bank(2, 4);
  HeadOptions options;
  options.fusion = HeadFusion::kConcat;
  options.temporal = true;
  options.temporal_layers = 1;
  options.max_frames = 4;
  VideoHead head(options, kDim);
  EXPECT_EQ(head->forward(torch::randn({1, 4, kDim}), bank).video.sizes(),
            (std::vector<std::int64_t>{1, 2, kDim}));
  EXPECT_THROW(head->forward(torch::randn({1, 5, kDim}), bank), ArgumentError);
}

}  // namespace
}  // namespace sfar::method
