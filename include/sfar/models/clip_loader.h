// Loading CLIP weights, with the architecture inferred from them. Three formats, told apart
// by their bytes rather than the file name:
//   - OpenAI's TorchScript releases (`ViT-B-16.pt`: zip with constants.pkl; fp16/fp32 mix and
//     scalar buffers input_resolution/context_length/vocab_size, which are ignored);
//   - a `state_dict` saved by Python's torch.save (zip, read with torch::pickle_load);
//   - Hugging Face `CLIPModel` safetensors (names converted: q/k/v concatenated into in_proj,
//     Linear projections transposed, position_ids ignored).
// A torch.save file may be an OrderedDict (what state_dict() returns) or hold the weights under
// "state_dict", "model" or "model_state_dict" (pickle_reader.h); open_clip's CustomTextCLIP and
// ViFi-CLIP names are renamed to OpenAI's (clip_layout.h).
// "module." / "model." on every name (DDP, wrappers) is removed first. The MLP activation comes
// from the file's layout or the caller's setting (clip_layout.h); a file whose tensors are not
// a CLIP ViT in one of these layouts is a ModelError naming it.
// Weights always become fp32 on the CPU before the model moves to its device.
//
//   sfar::models::ClipModel model = sfar::models::load_clip("ViT-B-16.pt", {"auto"}, torch::kCUDA);
#pragma once

#include <torch/torch.h>

#include <map>
#include <optional>
#include <string>

#include "sfar/models/clip_config.h"
#include "sfar/models/clip_layout.h"
#include "sfar/models/clip_model.h"
#include "sfar/models/export_record.h"

namespace sfar::models {

enum class ClipWeightFormat { kTorchScript, kStateDict, kSafetensors };
std::string to_string(ClipWeightFormat format);

// Looks at the file's first bytes (and zip records); FormatError if it is none of the three.
ClipWeightFormat detect_clip_weight_format(const std::string& path);

// A file read: OpenAI-named fp32 CPU tensors (ignored buffers and wrapper prefixes dropped)
// and what its layout says about the activation.
struct ClipWeightFile {
  StateDict weights;
  FileActivation activation;             // an sfar export's record decides it
  std::optional<ExportRecord> record;    // an sfar export's (export_record.h)
};
ClipWeightFile read_clip_weight_file(const std::string& path);
// read_clip_weight_file(path).weights
StateDict read_clip_state_dict(const std::string& path);

// Hugging Face CLIPModel names -> OpenAI names; `where` (the file) prefixes errors. Keys it
// does not know are kept unchanged so that loading reports them as unexpected.
StateDict convert_hf_clip_state_dict(const StateDict& hf, const std::string& where);

TensorShapes shapes_of(const StateDict& weights);

// Copies `weights` into the model by name. A ModelError lists every missing, unexpected and
// mis-shaped tensor (name and shapes); the model is unchanged when it throws.
void load_clip_weights(ClipModelImpl& model, const StateDict& weights, const std::string& where);

// The prefix of the video head's tensors in an `sfar export` (recipes/model_export.h); the rest
// of an export is CLIP under OpenAI's names.
inline constexpr const char* kSfarHeadPrefix = "sfar_head.";

// Reads the file, infers the architecture and resolves the activation (`activation`: auto or
// stated, see clip_layout.h), builds the model, loads the weights and moves the model to
// `device`, in eval mode. An sfar export's head tensors are left out.
ClipModel load_clip(const std::string& path, const ClipActivationChoice& activation,
                    const torch::Device& device = torch::kCPU);
// The same from weights already read; `where` (the file) prefixes errors.
ClipModel load_clip(const StateDict& weights, const std::string& where, ClipActivation activation,
                    const torch::Device& device = torch::kCPU);

// Writes `weights` as torch.save does (zip + pickle), readable by read_clip_state_dict and
// by Python's torch.load(path, weights_only=True).
void save_clip_state_dict(const StateDict& weights, const std::string& path);

// The model's parameters as a StateDict (CPU, detached).
StateDict clip_state_dict(const ClipModelImpl& model);

}  // namespace sfar::models
