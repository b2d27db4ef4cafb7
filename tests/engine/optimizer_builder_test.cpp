#include "sfar/engine/optimizer_builder.h"

#include <gtest/gtest.h>

#include "sfar/core/error.h"
#include "sfar/engine/grad_scaler.h"
#include "sfar/engine/model_ema.h"

namespace sfar::engine {
namespace {

// A CLIP-shaped tree: visual.{class_embedding, positional_embedding, conv1, ln_pre, blocks, proj},
// a frozen text embedding, a head with a LayerNorm called "post" (caught by module type, not
// by name) and the logit scale.
struct BlockImpl : torch::nn::Module {
  BlockImpl() {
    ln_1 = register_module("ln_1", torch::nn::LayerNorm(torch::nn::LayerNormOptions({4})));
    fc = register_module("fc", torch::nn::Linear(4, 4));
  }
  torch::nn::LayerNorm ln_1{nullptr};
  torch::nn::Linear fc{nullptr};
};
TORCH_MODULE(Block);

struct VisualImpl : torch::nn::Module {
  VisualImpl() {
    register_parameter("class_embedding", torch::zeros({4}));
    register_parameter("positional_embedding", torch::zeros({3, 4}));
    register_parameter("proj", torch::zeros({4, 2}));
    register_module("conv1", torch::nn::Conv2d(torch::nn::Conv2dOptions(3, 4, 2).bias(false)));
    register_module("ln_pre", torch::nn::LayerNorm(torch::nn::LayerNormOptions({4})));
    register_module("block", Block());
  }
};
TORCH_MODULE(Visual);

struct TinyClipImpl : torch::nn::Module {
  TinyClipImpl() {
    register_module("visual", Visual());
    auto token = register_module("token_embedding", torch::nn::Embedding(10, 4));
    token->weight.set_requires_grad(false);
    register_module("head", torch::nn::Linear(4, 2));
    register_module("post", torch::nn::LayerNorm(torch::nn::LayerNormOptions({2})));
    register_parameter("logit_scale", torch::ones({}));
  }
};
TORCH_MODULE(TinyClip);

TEST(OptimizerBuilder, GroupsByBackboneAndDecay) {
  TinyClip model;
  GroupingOptions options;
  options.backbone_lr_ratio = 0.1;
  const auto groups = group_parameters(*model, options);
  ASSERT_EQ(groups.size(), 5u);
  EXPECT_EQ(groups[0].label, "backbone/decay");
  EXPECT_EQ(groups[0].names, (std::vector<std::string>{"visual.proj", "visual.conv1.weight",
                                                       "visual.block.fc.weight"}));
  EXPECT_DOUBLE_EQ(groups[0].lr_ratio, 0.1);
  EXPECT_EQ(groups[1].label, "backbone/no_decay");
  EXPECT_EQ(groups[1].names,
            (std::vector<std::string>{"visual.class_embedding", "visual.positional_embedding",
                                      "visual.ln_pre.weight", "visual.ln_pre.bias",
                                      "visual.block.ln_1.weight", "visual.block.ln_1.bias",
                                      "visual.block.fc.bias"}));
  EXPECT_EQ(groups[2].label, "head/decay");
  EXPECT_EQ(groups[2].names, (std::vector<std::string>{"head.weight"}));
  EXPECT_DOUBLE_EQ(groups[2].lr_ratio, 1.0);
  EXPECT_EQ(groups[3].label, "head/no_decay");
  // post.weight is a LayerNorm weight whose name says nothing; token_embedding is frozen.
  EXPECT_EQ(groups[3].names, (std::vector<std::string>{"head.bias", "post.weight", "post.bias"}));
  EXPECT_EQ(groups[4].label, "logit_scale");
  EXPECT_EQ(groups[4].names, (std::vector<std::string>{"logit_scale"}));
  EXPECT_FALSE(groups[4].decay);
}

TEST(OptimizerBuilder, LogitScaleTrainsAtItsOwnRatio) {
  TrainOptions train;
  EXPECT_DOUBLE_EQ(train.logit_scale_lr_ratio, 0.1);  // BIKE's: the CLIP group's 0.1x
  train.backbone_prefixes = {"visual."};
  train.backbone_lr_ratio = 0.1;
  train.logit_scale_lr_ratio = 0.25;
  TinyClip model;
  const auto groups = group_parameters(*model, grouping_options(train));
  ASSERT_EQ(groups.size(), 5u);
  auto adamw = build_adamw(groups, {2e-3, 0.05, 0.9, 0.98, 1e-6});
  const auto& scale = static_cast<torch::optim::AdamWOptions&>(adamw->param_groups()[4].options());
  EXPECT_DOUBLE_EQ(scale.lr(), 2e-3 * 0.25);
  EXPECT_DOUBLE_EQ(scale.weight_decay(), 0.0);
  ASSERT_EQ(adamw->param_groups()[4].params().size(), 1u);
  EXPECT_TRUE(adamw->param_groups()[4].params()[0].is_same(model->named_parameters()["logit_scale"]));
  // A logit scale inside a sub-module is found by its last name component.
  EXPECT_TRUE(is_logit_scale_name("clip.logit_scale"));
  EXPECT_FALSE(is_logit_scale_name("clip.logit_scale_bias"));
}

TEST(OptimizerBuilder, AdamWGroupsCarryLrAndDecay) {
  TinyClip model;
  GroupingOptions grouping;
  grouping.backbone_lr_ratio = 0.1;
  const auto groups = group_parameters(*model, grouping);
  auto adamw = build_adamw(groups, {2e-3, 0.05, 0.9, 0.98, 1e-6});
  ASSERT_EQ(adamw->param_groups().size(), 5u);
  const auto& g0 = static_cast<torch::optim::AdamWOptions&>(adamw->param_groups()[0].options());
  const auto& g1 = static_cast<torch::optim::AdamWOptions&>(adamw->param_groups()[1].options());
  const auto& g3 = static_cast<torch::optim::AdamWOptions&>(adamw->param_groups()[3].options());
  EXPECT_DOUBLE_EQ(g0.lr(), 2e-4);
  EXPECT_DOUBLE_EQ(g0.weight_decay(), 0.05);
  EXPECT_DOUBLE_EQ(g1.weight_decay(), 0.0);
  EXPECT_DOUBLE_EQ(g3.lr(), 2e-3);
  EXPECT_DOUBLE_EQ(std::get<1>(g0.betas()), 0.98);
  EXPECT_DOUBLE_EQ(g0.eps(), 1e-6);
  set_group_lrs(*adamw, {0.1, 0.1, 1.0, 1.0, 0.1}, 1.0);
  EXPECT_DOUBLE_EQ(adamw->param_groups()[0].options().get_lr(), 0.1);
  EXPECT_DOUBLE_EQ(adamw->param_groups()[2].options().get_lr(), 1.0);
}

TEST(OptimizerBuilder, AllFrozenIsAnError) {
  torch::nn::Linear frozen(2, 2);
  for (auto& p : frozen->parameters()) p.set_requires_grad(false);
  const auto groups = group_parameters(*frozen, {});
  EXPECT_TRUE(groups.empty());
  EXPECT_THROW(build_adamw(groups, {}), ArgumentError);
}

TEST(GradScaler, UnscalesGrowsAndBacksOffOnCpu) {
  GradScaler scaler(true, {4.0, 2.0, 0.5, 2});
  auto p = torch::ones({2}, torch::requires_grad());
  scaler.scale((p * 3).sum()).backward();          // grad = 3 * 4
  EXPECT_TRUE(torch::equal(p.grad(), torch::full({2}, 12.0f)));
  EXPECT_TRUE(scaler.unscale({p}));
  EXPECT_TRUE(torch::equal(p.grad(), torch::full({2}, 3.0f)));
  scaler.update();
  EXPECT_DOUBLE_EQ(scaler.scale_value(), 4.0);     // one clean step of two
  EXPECT_EQ(scaler.growth_tracker_value(), 1);
  EXPECT_TRUE(scaler.unscale({p}));
  scaler.update();
  EXPECT_DOUBLE_EQ(scaler.scale_value(), 8.0);     // grown after two
  p.mutable_grad()[0] = std::numeric_limits<float>::infinity();
  EXPECT_FALSE(scaler.unscale({p}));
  scaler.update();
  EXPECT_DOUBLE_EQ(scaler.scale_value(), 4.0);
  EXPECT_EQ(scaler.growth_tracker_value(), 0);
}

TEST(ModelEma, AveragesWithDecay) {
  torch::nn::Linear lin(1, 1);
  torch::NoGradGuard no_grad;
  lin->weight.fill_(0);
  ModelEma ema(*lin, 0.5);
  lin->weight.fill_(2);
  ema.update(*lin);
  EXPECT_FLOAT_EQ(ema.tensors()["weight"].item<float>(), 1.0f);
  ema.update(*lin);
  EXPECT_FLOAT_EQ(ema.tensors()["weight"].item<float>(), 1.5f);
  ema.copy_to(*lin);
  EXPECT_FLOAT_EQ(lin->weight.item<float>(), 1.5f);
  EXPECT_THROW(ModelEma(*lin, 1.0), ArgumentError);
}

}  // namespace
}  // namespace sfar::engine
