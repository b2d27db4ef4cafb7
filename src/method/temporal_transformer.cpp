#include "sfar/method/temporal_transformer.h"

#include "sfar/core/error.h"

namespace sfar::method {

TemporalTransformerImpl::TemporalTransformerImpl(std::int64_t dim, std::int64_t layers,
                                                 std::int64_t max_frames) {
  if (dim % 64 != 0) throw ArgumentError("temporal transformer", "dim must be a multiple of 64", std::to_string(dim));
  positional_embedding = register_parameter("positional_embedding", torch::randn({max_frames, dim}) * 0.02);
  transformer = register_module("transformer", models::ClipTransformer(dim, layers, dim / 64));
}

torch::Tensor TemporalTransformerImpl::forward(const torch::Tensor& frames) {
  const auto T = frames.size(1);
  if (T > positional_embedding.size(0)) {
    throw ArgumentError("temporal transformer", "more frames than position embeddings (" +
                                                    std::to_string(positional_embedding.size(0)) + ")",
                        std::to_string(T));
  }
  auto x = frames + positional_embedding.narrow(0, 0, T).unsqueeze(0).to(frames.dtype());
  return transformer->forward(x) + frames;
}

}  // namespace sfar::method
