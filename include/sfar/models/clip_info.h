// What `sfar info --arch|--weights` prints: a CLIP architecture and its parameter count as one
// JSON object. Its keys: the ClipConfig's (embed_dim, image_resolution, vision_layers,
// vision_width, vision_patch_size, vision_heads, context_length, vocab_size, transformer_width,
// transformer_heads, transformer_layers, activation) and parameters, then arch for a preset, or
// weights and format for a file.
#pragma once

#include <string>

#include "sfar/core/sfar_config.h"

namespace sfar::models {

// A preset ("ViT-B/16"); a stated `activation` replaces the preset's. The parameters are counted
// from the configuration (clip_parameter_count).
std::string clip_preset_info_json(const std::string& arch, ActivationSetting activation);

// A weights file of any layout load_clip reads; the parameters are those of the loaded model.
std::string clip_weights_info_json(const std::string& weights, ActivationSetting activation);

}  // namespace sfar::models
