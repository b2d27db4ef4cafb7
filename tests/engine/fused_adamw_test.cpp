#include "sfar/engine/fused_adamw.h"

#include <gtest/gtest.h>

#include <sstream>

#include "sfar/core/torch_compat_optim.h"

namespace sfar::engine {
namespace {

using torch::optim::AdamWOptions;
using torch::optim::OptimizerParamGroup;

// Two copies of the same parameters: [decay group: a 70000-element matrix (more than one
// thread chunk), a vector], [no-decay group: a bias, a parameter that only gets a gradient from
// step 3 on].
std::vector<torch::Tensor> make_params() {
  torch::manual_seed(3);
  return {torch::randn({350, 200}).requires_grad_(), torch::randn({17}).requires_grad_(),
          torch::randn({5}).requires_grad_(), torch::randn({4, 3}).requires_grad_()};
}

template <typename Adam>
std::unique_ptr<Adam> make_adamw(const std::vector<torch::Tensor>& p) {
  std::vector<OptimizerParamGroup> groups;
  groups.emplace_back(std::vector<torch::Tensor>{p[0], p[1]},
                      std::make_unique<AdamWOptions>(AdamWOptions(2e-2).weight_decay(0.05).betas({0.9, 0.98})));
  groups.emplace_back(std::vector<torch::Tensor>{p[2], p[3]},
                      std::make_unique<AdamWOptions>(AdamWOptions(1e-2).weight_decay(0.0).betas({0.9, 0.98})));
  return std::make_unique<Adam>(std::move(groups), AdamWOptions(1e-3).eps(1e-6));
}

// A loss of all four parameters whose gradients differ in scale; p[3] joins at step 3.
torch::Tensor loss_of(const std::vector<torch::Tensor>& p, int step) {
  auto loss = (p[0] * p[0]).sum() * 0.5 + p[1].pow(3).sum() + (p[2] * (step + 1.0)).sum();
  if (step >= 3) loss = loss + p[3].sin().sum();
  return loss;
}

void expect_close(const std::vector<torch::Tensor>& a, const std::vector<torch::Tensor>& b) {
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_TRUE(torch::allclose(a[i], b[i], 1e-5, 1e-6)) << "parameter " << i << " max diff "
                                                         << (a[i] - b[i]).abs().max().item<float>();
  }
}

// Steps both optimizers `steps` times from `first`, changing the lr at step 4.
void run_steps(FusedAdamW& fused, torch::optim::AdamW& reference, const std::vector<torch::Tensor>& pf,
               const std::vector<torch::Tensor>& pr, int first, int steps, double clip) {
  for (int step = first; step < first + steps; ++step) {
    if (step == 4) {
      for (auto* o : std::vector<torch::optim::Optimizer*>{&fused, &reference}) {
        o->param_groups()[0].options().set_lr(5e-3);
        o->param_groups()[1].options().set_lr(2.5e-3);
      }
    }
    fused.zero_grad();
    reference.zero_grad();
    loss_of(pf, step).backward();
    loss_of(pr, step).backward();
    if (clip > 0) {
      const double fused_norm = fused.clip_grad_norm_(clip);
      const double reference_norm = torch::nn::utils::clip_grad_norm_(pr, clip);
      EXPECT_NEAR(fused_norm, reference_norm, 1e-5 * reference_norm);
      expect_close({pf[0].grad(), pf[1].grad(), pf[2].grad()}, {pr[0].grad(), pr[1].grad(), pr[2].grad()});
    }
    fused.step();
    reference.step();
    expect_close(pf, pr);
  }
}

TEST(FusedAdamW, MatchesTorchAdamWOverStepsGroupsAndLrChanges) {
  const auto pf = make_params(), pr = make_params();
  auto fused = make_adamw<FusedAdamW>(pf);
  auto reference = make_adamw<torch::optim::AdamW>(pr);
  run_steps(*fused, *reference, pf, pr, 0, 7, 0.0);
  // The parameter without a gradient in steps 0-2 was left alone there, as torch does.
  const auto key = compat::optimizer_state_key(fused->state(), pf[3]);
  EXPECT_EQ(static_cast<torch::optim::AdamWParamState&>(*fused->state().at(key)).step(), 4);
}

TEST(FusedAdamW, ClipsLikeClipGradNormAndZeroesGradients) {
  const auto pf = make_params(), pr = make_params();
  auto fused = make_adamw<FusedAdamW>(pf);
  auto reference = make_adamw<torch::optim::AdamW>(pr);
  run_steps(*fused, *reference, pf, pr, 0, 5, 1.0);
  fused->zero_grad();
  EXPECT_EQ(pf[0].grad().abs().sum().item<float>(), 0.0f);
  // A norm under the limit leaves the gradients as they are.
  loss_of(pf, 0).backward();
  const auto before = pf[1].grad().clone();
  EXPECT_GT(fused->clip_grad_norm_(1e9), 0.0);
  EXPECT_TRUE(torch::equal(pf[1].grad(), before));
}

TEST(FusedAdamW, StateSavesAndLoadsAsTorchAdamWState) {
  const auto pf = make_params(), pr = make_params();
  auto fused = make_adamw<FusedAdamW>(pf);
  auto reference = make_adamw<torch::optim::AdamW>(pr);
  run_steps(*fused, *reference, pf, pr, 0, 4, 1.0);
  // Swap: the fused state into a torch AdamW and the torch state into a fused AdamW.
  std::stringstream fused_bytes, reference_bytes;
  torch::save(*fused, fused_bytes);
  torch::save(*reference, reference_bytes);
  auto fused2 = make_adamw<FusedAdamW>(pf);
  auto reference2 = make_adamw<torch::optim::AdamW>(pr);
  torch::load(*fused2, reference_bytes);
  torch::load(*reference2, fused_bytes);
  run_steps(*fused2, *reference2, pf, pr, 4, 3, 1.0);
}

TEST(FusedAdamW, FallsBackForDoubleParameters) {
  auto pf = make_params(), pr = make_params();
  for (auto* v : {&pf, &pr}) {
    for (auto& t : *v) t = t.detach().to(torch::kFloat64).requires_grad_();
  }
  auto fused = make_adamw<FusedAdamW>(pf);
  auto reference = make_adamw<torch::optim::AdamW>(pr);
  run_steps(*fused, *reference, pf, pr, 0, 5, 1.0);
}

}  // namespace
}  // namespace sfar::engine
