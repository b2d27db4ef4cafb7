// The dry run's memory estimate: counted bytes on hand-sized tensors.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <c10/core/CPUAllocator.h>

#include <cmath>

#include "sfar/core/error.h"
#include "sfar/engine/memory_estimate.h"

namespace sfar::engine {
namespace {

TEST(MemoryEstimate, CountsWhatAutogradSaves) {
  torch::manual_seed(0);
  const auto w = torch::randn({1000}, torch::requires_grad());
  const auto x = torch::randn({1000});
  // Each tanh saves its 1000-float output for the backward pass; the product is not saved.
  auto chain = [&](int n) {
    return measure_activations([&, n] {
      auto y = w * x;
      for (int i = 0; i < n; ++i) y = y.tanh();
      return y.sum();
    });
  };
  c10::Allocator* before = c10::GetCPUAllocator();
  const auto one = chain(1), three = chain(3);
  EXPECT_EQ(c10::GetCPUAllocator(), before);  // put back
  ASSERT_TRUE(one.measured);
  EXPECT_EQ(three.saved_bytes - one.saved_bytes, 2 * 4000);
  EXPECT_GE(one.saved_bytes, 4000);
  EXPECT_LT(one.saved_bytes, 4000 + 256);  // plus the scalar loss
  EXPECT_GE(three.peak_bytes, three.saved_bytes);
  EXPECT_TRUE(w.grad().defined());
}

TEST(MemoryEstimate, ParametersGradientsAndAdamW) {
  torch::nn::Sequential model(torch::nn::Linear(10, 20), torch::nn::Linear(20, 5));
  model[1]->as<torch::nn::Linear>()->weight.set_requires_grad(false);  // 100 frozen floats
  ActivationMeasurement per_clip;
  per_clip.measured = true;
  per_clip.saved_bytes = 1000;
  const auto e = estimate_training_memory(*model, per_clip, 8);
  const std::int64_t all = 10 * 20 + 20 + 20 * 5 + 5, trainable = all - 100;
  EXPECT_EQ(e.parameter_bytes, 4 * all);
  EXPECT_EQ(e.gradient_bytes, 4 * trainable);
  EXPECT_EQ(e.optimizer_bytes, 2 * 4 * trainable);
  EXPECT_EQ(e.activation_bytes, 8000);
  EXPECT_EQ(e.total_bytes, 4 * all + 12 * trainable + 8000);
  EXPECT_EQ(human_bytes(512), "512 B");
  EXPECT_EQ(human_bytes(1536), "1.50 KiB");
  EXPECT_EQ(human_bytes(3LL << 30), "3.00 GiB");
}

}  // namespace
}  // namespace sfar::engine
