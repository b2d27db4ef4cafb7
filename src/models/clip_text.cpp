#include "sfar/models/clip_text.h"

#include <cmath>

#include "sfar/core/error.h"

namespace sfar::models {
namespace {

// Shape, dtype and id range of a token batch; ArgumentError names the offending value.
void check_tokens(const torch::Tensor& tokens, const ClipConfig& config) {
  if (tokens.dim() != 2 || tokens.size(1) > config.context_length || tokens.size(1) == 0 ||
      tokens.scalar_type() != torch::kInt64) {
    throw ArgumentError("clip text input", "expected int64 tokens [B, L] with 0 < L <= " +
                        std::to_string(config.context_length),
                        c10::str(tokens.scalar_type(), tokens.sizes()));
  }
  const auto [low, high] = tokens.aminmax();
  if (low.item<std::int64_t>() < 0 || high.item<std::int64_t>() >= config.vocab_size) {
    throw ArgumentError("clip text input", "token id outside [0, " +
                        std::to_string(config.vocab_size) + ")",
                        std::to_string(low.item<std::int64_t>()) + ".." +
                            std::to_string(high.item<std::int64_t>()));
  }
}

}  // namespace

ClipTextEncoderImpl::ClipTextEncoderImpl(const ClipConfig& config) : config_(config) {
  validate_clip_config(config);
  const auto width = config.transformer_width;
  token_embedding = register_module("token_embedding", torch::nn::Embedding(config.vocab_size, width));
  positional_embedding =
      register_parameter("positional_embedding", torch::empty({config.context_length, width}));
  transformer = register_module(
      "transformer", ClipTransformer(width, config.transformer_layers, config.transformer_heads, config.activation));
  ln_final = register_module("ln_final", torch::nn::LayerNorm(torch::nn::LayerNormOptions({width})));
  text_projection = register_parameter("text_projection", torch::empty({width, config.embed_dim}));
  reset_text_parameters();
}

void ClipTextEncoderImpl::reset_text_parameters() {
  torch::NoGradGuard no_grad;
  token_embedding->weight.normal_(0.0, 0.02);
  positional_embedding.normal_(0.0, 0.01);
  text_projection.normal_(0.0, std::pow(static_cast<double>(config_.transformer_width), -0.5));
}

void ClipTextEncoderImpl::set_eot_token_id(std::int64_t id) {
  if (id < 0 || id >= config_.vocab_size) {
    throw ArgumentError("clip.eot_token_id", "must be an id below vocab_size (" +
                        std::to_string(config_.vocab_size) + ")", std::to_string(id));
  }
  config_.eot_token_id = id;
}

torch::Tensor ClipTextEncoderImpl::end_token_index(const torch::Tensor& tokens) const {
  check_tokens(tokens, config_);
  const auto length = tokens.size(1);
  auto positions = torch::arange(length, tokens.options().dtype(torch::kInt64)).expand_as(tokens);
  auto index = torch::where(tokens == config_.eot_token_id, positions,
                            torch::full_like(positions, length))
                   .amin(1);
  auto missing = (index == length).nonzero();
  if (missing.numel() > 0) {
    throw ArgumentError("clip text tokens: row " + std::to_string(missing[0].item<std::int64_t>()),
                        "has no end-of-text token", std::to_string(config_.eot_token_id));
  }
  return index;
}

torch::Tensor ClipTextEncoderImpl::hidden_states(const torch::Tensor& tokens) {
  const auto length = tokens.size(1);
  auto x = token_embedding(tokens);
  x = x + positional_embedding.slice(0, 0, length).to(x.scalar_type());
  x = transformer(x, causal_mask(length, tokens.device()));
  return layer_norm_fp32(ln_final, x);
}

torch::Tensor ClipTextEncoderImpl::encode_text(const torch::Tensor& tokens) {
  auto index = end_token_index(tokens);
  auto x = hidden_states(tokens);
  auto pooled = x.index({torch::arange(x.size(0), index.options()), index});  // [B, width]
  return torch::matmul(pooled, text_projection.to(pooled.scalar_type()));
}

ClipTextTokens ClipTextEncoderImpl::encode_text_tokens(const torch::Tensor& tokens) {
  auto index = end_token_index(tokens);
  auto x = hidden_states(tokens);
  return {torch::matmul(x, text_projection.to(x.scalar_type())), index};
}

}  // namespace sfar::models
