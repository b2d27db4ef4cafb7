// The transformer shared by CLIP's image and text towers, as in OpenAI's model.py, with the
// same parameter names (`resblocks.0.attn.in_proj_weight`, `resblocks.0.mlp.c_fc.weight`, ...)
// so that checkpoints load by name. Batch-first: [B, L, D] throughout (OpenAI permutes to
// [L, B, D] internally; the arithmetic is the same).
//
//   ClipTransformer transformer(/*width=*/768, /*layers=*/12, /*heads=*/12);
//   torch::Tensor y = transformer(x, causal_mask(77));  // [B, 77, 768] -> [B, 77, 768]
#pragma once

#include <torch/torch.h>

#include "sfar/core/sfar_config.h"
#include "sfar/models/clip_config.h"

namespace sfar::models {

// x * sigmoid(1.702 x): the GELU approximation CLIP was trained with.
torch::Tensor quick_gelu(const torch::Tensor& x);
// Exact (erf) GELU, torch.nn.GELU's default: open_clip's models without `-quickgelu`.
torch::Tensor exact_gelu(const torch::Tensor& x);

// OpenAI's fp16-safe LayerNorm: normalises in fp32 and returns the input's dtype, so that
// reduced-precision activations (autocast, half weights) meet fp32 LayerNorm parameters.
torch::Tensor layer_norm_fp32(torch::nn::LayerNorm& norm, const torch::Tensor& x);

// [L, L] additive mask: 0 on and below the diagonal, -inf above (each token sees its past).
torch::Tensor causal_mask(std::int64_t length, const torch::Device& device = torch::kCPU);

// How ClipAttention computes softmax(q k^T / sqrt(d) + mask) v (sfar::AttentionKernel, the
// `model.attention` setting of core/sfar_config.h). `kFused` (the default) calls
// LibTorch's scaled_dot_product_attention, which picks a fused kernel (flash or memory-efficient
// on CUDA, a fused CPU kernel) and never materialises the [B, H, L, L] scores where it can;
// `kMath` writes the product out with matmul and softmax, as OpenAI's code does. Process-wide,
// for benchmarks and numerical comparisons (`sfar bench train --attention math`).
void set_attention_kernel(AttentionKernel kernel);
AttentionKernel attention_kernel();

// Multi-head self-attention laid out like torch.nn.MultiheadAttention: one packed
// `in_proj_weight` [3D, D] / `in_proj_bias` [3D] for q, k, v and an `out_proj` Linear.
class ClipAttentionImpl : public torch::nn::Module {
 public:
  ClipAttentionImpl(std::int64_t width, std::int64_t heads);
  // x [B, L, D], mask [L, L] additive or undefined -> [B, L, D]
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& mask = {});

  torch::Tensor in_proj_weight;
  torch::Tensor in_proj_bias;
  torch::nn::Linear out_proj{nullptr};

 private:
  std::int64_t heads_;
};
TORCH_MODULE(ClipAttention);

// Pre-norm block: x + attn(ln_1(x)), then x + mlp(ln_2(x)) with mlp = c_fc -> activation -> c_proj.
class ResidualAttentionBlockImpl : public torch::nn::Module {
 public:
  ResidualAttentionBlockImpl(std::int64_t width, std::int64_t heads,
                             ClipActivation activation = ClipActivation::kQuickGelu);
  // x [B, L, D], mask [L, L] or undefined -> [B, L, D]
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& mask = {});

  torch::nn::LayerNorm ln_1{nullptr};
  ClipAttention attn{nullptr};
  torch::nn::LayerNorm ln_2{nullptr};
  torch::nn::Sequential mlp{nullptr};  // "c_fc", "gelu", "c_proj", as OpenAI's OrderedDict
};
TORCH_MODULE(ResidualAttentionBlock);

class ClipTransformerImpl : public torch::nn::Module {
 public:
  ClipTransformerImpl(std::int64_t width, std::int64_t layers, std::int64_t heads,
                      ClipActivation activation = ClipActivation::kQuickGelu);
  // x [B, L, D], mask [L, L] or undefined -> [B, L, D]
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& mask = {});

  // OpenAI's initialisation (normal, std from width and depth); biases of attention are zero.
  void reset_parameters();

  // Activation checkpointing of every block (block_checkpoint.h): training keeps one [B, L, D]
  // tensor per block instead of all its activations and runs each block's forward twice.
  // Gradients are unchanged. Off by default; `model.grad_checkpointing` sets it for the image tower.
  void set_grad_checkpointing(bool on) { grad_checkpointing_ = on; }
  bool grad_checkpointing() const { return grad_checkpointing_; }

  std::int64_t width() const { return width_; }
  std::int64_t layers() const { return static_cast<std::int64_t>(resblocks->size()); }

  torch::nn::ModuleList resblocks{nullptr};

 private:
  std::int64_t width_;
  bool grad_checkpointing_ = false;
};
TORCH_MODULE(ClipTransformer);

}  // namespace sfar::models
