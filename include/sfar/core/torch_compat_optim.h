// The optimizer section of torch_compat.h, kept in its own file so that the many translation
// units including torch_compat.h do not rebuild for it. Used by src/engine/fused_adamw.cpp and
// src/engine/checkpoint.cpp (AdamW state by position).
//
// torch::optim::Optimizer::state() is keyed by the parameter's TensorImpl address in LibTorch 2.x.
#pragma once

#include <torch/torch.h>

namespace sfar::compat {

template <class StateMap>
typename StateMap::key_type optimizer_state_key(const StateMap& /*state*/, const at::Tensor& param) {
  return static_cast<typename StateMap::key_type>(param.unsafeGetTensorImpl());
}

}  // namespace sfar::compat
