// Activation checkpointing of one transformer block (LibTorch has no torch.utils.checkpoint).
// The forward pass runs the block without recording a graph and keeps only the block's input;
// the backward pass runs the block again, this time with a graph, and back-propagates through
// that recomputation. Memory per block drops from every intermediate activation (LayerNorm
// outputs, q/k/v, attention, the 4D-wide MLP hidden state) to the [B, L, D] input, at the cost of
// a second forward pass of the block during backward.
//
// Gradients are the ones the plain block gives: the block's parameters are inputs of the
// autograd node, so their gradients flow back through autograd (and accumulate into `.grad`
// as usual, which gradient accumulation and the distributed reducer rely on). The recomputation
// restores the forward pass's autocast state. CLIP's blocks have no dropout or other random
// operation, so no RNG state needs replaying.
//
//   torch::Tensor y = checkpointed_block(block, x, mask);  // [B, L, D] -> [B, L, D]
#pragma once

#include <torch/torch.h>

#include "sfar/models/clip_transformer.h"

namespace sfar::models {

// block->forward(x, mask) with activation checkpointing when a gradient is needed (grad mode on
// and x or a parameter of the block requires grad); the plain forward otherwise.
torch::Tensor checkpointed_block(ResidualAttentionBlock block, const torch::Tensor& x,
                                 const torch::Tensor& mask = {});

}  // namespace sfar::models
