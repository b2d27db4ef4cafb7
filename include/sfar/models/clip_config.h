// The architecture of a CLIP model (ViT image tower + text transformer), as OpenAI's
// `build_model` describes it, with the released presets and inference from checkpoint
// tensor shapes. LibTorch-free: shapes come in as plain vectors. The MLP activation is part of
// the architecture but not of the shapes: OpenAI's releases use QuickGELU, open_clip's LAION
// and DataComp models exact GELU, with identical tensors (clip_loader.h says how it is found).
//
//   sfar::models::ClipConfig config = sfar::models::clip_preset("ViT-B/16");
//   std::int64_t n = sfar::models::clip_parameter_count(config);  // 149'620'737
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "sfar/core/config_archive.h"
#include "sfar/core/sfar_config.h"

namespace sfar::models {

// The transformer MLP's non-linearity. kQuickGelu: x * sigmoid(1.702 x), what OpenAI trained
// with; kGelu: exact (erf) GELU, torch.nn.GELU's default, what open_clip uses without
// `-quickgelu`.
enum class ClipActivation { kQuickGelu, kGelu };
inline const cfg::NamedValues<ClipActivation>& clip_activation_names() {
  static const cfg::NamedValues<ClipActivation> names = {
      {"quick_gelu", ClipActivation::kQuickGelu},
      {"gelu", ClipActivation::kGelu},
  };
  return names;
}

// "quick_gelu" / "gelu", the spelling of the config key `activation`.
std::string to_string(ClipActivation activation);
// The reverse; ArgumentError naming `where` and the value for anything else.
ClipActivation parse_clip_activation(const std::string& name, const std::string& where);
// The activation a `model.activation` / `--activation` setting states; none for auto.
std::optional<ClipActivation> stated_activation(ActivationSetting setting);

struct ClipConfig {
  std::int64_t embed_dim = 512;
  // Vision tower (ViT).
  std::int64_t image_resolution = 224;
  std::int64_t vision_layers = 12;
  std::int64_t vision_width = 768;
  std::int64_t vision_patch_size = 16;
  // Text tower.
  std::int64_t context_length = 77;
  std::int64_t vocab_size = 49408;
  std::int64_t transformer_width = 512;
  std::int64_t transformer_heads = 8;
  std::int64_t transformer_layers = 12;
  // Text features are pooled at the first occurrence of this id. 49407 is CLIP BPE's
  // <|endoftext|>; a SentencePiece vocabulary has its own.
  std::int64_t eot_token_id = 49407;
  // Both towers use the same one, as in OpenAI's and open_clip's CLIP.
  ClipActivation activation = ClipActivation::kQuickGelu;

  // The YAML keys of the architecture (the `clip:` section of a pre-training config). Not keys:
  // vocab_size and eot_token_id, which come from the tokenizer, and the vision heads, which
  // follow from the width. Ranges are the per-field ones; validate_clip_config checks the rest.
  template <class A>
  void visit(A& a) {
    a("embed_dim", embed_dim, cfg::at_least(1));
    a("image_resolution", image_resolution, cfg::at_least(1));
    a("vision_layers", vision_layers, cfg::at_least(1));
    a("vision_width", vision_width, cfg::at_least(64));
    a("vision_patch_size", vision_patch_size, cfg::at_least(1));
    a("context_length", context_length, cfg::in_range(4, 4096));
    a("transformer_width", transformer_width, cfg::at_least(64));
    a("transformer_heads", transformer_heads, cfg::at_least(1));
    a("transformer_layers", transformer_layers, cfg::at_least(1));
    a("activation", activation, clip_activation_names());
  }

  // OpenAI's ViT uses 64-dimensional heads.
  std::int64_t vision_heads() const { return vision_width / 64; }
  std::int64_t grid_size() const { return image_resolution / vision_patch_size; }

  bool operator==(const ClipConfig& other) const;
  bool operator!=(const ClipConfig& other) const { return !(*this == other); }
};

// Throws ArgumentError naming the field when a size is non-positive or does not divide.
void validate_clip_config(const ClipConfig& config);

// "ViT-B/32", "ViT-B/16", "ViT-L/14", "ViT-L/14@336px" (OpenAI's, so QuickGELU); ArgumentError
// lists them otherwise.
ClipConfig clip_preset(const std::string& name);
std::vector<std::string> clip_preset_names();

// Parameter count of OpenAI's model.py for this architecture (buffers excluded).
std::int64_t clip_parameter_count(const ClipConfig& config);

// Tensor name -> shape, in OpenAI's state_dict naming.
using TensorShapes = std::map<std::string, std::vector<std::int64_t>>;

// Infers the architecture from checkpoint shapes exactly as OpenAI's build_model does
// (heads = width / 64). `where` (the file) prefixes errors: a ModelError lists the tensors
// that are missing, and a ResNet image tower is reported as unsupported. The activation is
// left at its default: shapes cannot tell it (the loader sets it).
ClipConfig infer_clip_config(const TensorShapes& shapes, const std::string& where);

}  // namespace sfar::models
