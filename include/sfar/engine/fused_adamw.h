// torch::optim::AdamW whose CPU step is one pass over every parameter's elements instead of
// seven tensor ops per parameter: the same arithmetic (decoupled weight decay, both moments,
// bias corrections, eps outside the square root) per parameter group, written as one loop
// over raw float pointers (eight lanes at a time on CPUs with AVX2) and split over
// LibTorch's intra-op threads. The state stays torch's (an AdamWParamState per parameter),
// so save/load and checkpoints are unchanged;
// anything the loop does not cover (CUDA, non-fp32, non-contiguous, sparse, amsgrad,
// a closure) falls back to torch::optim::AdamW::step.
//
// clip_grad_norm_ and zero_grad do the same for clip_grad_norm_ and Optimizer::zero_grad.
//
//   auto adamw = std::make_unique<FusedAdamW>(std::move(groups), torch::optim::AdamWOptions(1e-3));
//   adamw->zero_grad(); loss.backward(); adamw->clip_grad_norm_(1.0); adamw->step();
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <vector>

namespace sfar::engine {

class FusedAdamW : public torch::optim::AdamW {
 public:
  FusedAdamW(std::vector<torch::optim::OptimizerParamGroup> groups, torch::optim::AdamWOptions defaults);

  torch::Tensor step(LossClosure closure = nullptr) override;

  // Zeroes every defined gradient in place (undefined ones stay undefined), on every LibTorch:
  // Optimizer::zero_grad, which this hides, sets them to undefined from LibTorch 2.0 on.
  void zero_grad();

  // torch::nn::utils::clip_grad_norm_ (2-norm) over this optimizer's parameters, with the sum
  // of squares taken in double in fixed blocks (the same for any thread count). Returns the
  // norm before clipping; 0 when no parameter has a gradient.
  double clip_grad_norm_(double max_norm);

 private:
  // Pointers to and sizes of the defined gradients, in group order; false when one of them is
  // not a contiguous CPU fp32 tensor (then the outputs are partial and unused).
  bool gradient_slots(std::vector<float*>& grads, std::vector<std::int64_t>& sizes) const;
  bool fusable_groups() const;
  void fused_step();
};

}  // namespace sfar::engine
