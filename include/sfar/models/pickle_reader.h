// Reading what Python's torch.save writes (a zip holding data.pkl and one record per tensor
// storage) without Python. LibTorch's own unpickler turns every collections.OrderedDict into
// None, so it cannot read `torch.save(model.state_dict())` (an OrderedDict with `_metadata`);
// this reader keeps OrderedDicts as dicts and turns objects it does not know (a yacs config, an
// optimizer's parameter groups, argparse namespaces) into opaque values that only fail when
// something asks for their contents, so that a training checkpoint's tensors can be read from
// beside them.
//
//   PickleRef root = read_torch_save("best.pth");
//   const PickleValue* model = root->find("model");   // nullptr when absent or not a dict
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace sfar::models {

struct PickleValue;
using PickleRef = std::shared_ptr<PickleValue>;

struct PickleValue {
  enum class Kind { kNone, kBool, kInt, kFloat, kString, kBytes, kTuple, kList, kDict, kTensor, kGlobal, kObject };
  Kind kind = Kind::kNone;
  std::int64_t integer = 0;   // kBool, kInt
  double number = 0.0;        // kFloat
  std::string text;           // kString, kBytes; "module.name" of kGlobal and of kObject's class
  std::vector<PickleRef> items;                          // kTuple, kList; kObject's arguments
  std::vector<std::pair<PickleRef, PickleRef>> entries;  // kDict in insertion order
  torch::Tensor tensor;       // kTensor (CPU)

  bool is_string_keyed_dict() const;
  // The value under string key `key` of a kDict, or nullptr.
  const PickleValue* find(const std::string& key) const;
  // "dict", "tensor", "object yacs.config.CfgNode", ... for error messages.
  std::string describe() const;
};

// The object a torch.save zip holds. FormatError naming `path` for a file that is not one, an
// opcode this reader does not know, a storage record that is missing or too short, or a tensor
// that reaches outside its storage.
PickleRef read_torch_save(const std::string& path);

}  // namespace sfar::models
