// The arithmetic cost of SFAR per view, counted analytically from the architecture, for
// `sfar info --flops`. A view is one clip of T frames at one crop (the 1 x 1 test view of
// docs/method.md). Only matrix products are counted (convolution, linear layers,
// attention's scores and weighted values, the head's similarities and weighted sums), as
// multiply-adds; normalisation, activations, softmax and additions are left out (about 1 % at
// ViT-B sizes). FLOPs = 2 x multiply-adds (torch.utils.flop_counter's convention; fvcore and
// several papers report multiply-adds as "FLOPs").
//
// Per image, L = g^2 + 1 tokens of width W, grid g = R / p, embedding E:
//   patch embedding   g^2 (3 p^2) W
//   each block        12 L W^2 (q, k, v, out 4 L W^2; MLP 8 L W^2) + 2 L^2 W (scores, values)
//   projection        W E (the class token only)
// Per view: T images, the temporal transformer (as a block of width E over T tokens), and the
// head for C classes with texts of Lg global and Ls sub-text tokens (N sub-texts):
//   coarse  C Lg T E (word-frame cosines) + C T E (weighted sum) + 2 C E^2 (FFN)
//   fine    C N Ls T E + C T E + 2 C E^2;  concat fusion + 2 C E^2;  logits C E
// Per class set, not per view (texts are encoded once and cached): the text tower on C (1 + N)
// texts of `context_length` tokens, and the coarse branch's text-side attention.
//
//   auto cost = sfar_view_cost(clip_config, head_options, {8, 400, 77, 77, 4});
//   double gflops = 2 * cost.per_view_macs() / 1e9;
#pragma once

#include <string>
#include <vector>

#include "sfar/method/video_head.h"
#include "sfar/models/clip_config.h"

namespace sfar::method {

struct ViewShape {
  std::int64_t frames = 8;          // T
  std::int64_t classes = 400;       // C, candidate classes scored per video
  std::int64_t global_tokens = 77;  // Lg
  std::int64_t sub_tokens = 77;     // Ls
  std::int64_t subtexts = 4;        // N
};

struct CostPart {
  std::string name;
  double macs = 0;  // multiply-adds
};

struct ModelCost {
  std::vector<CostPart> per_view;   // image tower (by part), temporal transformer, head
  std::vector<CostPart> per_texts;  // once per class set
  double per_view_macs() const;
  double per_texts_macs() const;
};

// Multiply-adds of one ViT pass over one image of `config`'s image tower, by part.
std::vector<CostPart> image_tower_macs(const models::ClipConfig& config);
// Multiply-adds of a CLIP transformer of `layers` blocks of width `width` over `tokens` tokens.
double transformer_macs(std::int64_t width, std::int64_t layers, std::int64_t tokens);

ModelCost sfar_view_cost(const models::ClipConfig& config, const HeadOptions& head, const ViewShape& shape);

}  // namespace sfar::method
