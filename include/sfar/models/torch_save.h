// Files in the format of Python's `torch.save` (a zip of data.pkl and one record per tensor
// storage) that `torch.load(f, weights_only=True)` accepts. LibTorch's own torch::pickle_save
// tags every dict and list with its element types through torch.jit._pickle.restore_type_tag,
// a global that the weights-only unpickler refuses; here dicts and lists are written plain.
//
//   c10::Dict<std::string, torch::Tensor> state = ...;
//   save_torch_file(c10::IValue(state), "model.pt");   // Python: torch.load("model.pt", weights_only=True)
#pragma once

#include <torch/torch.h>

#include <map>
#include <string>

namespace sfar::models {

// The file's bytes: `value` (tensors, strings, numbers, and lists and dicts of them) pickled
// without type tags, tensors moved to the CPU.
// `extra_records`: name -> bytes, written beside data.pkl (torch.load ignores them).
std::string torch_save_bytes(const c10::IValue& value, const std::map<std::string, std::string>& extra_records = {});

// torch_save_bytes written atomically (temporary file, fsync, rename).
void save_torch_file(const c10::IValue& value, const std::string& path,
                     const std::map<std::string, std::string>& extra_records = {});

}  // namespace sfar::models
