// The frozen text side of SFAR for one label space: per class the global text ("a video of a
// person {name}") and its N sub-texts, encoded once by CLIP's text encoder and kept as token
// features (every position from start-of-text to end-of-text inclusive) and class embeddings
// (the end-of-text position). Shapes (C classes, N sub-texts, D embedding):
//   global_tokens [C, Lg, D] + global_mask [C, Lg] (true = a real token)
//   global_embed  [C, D]
//   sub_tokens    [C, N, Ls, D] + sub_mask [C, N, Ls]
//   sub_embed     [C, N, D]
#pragma once

#include <torch/torch.h>

#include "sfar/models/clip_text.h"

namespace sfar::method {

struct TextBank {
  torch::Tensor global_tokens, global_mask, global_embed;
  torch::Tensor sub_tokens, sub_mask, sub_embed;

  std::int64_t num_classes() const { return global_embed.size(0); }
  std::int64_t num_subtexts() const { return sub_embed.size(1); }
  TextBank to(const torch::Device& device) const;
};

// Encodes token ids without gradients: global [C, L] and sub-texts [C, N, L] int64 (rows
// padded with zeros after the end token, as Tokenizer::tokenize gives them). Texts are sent
// through the encoder in chunks of `batch_size` rows.
TextBank encode_text_bank(models::ClipTextEncoderImpl& encoder, const torch::Tensor& global_ids,
                          const torch::Tensor& sub_ids, std::int64_t batch_size = 256);

// Token features trimmed to the longest text: features [R, L, D], end index [R] ->
// ([R, Lmax, D], mask [R, Lmax]) with positions 0..end inclusive marked valid.
std::pair<torch::Tensor, torch::Tensor> trim_token_features(const torch::Tensor& features,
                                                            const torch::Tensor& end_index);

}  // namespace sfar::method
