// The CUDA code paths: CLIP in fp32 on the GPU against the CPU, bf16 and fp16 autocast, the fp16
// loss scaler's fused AMP kernels, and the device helpers. Built whenever LibTorch has CUDA;
// without a GPU each case is skipped with a message that says so, so a CPU-only CI shows them
// as skipped rather than passed.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <limits>

#include "sfar/core/runtime.h"
#include "sfar/core/torch_compat.h"
#include "sfar/engine/grad_scaler.h"
#include "sfar/models/clip_model.h"
#include "support/tiny_clip_config.h"

namespace sfar {
namespace {

class Cuda : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!torch::cuda::is_available()) GTEST_SKIP() << "needs a CUDA GPU: none is visible to this process";
  }
};

struct ClipInputs {
  torch::Tensor images, tokens;
};

ClipInputs clip_inputs(const models::ClipConfig& c) {
  torch::manual_seed(3);
  auto tokens = torch::randint(1, c.vocab_size - 1, {3, c.context_length}, torch::kLong);
  tokens.index_put_({torch::indexing::Slice(), c.context_length - 1}, c.eot_token_id);
  return {torch::randn({2, 3, c.image_resolution, c.image_resolution}), tokens};
}

double max_abs_diff(const torch::Tensor& a, const torch::Tensor& b) {
  return (a.to(torch::kCPU, torch::kFloat64) - b.to(torch::kCPU, torch::kFloat64)).abs().max().item<double>();
}

TEST(CudaBuild, EnvironmentReportsWhatLibTorchWasBuiltWith) {
  const auto env = torch_environment();
  EXPECT_FALSE(env.libtorch.empty());
  EXPECT_GT(env.threads, 0);
  if (env.cuda_compiled) {
    EXPECT_FALSE(env.cuda_version.empty());
  } else {
    EXPECT_TRUE(env.devices.empty());
  }
  EXPECT_EQ(env.devices.size(), static_cast<std::size_t>(torch::cuda::is_available() ? torch::cuda::device_count() : 0));
}

TEST_F(Cuda, ClipFp32OnTheGpuMatchesTheCpu) {
  const auto config = test::tiny_clip_config();
  torch::manual_seed(0);
  models::ClipModel cpu_model(config);
  models::ClipModel gpu_model(config);
  torch::NoGradGuard no_grad;
  for (const auto& item : cpu_model->named_parameters()) gpu_model->named_parameters()[item.key()].copy_(item.value());
  gpu_model->to(torch::kCUDA);
  const auto in = clip_inputs(config);
  const auto expected = cpu_model->forward(in.images, in.tokens).logits_per_image;
  const auto got = gpu_model->forward(in.images.cuda(), in.tokens.cuda()).logits_per_image;
  EXPECT_LT(max_abs_diff(expected, got), 1e-4);
}

void expect_autocast_close(at::ScalarType dtype, double tolerance) {
  const auto config = test::tiny_clip_config();
  torch::manual_seed(0);
  models::ClipModel model(config);
  model->to(torch::kCUDA);
  torch::NoGradGuard no_grad;
  const auto in = clip_inputs(config);
  const auto images = in.images.cuda();
  const auto fp32 = model->encode_image(images);
  torch::Tensor mixed;
  {
    compat::AutocastGuard guard(c10::DeviceType::CUDA, dtype);
    mixed = model->encode_image(images);
  }
  EXPECT_EQ(mixed.scalar_type(), dtype) << "autocast did not run the projection in reduced precision";
  const double scale = fp32.abs().max().item<double>();
  EXPECT_LT(max_abs_diff(fp32, mixed) / scale, tolerance);
}

TEST_F(Cuda, Bf16AutocastStaysCloseToFp32) { expect_autocast_close(torch::kBFloat16, 5e-2); }
TEST_F(Cuda, Fp16AutocastStaysCloseToFp32) { expect_autocast_close(torch::kHalf, 1e-2); }

TEST_F(Cuda, Fp16ScalerSkipsAnInfiniteStepAndBacksOff) {
  engine::GradScaler scaler(true, {/*init_scale=*/1024.0, 2.0, 0.5, /*growth_interval=*/1});
  auto w = torch::ones({4}, torch::TensorOptions().device(torch::kCUDA).requires_grad(true));
  scaler.scale((w * 3).sum()).backward();
  ASSERT_TRUE(scaler.unscale({w}));
  EXPECT_LT(max_abs_diff(w.grad(), torch::full({4}, 3.0)), 1e-6);
  scaler.update();
  EXPECT_DOUBLE_EQ(scaler.scale_value(), 2048.0);  // a clean step grows the scale (interval 1)

  w.grad().zero_();
  w.mutable_grad().index_put_({0}, std::numeric_limits<float>::infinity());
  EXPECT_FALSE(scaler.unscale({w}));
  scaler.update();
  EXPECT_DOUBLE_EQ(scaler.scale_value(), 1024.0);  // the bad step halves it
}

TEST_F(Cuda, DeviceStringsResolveToTheGpu) {
  EXPECT_EQ(resolve_device("auto"), "cuda");
  EXPECT_EQ(resolve_device("cuda:0"), "cuda:0");
  EXPECT_FALSE(torch_environment().devices.empty());
}

}  // namespace
}  // namespace sfar
