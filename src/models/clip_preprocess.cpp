#include "sfar/models/clip_preprocess.h"

#include <cmath>
#include <filesystem>

#include "sfar/core/error.h"
#include "sfar/io/image_file.h"

namespace sfar::models {
namespace {

void check_image(const torch::Tensor& image) {
  if (image.dim() != 3 || image.size(0) != 3 || image.scalar_type() != torch::kUInt8) {
    throw ArgumentError("clip image", "expected a [3, H, W] uint8 RGB image",
                        c10::str(image.scalar_type(), image.sizes()));
  }
}

}  // namespace

torch::Tensor read_image_rgb(const std::string& path) {
  if (!std::filesystem::is_regular_file(path)) throw IoError(path, "no such image file");
  io::RgbFrame rgb = io::read_image(path);
  auto hwc = torch::from_blob(rgb.data.data(), {rgb.height, rgb.width, 3}, torch::kUInt8);
  return hwc.permute({2, 0, 1}).contiguous();  // copies out of the frame
}

torch::Tensor resize_center_crop(const torch::Tensor& image, std::int64_t resolution) {
  check_image(image);
  const auto height = image.size(1), width = image.size(2);
  auto out = image;
  // torchvision's Resize(int): short side -> resolution, long side truncated proportionally.
  const auto short_side = std::min(height, width);
  if (short_side != resolution) {
    const auto long_side = static_cast<std::int64_t>(
        static_cast<double>(resolution) * std::max(height, width) / short_side);
    const std::vector<std::int64_t> size = height <= width ? std::vector<std::int64_t>{resolution, long_side}
                                                           : std::vector<std::int64_t>{long_side, resolution};
    auto resized = torch::nn::functional::interpolate(
        image.unsqueeze(0).to(torch::kFloat32),
        torch::nn::functional::InterpolateFuncOptions()
            .size(size)
            .mode(torch::kBicubic)
            .align_corners(false)
            .antialias(true));
    out = resized.squeeze(0).round().clamp(0, 255).to(torch::kUInt8);
  }
  // torchvision's CenterCrop: offsets int(round((size - crop) / 2)), round half to even.
  const auto top = static_cast<std::int64_t>(std::nearbyint((out.size(1) - resolution) / 2.0));
  const auto left = static_cast<std::int64_t>(std::nearbyint((out.size(2) - resolution) / 2.0));
  return out.slice(1, top, top + resolution).slice(2, left, left + resolution).contiguous();
}

torch::Tensor clip_normalize(const torch::Tensor& image) {
  check_image(image);
  auto mean = torch::tensor({kClipMean[0], kClipMean[1], kClipMean[2]}).view({3, 1, 1});
  auto std = torch::tensor({kClipStd[0], kClipStd[1], kClipStd[2]}).view({3, 1, 1});
  return (image.to(torch::kFloat32) / 255.0 - mean) / std;
}

torch::Tensor clip_preprocess(const torch::Tensor& image, std::int64_t resolution) {
  return clip_normalize(resize_center_crop(image, resolution));
}

torch::Tensor load_clip_image(const std::string& path, std::int64_t resolution) {
  return clip_preprocess(read_image_rgb(path), resolution);
}

}  // namespace sfar::models
