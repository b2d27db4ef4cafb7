#include "sfar/recipes/clip_encoding.h"

#include <torch/torch.h>

#include <algorithm>

#include "sfar/core/error.h"
#include "sfar/core/runtime.h"
#include "sfar/core/torch_compat.h"
#include "sfar/models/clip_loader.h"
#include "sfar/models/clip_preprocess.h"

namespace sfar::recipes {
namespace {

// [D] tensor -> its values (fp32 CPU copy).
std::vector<float> tensor_to_vector(const torch::Tensor& vector) {
  const auto values = vector.detach().to(torch::kCPU, torch::kFloat32).contiguous();
  return {values.data_ptr<float>(), values.data_ptr<float>() + values.numel()};
}

void check_options(const ClipEncodeOptions& options) {
  if (options.precision == engine::Precision::kFp16) {
    throw ArgumentError("--precision", "expected fp32 or bf16", engine::to_string(options.precision));
  }
  if (options.batch <= 0) throw ArgumentError("--batch", "must be positive", std::to_string(options.batch));
}

// Runs `encode` under bf16 autocast when asked; returns fp32 on the CPU.
template <typename Encode>
torch::Tensor run_encoder(const ClipEncodeOptions& options, const torch::Device& device, Encode encode) {
  torch::NoGradGuard no_grad;
  if (options.precision == engine::Precision::kBf16) {
    compat::AutocastGuard autocast(device.type(), torch::kBFloat16);
    return encode().to(torch::kCPU, torch::kFloat32);
  }
  return encode().to(torch::kCPU, torch::kFloat32);
}

}  // namespace

void encode_images(const ClipEncodeOptions& options, const std::vector<std::string>& images, const EmitLine& emit) {
  check_options(options);
  const torch::Device device(resolve_device(options.device));
  models::ClipModel model = models::load_clip(options.weights, {options.activation, "--activation"}, device);
  const auto resolution = model->config().image_resolution;
  for (std::size_t start = 0; start < images.size(); start += options.batch) {
    const auto end = std::min(images.size(), start + static_cast<std::size_t>(options.batch));
    std::vector<torch::Tensor> batch;
    for (auto i = start; i < end; ++i) batch.push_back(models::load_clip_image(images[i], resolution));
    const auto pixels = torch::stack(batch).to(device);
    const auto features = run_encoder(options, device, [&] { return model->encode_image(pixels); });
    for (auto i = start; i < end; ++i) emit({{"image", images[i]}, {"embedding", tensor_to_vector(features[i - start])}});
  }
}

void encode_texts(const ClipEncodeOptions& options, const std::vector<std::string>& texts, const EmitLine& emit) {
  check_options(options);
  const auto tokenizer = text::load_tokenizer(options.tokenizer);
  const torch::Device device(resolve_device(options.device));
  models::ClipModel model = models::load_clip(options.weights, {options.activation, "--activation"}, device);
  model->set_eot_token_id(tokenizer->end_id());
  const auto context = model->config().context_length;
  for (std::size_t start = 0; start < texts.size(); start += options.batch) {
    const auto end = std::min(texts.size(), start + static_cast<std::size_t>(options.batch));
    std::vector<std::vector<std::int64_t>> ids;
    std::vector<torch::Tensor> rows;
    for (auto i = start; i < end; ++i) {
      ids.push_back(tokenizer->tokenize(texts[i], context));
      rows.push_back(torch::tensor(ids.back(), torch::kInt64));
    }
    const auto tokens = torch::stack(rows).to(device);
    const auto features = run_encoder(options, device, [&] { return model->encode_text(tokens); });
    for (auto i = start; i < end; ++i) {
      emit({{"text", texts[i]}, {"tokens", ids[i - start]}, {"embedding", tensor_to_vector(features[i - start])}});
    }
  }
}

}  // namespace sfar::recipes
