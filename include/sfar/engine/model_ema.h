// Exponential moving average of a model's weights: after each optimizer step
// ema = decay * ema + (1 - decay) * param for floating-point parameters and buffers
// (other buffers are copied). Evaluating with the averaged weights is often better than
// with the last ones.
//
//   ModelEma ema(*model, 0.999);
//   ... optimizer.step(); ema.update(*model);
//   ema.copy_to(*eval_model);
#pragma once

#include <torch/torch.h>

#include <string>

namespace sfar::engine {

class ModelEma {
 public:
  ModelEma(const torch::nn::Module& model, double decay);

  void update(const torch::nn::Module& model);
  // Copies the averaged values into `model` (same parameter and buffer names).
  void copy_to(torch::nn::Module& model) const;

  double decay() const { return decay_; }
  const torch::OrderedDict<std::string, torch::Tensor>& tensors() const { return tensors_; }

  void save(torch::serialize::OutputArchive& archive) const;
  // Throws ModelError naming a missing tensor or a shape mismatch.
  void load(torch::serialize::InputArchive& archive);

 private:
  double decay_;
  torch::OrderedDict<std::string, torch::Tensor> tensors_;  // params then buffers, by name
};

// A model's parameters and buffers by name (buffers prefixed "buffer:"; the same scheme
// ModelEma and checkpoints use).
torch::OrderedDict<std::string, torch::Tensor> model_state(const torch::nn::Module& model);

}  // namespace sfar::engine
