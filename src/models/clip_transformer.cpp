#include "sfar/models/clip_transformer.h"

#include <atomic>
#include <cmath>
#include <limits>

#include "sfar/core/error.h"
#include "sfar/models/block_checkpoint.h"

namespace sfar::models {

namespace {
std::atomic<AttentionKernel> g_attention_kernel{AttentionKernel::kFused};
}  // namespace

void set_attention_kernel(AttentionKernel kernel) { g_attention_kernel = kernel; }
AttentionKernel attention_kernel() { return g_attention_kernel; }

torch::Tensor quick_gelu(const torch::Tensor& x) { return x * torch::sigmoid(1.702 * x); }

torch::Tensor exact_gelu(const torch::Tensor& x) { return torch::gelu(x, "none"); }

torch::Tensor layer_norm_fp32(torch::nn::LayerNorm& norm, const torch::Tensor& x) {
  if (x.scalar_type() == torch::kFloat32) return norm->forward(x);
  return norm->forward(x.to(torch::kFloat32)).to(x.scalar_type());
}

torch::Tensor causal_mask(std::int64_t length, const torch::Device& device) {
  return torch::full({length, length}, -std::numeric_limits<float>::infinity(),
                     torch::TensorOptions().dtype(torch::kFloat32).device(device))
      .triu(1);
}

ClipAttentionImpl::ClipAttentionImpl(std::int64_t width, std::int64_t heads) : heads_(heads) {
  if (heads <= 0 || width % heads != 0) {
    throw ArgumentError("clip attention", "width " + std::to_string(width) +
                        " is not divisible by the number of heads", std::to_string(heads));
  }
  in_proj_weight = register_parameter("in_proj_weight", torch::empty({3 * width, width}));
  in_proj_bias = register_parameter("in_proj_bias", torch::zeros({3 * width}));
  out_proj = register_module("out_proj", torch::nn::Linear(width, width));
  torch::nn::init::xavier_uniform_(in_proj_weight);
  torch::NoGradGuard no_grad;
  out_proj->bias.zero_();
}

torch::Tensor ClipAttentionImpl::forward(const torch::Tensor& x, const torch::Tensor& mask) {
  const auto batch = x.size(0), length = x.size(1), width = x.size(2);
  const auto head_dim = width / heads_;
  // [B, L, 3D] -> three [B, H, L, d]
  auto qkv = torch::nn::functional::linear(x, in_proj_weight, in_proj_bias)
                 .view({batch, length, 3, heads_, head_dim})
                 .permute({2, 0, 3, 1, 4});
  torch::Tensor out;  // [B, H, L, d]
  if (g_attention_kernel == AttentionKernel::kFused) {
    std::optional<torch::Tensor> additive;
    if (mask.defined()) additive = mask.to(qkv.scalar_type());
    out = at::scaled_dot_product_attention(qkv[0], qkv[1], qkv[2], additive);
  } else {
    auto q = qkv[0] * (1.0 / std::sqrt(static_cast<double>(head_dim)));
    auto scores = torch::matmul(q, qkv[1].transpose(-2, -1));  // [B, H, L, L]
    if (mask.defined()) scores = scores + mask.to(scores.dtype());
    auto weights = torch::softmax(scores, -1).to(qkv.scalar_type());
    out = torch::matmul(weights, qkv[2]);
  }
  return out_proj(out.transpose(1, 2).reshape({batch, length, width}));
}

ResidualAttentionBlockImpl::ResidualAttentionBlockImpl(std::int64_t width, std::int64_t heads,
                                                       ClipActivation activation) {
  ln_1 = register_module("ln_1", torch::nn::LayerNorm(torch::nn::LayerNormOptions({width})));
  attn = register_module("attn", ClipAttention(width, heads));
  ln_2 = register_module("ln_2", torch::nn::LayerNorm(torch::nn::LayerNormOptions({width})));
  mlp = torch::nn::Sequential();
  mlp->push_back("c_fc", torch::nn::Linear(width, 4 * width));
  // Parameter-free, so both keep the name "gelu" of OpenAI's OrderedDict and load alike.
  mlp->push_back("gelu", torch::nn::Functional(activation == ClipActivation::kGelu ? exact_gelu : quick_gelu));
  mlp->push_back("c_proj", torch::nn::Linear(4 * width, width));
  register_module("mlp", mlp);
}

torch::Tensor ResidualAttentionBlockImpl::forward(const torch::Tensor& x, const torch::Tensor& mask) {
  auto y = x + attn(layer_norm_fp32(ln_1, x), mask);
  return y + mlp->forward(layer_norm_fp32(ln_2, y));
}

ClipTransformerImpl::ClipTransformerImpl(std::int64_t width, std::int64_t layers, std::int64_t heads,
                                         ClipActivation activation)
    : width_(width) {
  resblocks = torch::nn::ModuleList();
  for (std::int64_t i = 0; i < layers; ++i) resblocks->push_back(ResidualAttentionBlock(width, heads, activation));
  register_module("resblocks", resblocks);
  reset_parameters();
}

void ClipTransformerImpl::reset_parameters() {
  torch::NoGradGuard no_grad;
  const double w = static_cast<double>(width_);
  const double proj_std = std::pow(w, -0.5) * std::pow(2.0 * static_cast<double>(layers()), -0.5);
  const double attn_std = std::pow(w, -0.5);
  const double fc_std = std::pow(2.0 * w, -0.5);
  for (const auto& module : *resblocks) {
    auto block = module->as<ResidualAttentionBlockImpl>();
    block->attn->in_proj_weight.normal_(0.0, attn_std);
    block->attn->out_proj->weight.normal_(0.0, proj_std);
    block->mlp[0]->as<torch::nn::LinearImpl>()->weight.normal_(0.0, fc_std);
    block->mlp[2]->as<torch::nn::LinearImpl>()->weight.normal_(0.0, proj_std);
  }
}

torch::Tensor ClipTransformerImpl::forward(const torch::Tensor& x, const torch::Tensor& mask) {
  auto y = x;
  for (const auto& module : *resblocks) {
    if (grad_checkpointing_) {
      y = checkpointed_block(ResidualAttentionBlock(std::dynamic_pointer_cast<ResidualAttentionBlockImpl>(module)), y,
                             mask);
    } else {
      y = module->as<ResidualAttentionBlockImpl>()->forward(y, mask);
    }
  }
  return y;
}

}  // namespace sfar::models
