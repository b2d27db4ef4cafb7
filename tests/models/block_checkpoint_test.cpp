// Activation checkpointing (block_checkpoint.h) changes memory, never gradients: a tiny CLIP
// run with and without it gives the same gradient for every parameter and for the input, over
// accumulated backward passes, with frozen parameters, with the text tower's causal mask and
// under bf16 autocast.
#include <gtest/gtest.h>

#include "sfar/core/torch_compat.h"
#include "sfar/models/block_checkpoint.h"
#include "sfar/models/clip_model.h"
#include "support/tiny_clip_config.h"

namespace sfar::models {
namespace {

using test::tiny_clip_config;

// The tiny CLIP's image side: [B, 3, 64, 64].
torch::Tensor tiny_images(std::int64_t batch) {
  const auto side = tiny_clip_config().image_resolution;
  return torch::randn({batch, 3, side, side});
}

// Two identical image towers, the second with checkpointing, in `dtype`.
std::pair<ClipModel, ClipModel> twin_models(torch::ScalarType dtype) {
  torch::manual_seed(4);
  ClipModel plain(tiny_clip_config());
  torch::manual_seed(4);
  ClipModel checkpointed(tiny_clip_config());
  plain->to(dtype);
  checkpointed->to(dtype);
  checkpointed->visual->transformer->set_grad_checkpointing(true);
  return {plain, checkpointed};
}

// A loss that weighs every output element differently, so each gradient entry matters.
torch::Tensor weighted_loss(const torch::Tensor& features, std::int64_t seed) {
  torch::manual_seed(seed);
  const auto w = torch::randn(features.sizes(), features.options().dtype(torch::kFloat64));
  return (features.to(torch::kFloat64) * w).sum() + features.to(torch::kFloat64).pow(2).sum();
}

void expect_same_grads(ClipModel& a, ClipModel& b, double rtol, double atol) {
  const auto pa = a->named_parameters();
  const auto pb = b->named_parameters();
  ASSERT_EQ(pa.size(), pb.size());
  std::int64_t compared = 0;
  for (const auto& item : pa) {
    const auto& ga = item.value().grad();
    const auto& gb = pb[item.key()].grad();
    ASSERT_EQ(ga.defined(), gb.defined()) << item.key();
    if (!ga.defined()) continue;
    EXPECT_TRUE(torch::allclose(ga, gb, rtol, atol))
        << item.key() << " max diff " << (ga - gb).abs().max().item<double>();
    ++compared;
  }
  EXPECT_GT(compared, 0);
}

TEST(BlockCheckpoint, ImageTowerGradientsEqualWithoutCheckpointing) {
  auto [plain, checkpointed] = twin_models(torch::kFloat32);
  torch::manual_seed(5);
  const auto images = tiny_images(3);
  std::vector<torch::Tensor> inputs;
  // Two backward passes into the same .grad, as gradient accumulation does.
  for (auto* model : {&plain, &checkpointed}) {
    const auto x = images.clone().requires_grad_(true);
    for (std::int64_t micro = 0; micro < 2; ++micro) weighted_loss((*model)->encode_image(x), 10 + micro).backward();
    inputs.push_back(x.grad());
  }
  expect_same_grads(plain, checkpointed, 1e-5, 1e-7);
  // Every vision block parameter got a gradient (none was skipped by the checkpoint).
  for (const auto& item : checkpointed->visual->named_parameters()) {
    ASSERT_TRUE(item.value().grad().defined()) << item.key();
    EXPECT_GT(item.value().grad().abs().sum().item<double>(), 0) << item.key();
  }
  EXPECT_TRUE(torch::allclose(inputs[0], inputs[1], 1e-5, 1e-7));
  EXPECT_GT(inputs[0].abs().sum().item<double>(), 0);
}

TEST(BlockCheckpoint, FrozenBlocksStillPassTheInputGradient) {
  auto [plain, checkpointed] = twin_models(torch::kFloat32);
  for (auto* model : {&plain, &checkpointed}) {
    for (auto& p : (*model)->visual->transformer->parameters()) p.requires_grad_(false);
  }
  torch::manual_seed(6);
  const auto images = tiny_images(2);
  std::vector<torch::Tensor> grads;
  for (auto* model : {&plain, &checkpointed}) {
    const auto x = images.clone().requires_grad_(true);
    weighted_loss((*model)->encode_image(x), 7).backward();
    grads.push_back(x.grad());
    EXPECT_FALSE((*model)->visual->transformer->parameters()[0].grad().defined());
  }
  expect_same_grads(plain, checkpointed, 1e-5, 1e-7);
  EXPECT_TRUE(torch::allclose(grads[0], grads[1], 1e-5, 1e-7));
}

TEST(BlockCheckpoint, CausalMaskIsKeptForTheRecomputation) {
  torch::manual_seed(8);
  ClipTransformer plain(64, 2, 2);
  torch::manual_seed(8);
  ClipTransformer checkpointed(64, 2, 2);
  checkpointed->set_grad_checkpointing(true);
  const auto mask = causal_mask(6);
  const auto input = torch::randn({2, 6, 64});
  std::vector<torch::Tensor> grads;
  for (auto* t : {&plain, &checkpointed}) {
    const auto x = input.clone().requires_grad_(true);
    weighted_loss((*t)->forward(x, mask), 9).backward();
    grads.push_back(x.grad());
  }
  EXPECT_TRUE(torch::allclose(grads[0], grads[1], 1e-5, 1e-6));
  const auto pa = plain->parameters(), pb = checkpointed->parameters();
  for (std::size_t i = 0; i < pa.size(); ++i) EXPECT_TRUE(torch::allclose(pa[i].grad(), pb[i].grad(), 1e-5, 1e-6));
}

TEST(BlockCheckpoint, RecomputationRunsUnderTheForwardPassAutocast) {
  auto [plain, checkpointed] = twin_models(torch::kFloat32);
  torch::manual_seed(9);
  const auto images = tiny_images(2);
  for (auto* model : {&plain, &checkpointed}) {
    torch::Tensor features;
    {
      compat::AutocastGuard autocast(torch::kCPU, torch::kBFloat16);
      features = (*model)->encode_image(images);
    }
    weighted_loss(features, 3).backward();  // outside autocast, as the trainer does
  }
  // bf16 products in both: equal up to float32 accumulation order. A recomputation in fp32
  // would differ by bf16's rounding (~1e-2 relative).
  expect_same_grads(plain, checkpointed, 1e-4, 1e-5);
}

TEST(BlockCheckpoint, NoGraphNoCheckpoint) {
  auto [plain, checkpointed] = twin_models(torch::kFloat32);
  torch::NoGradGuard no_grad;
  const auto images = tiny_images(1);
  EXPECT_TRUE(torch::equal(plain->encode_image(images), checkpointed->encode_image(images)));
}

}  // namespace
}  // namespace sfar::models
