// What a CLIP weight file says about itself beyond its tensor shapes: the wrapper prefixes
// training scripts add to every name, and the MLP activation, which no tensor carries (OpenAI's
// QuickGELU and open_clip's GELU models have identical state_dicts).
//
// Where the activation comes from, by layout:
//   - a TorchScript archive: OpenAI's releases are the only TorchScript CLIPs -> QuickGELU;
//   - Hugging Face CLIPModel names: `hidden_act` of the config.json beside the file (an absent
//     key is HF's default, quick_gelu); without a config.json the file says nothing;
//   - a torch.save state_dict, or safetensors in OpenAI's names: nothing.
// When the file says nothing the setting (`model.activation`, `--activation`) must state it;
// `auto` is then a ConfigError naming the file and the key. A stated value that contradicts
// the file is a ConfigError too: a wrong activation gives wrong features without any error.
//
//   ClipActivation a = resolve_clip_activation(file_activation, "ViT-B-16.pt",
//                                              {ActivationSetting::kAuto, "model.activation"});
#pragma once

#include <torch/torch.h>

#include <map>
#include <optional>
#include <string>

#include "sfar/models/clip_config.h"

namespace sfar::models {

// Tensor name -> tensor, sorted by name.
using StateDict = std::map<std::string, torch::Tensor>;

// What the file says about its activation, and why ("TorchScript archive (OpenAI's release)").
struct FileActivation {
  std::optional<ClipActivation> activation;
  std::string evidence;
};

// The user's setting (auto, quick_gelu or gelu) and its name for error messages.
struct ClipActivationChoice {
  ActivationSetting value = ActivationSetting::kAuto;
  std::string key = "model.activation";
};

// Removes "module." (DistributedDataParallel) and "model." (wrapping modules) from every name,
// repeatedly, but only while all names carry the same one: a prefix on some names only is a
// different layout, left for loading to report.
void strip_wrapper_prefixes(StateDict& weights);

// The CLIP layouts of Python training code whose names differ from OpenAI's, renamed to
// OpenAI's: open_clip's CustomTextCLIP ("text.transformer.*", "text.token_embedding.weight", ...)
// and ViFi-CLIP ("image_encoder.*" -> "visual.*", "text_encoder.*" -> top level; its prompt
// learner's class-prompt buffers are dropped). BIKE's model_state_dict is OpenAI's layout already.
// Returns the activation a layout implies (ViFi-CLIP: OpenAI's QuickGELU), else nullopt.
// ModelError naming `where` for a ViFi-CLIP file with learned prompt context or without a token
// embedding (ViFi-CLIP's text encoder does not keep one).
std::optional<FileActivation> convert_python_clip_layout(StateDict& weights, const std::string& where);

// `hidden_act` of the config.json in `weights_path`'s directory, for Hugging Face safetensors.
// No config.json (or one without text_config/vision_config): no activation. FormatError for
// bad JSON; ModelError naming config.json when the towers differ or hidden_act is neither
// quick_gelu nor gelu (HF's tanh approximations are not CLIP's).
FileActivation hf_config_activation(const std::string& weights_path);

// The file's activation, the stated one, or a ConfigError naming `path` and `choice.key`.
ClipActivation resolve_clip_activation(const FileActivation& file, const std::string& path,
                                       const ClipActivationChoice& choice);

}  // namespace sfar::models
