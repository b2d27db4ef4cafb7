// The tests' tiny CLIP architecture: the shape of the tiny reference CLIP (vit_tiny in
// support/make_references.py, whose weights tiny_clip_path() names and whose outputs the golden
// tests check), small enough to build in milliseconds. OpenAI's vocabulary and context length.
#pragma once

#include "sfar/models/clip_config.h"

namespace sfar::test {

// [B, 3, 64, 64] images in 16-pixel patches (16 tokens and the class token), 2 + 2 blocks of
// width 128 with 2 heads, 64-dimensional embeddings: 7,244,929 parameters.
inline models::ClipConfig tiny_clip_config() {
  models::ClipConfig c;
  c.embed_dim = 64;
  c.image_resolution = 64;
  c.vision_layers = 2;
  c.vision_width = 128;
  c.vision_patch_size = 16;
  c.transformer_width = 128;
  c.transformer_heads = 2;
  c.transformer_layers = 2;
  return c;
}

}  // namespace sfar::test
