// The optimizer section of torch_compat.h, kept in its own file so that the many translation
// units including torch_compat.h do not rebuild for it. Used by src/train/fused_adamw.cpp and
// src/train/checkpoint.cpp (AdamW state by position).
//
// torch::optim::Optimizer::state() is keyed by the parameter's TensorImpl: LibTorch 1.x keys
// it by the address printed to a string, LibTorch 2.x by the address itself. The key type is
// read from the map, so no version number is tested.
#pragma once

#include <torch/torch.h>

#include <sstream>
#include <string>
#include <type_traits>

namespace sfar::compat {

template <class StateMap>
typename StateMap::key_type optimizer_state_key(const StateMap& /*state*/, const at::Tensor& param) {
  using Key = typename StateMap::key_type;
  if constexpr (std::is_same_v<Key, std::string>) {
    std::ostringstream text;  // what c10::guts::to_string(TensorImpl*) prints
    text << param.unsafeGetTensorImpl();
    return text.str();
  } else {
    return static_cast<Key>(param.unsafeGetTensorImpl());
  }
}

}  // namespace sfar::compat
