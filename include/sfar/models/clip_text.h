// CLIP's text tower as in OpenAI's model.py: token + positional embedding, causal
// transformer, ln_final, then text_projection. Its parameters sit at the root of OpenAI's
// state_dict (`token_embedding.weight`, `transformer.resblocks.0...`, `ln_final`,
// `text_projection`), so ClipModel derives from this class instead of nesting it.
//
//   ClipTextEncoder text(config);
//   torch::Tensor f = text->encode_text(tokens);           // [B, 77] int64 -> [B, embed_dim]
//   ClipTextTokens all = text->encode_text_tokens(tokens);  // features [B, 77, embed_dim]
#pragma once

#include <torch/torch.h>

#include "sfar/models/clip_config.h"
#include "sfar/models/clip_transformer.h"

namespace sfar::models {

struct ClipTextTokens {
  torch::Tensor features;   // [B, L, embed_dim]: every position after ln_final and projection
  torch::Tensor eot_index;  // [B] int64: position of the first end-of-text token per row
};

class ClipTextEncoderImpl : public torch::nn::Module {
 public:
  explicit ClipTextEncoderImpl(const ClipConfig& config);

  // [B, L] int64 (L <= context_length) -> [B, embed_dim], unnormalised, pooled at the
  // end-of-text token (OpenAI's encode_text).
  torch::Tensor encode_text(const torch::Tensor& tokens);
  // [B, L] int64 -> features [B, L, embed_dim] and the end-of-text index [B].
  ClipTextTokens encode_text_tokens(const torch::Tensor& tokens);
  // [B, L] int64 -> [B]: first position of config.eot_token_id; ArgumentError names a row
  // that has none.
  torch::Tensor end_token_index(const torch::Tensor& tokens) const;

  const ClipConfig& config() const { return config_; }
  // The pooling id follows the tokenizer (e.g. a SentencePiece vocabulary's end id).
  void set_eot_token_id(std::int64_t id);

  void reset_text_parameters();

  torch::nn::Embedding token_embedding{nullptr};
  torch::Tensor positional_embedding;  // [context_length, width]
  ClipTransformer transformer{nullptr};
  torch::nn::LayerNorm ln_final{nullptr};
  torch::Tensor text_projection;       // [width, embed_dim]

 protected:
  ClipConfig config_;

 private:
  torch::Tensor hidden_states(const torch::Tensor& tokens);  // [B, L] -> [B, L, width]
};
TORCH_MODULE(ClipTextEncoder);

}  // namespace sfar::models
