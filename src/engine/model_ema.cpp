#include "sfar/engine/model_ema.h"

#include "sfar/core/config_archive.h"
#include "sfar/core/error.h"
#include "sfar/engine/checkpoint.h"

namespace sfar::engine {

torch::OrderedDict<std::string, torch::Tensor> model_state(const torch::nn::Module& model) {
  torch::OrderedDict<std::string, torch::Tensor> state;
  for (const auto& p : model.named_parameters(true)) state.insert(p.key(), p.value());
  for (const auto& b : model.named_buffers(true)) state.insert("buffer:" + b.key(), b.value());
  return state;
}

ModelEma::ModelEma(const torch::nn::Module& model, double decay) : decay_(decay) {
  if (!(decay > 0 && decay < 1)) {
    throw ArgumentError("ema decay", "must be in (0, 1)", cfg::format_number(decay));
  }
  torch::NoGradGuard no_grad;
  for (const auto& item : model_state(model)) {
    tensors_.insert(item.key(), item.value().detach().clone());
  }
}

void ModelEma::update(const torch::nn::Module& model) {
  torch::NoGradGuard no_grad;
  for (const auto& item : model_state(model)) {
    torch::Tensor* avg = tensors_.find(item.key());
    SFAR_ASSERT(avg != nullptr, "EMA of a model whose tensors changed: " + item.key());
    if (avg->is_floating_point()) {
      avg->mul_(decay_).add_(item.value().detach(), 1.0 - decay_);
    } else {
      avg->copy_(item.value());
    }
  }
}

void ModelEma::copy_to(torch::nn::Module& model) const {
  torch::NoGradGuard no_grad;
  for (auto& item : model_state(model)) {
    const torch::Tensor* avg = tensors_.find(item.key());
    if (!avg) throw ModelError(item.key(), "the EMA holds no tensor of this name");
    item.value().copy_(*avg);
  }
}

void ModelEma::save(torch::serialize::OutputArchive& archive) const {
  write_named_tensors(archive, tensors_);
}

void ModelEma::load(torch::serialize::InputArchive& archive) {
  torch::NoGradGuard no_grad;
  const auto saved = read_named_tensors(archive);
  for (auto& item : tensors_) {
    const torch::Tensor* found = saved.find(item.key());
    if (!found) {
      throw ModelError("ema/" + item.key(), "missing from the checkpoint");
    }
    if (found->sizes() != item.value().sizes()) {
      throw ModelError("ema/" + item.key(), "shape differs from the model's",
                       c10::str(found->sizes()));
    }
    item.value().copy_(*found);
  }
}

}  // namespace sfar::engine
