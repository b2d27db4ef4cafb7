// Exports of a trained run for the Python ecosystem (docs/checkpoint_format.md): the model's
// weights as a plain PyTorch state_dict (`.pt`, read by `torch.load(f, weights_only=True)`) or
// a `.safetensors` file whose metadata names the format, sfar's version, the head type and the
// run's config. The CLIP backbone keeps OpenAI CLIP's parameter names (OpenAI's code and
// open_clip load it with load_state_dict); the head's parameters carry the prefix "sfar_head.".
// An export is also valid as `model.weights` of sfar train/eval/infer, head included.
// Both formats carry a record of how to read them (models/export_record.h): the resolved
// activation, the tokenizer and its vocabulary's hash, image size, mean/std and the head.
//
//   ExportResult r = export_checkpoint("runs/x/checkpoints/best.pt", "model.safetensors");
//   SplitWeights w = split_export(models::read_clip_state_dict("model.safetensors"));
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "sfar/models/clip_loader.h"

namespace sfar::recipes {

inline constexpr const char* kExportFormat = "sfar-export-1";
inline constexpr const char* kHeadPrefix = models::kSfarHeadPrefix;

// An SfarModel's state (names "clip.<OpenAI name>", "head.<name>") -> export names and CPU
// tensors, in the model's order: "<OpenAI name>" and "sfar_head.<name>". Any other name is a
// ModelError naming `where` and the tensor.
std::vector<std::pair<std::string, torch::Tensor>> export_tensors(
    const torch::OrderedDict<std::string, torch::Tensor>& model_state, const std::string& where);

struct ExportResult {
  std::string out;
  std::string format;     // "state_dict" or "safetensors"
  std::string head_type;  // head.type of the run's config
  std::int64_t backbone_tensors = 0, head_tensors = 0;
};

// Reads the "model" tensors and the config of an sfar training checkpoint and writes `out`
// atomically: a torch.save zip holding a dict of tensors when it ends in ".pt", safetensors
// when it ends in ".safetensors" (metadata: format, sfar_version, head_type, config,
// sfar_record), with the record as the zip's sfar_record.json in a .pt. The record reads the
// run's tokenizer vocabulary (for its hash) and, when model.activation is auto, its model.weights
// file: IoError naming either when it can no longer be read.
// ArgumentError for another extension; IoError/FormatError naming the checkpoint.
ExportResult export_checkpoint(const std::string& checkpoint, const std::string& out);

// An export's tensors (or plain CLIP weights, whose head is then empty) split into CLIP's,
// names unchanged, and the head's, "sfar_head." removed.
struct SplitWeights {
  models::StateDict clip, head;
};
SplitWeights split_export(models::StateDict weights);

// Copies `head` (names without the prefix) into `module` by name. Every name and shape is
// checked first: a missing, unexpected or mis-shaped tensor is a ModelError naming `where`
// (the file) and the tensor as "sfar_head.<name>"; the module is then unchanged.
void load_head_weights(torch::nn::Module& module, const models::StateDict& head, const std::string& where);

}  // namespace sfar::recipes
