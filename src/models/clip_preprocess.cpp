#include "sfar/models/clip_preprocess.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>
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

// Pillow's bicubic resampling (a = -0.5, support widened by the downscale factor so that it
// antialiases), as open_clip's and OpenAI's preprocessing run it on PIL images: weights rounded
// to fixed point with 22 fractional bits, the horizontal pass first, its result rounded and
// clipped to 8 bits before the vertical pass. Written from that description; the tests compare
// it with Pillow itself (tests/python/test_clip_preprocess.py).
constexpr int kFixedBits = 22;

double cubic_weight(double x) {
  constexpr double a = -0.5;
  x = std::abs(x);
  if (x < 1.0) return ((a + 2.0) * x - (a + 3.0)) * x * x + 1.0;
  if (x < 2.0) return (((x - 5.0) * x + 8.0) * x - 4.0) * a;
  return 0.0;
}

struct Taps {
  std::int64_t first = 0;
  std::vector<std::int64_t> weights;  // fixed point
};

std::vector<Taps> resample_taps(std::int64_t in_size, std::int64_t out_size) {
  const double scale = static_cast<double>(in_size) / static_cast<double>(out_size);
  const double widen = std::max(scale, 1.0);
  const double support = 2.0 * widen;
  std::vector<Taps> taps(static_cast<std::size_t>(out_size));
  for (std::int64_t o = 0; o < out_size; ++o) {
    const double center = (static_cast<double>(o) + 0.5) * scale;
    const auto first = std::max<std::int64_t>(static_cast<std::int64_t>(center - support + 0.5), 0);
    const auto last = std::min<std::int64_t>(static_cast<std::int64_t>(center + support + 0.5), in_size);
    std::vector<double> w;
    double total = 0.0;
    for (std::int64_t i = first; i < last; ++i) {
      w.push_back(cubic_weight((static_cast<double>(i) - center + 0.5) / widen));
      total += w.back();
    }
    auto& tap = taps[static_cast<std::size_t>(o)];
    tap.first = first;
    for (double v : w) {
      const double normalised = total != 0.0 ? v / total : v;
      const double fixed = normalised * static_cast<double>(1 << kFixedBits);
      tap.weights.push_back(static_cast<std::int64_t>(fixed < 0 ? fixed - 0.5 : fixed + 0.5));
    }
  }
  return taps;
}

// Resamples the last axis of a contiguous [rows, in] uint8 tensor to [rows, out].
torch::Tensor resample_rows(const torch::Tensor& rows, std::int64_t out_size) {
  const auto count = rows.size(0), in_size = rows.size(1);
  const auto taps = resample_taps(in_size, out_size);
  auto out = torch::empty({count, out_size}, torch::kUInt8);
  const auto* src = rows.data_ptr<std::uint8_t>();
  auto* dst = out.data_ptr<std::uint8_t>();
  for (std::int64_t r = 0; r < count; ++r) {
    const auto* line = src + r * in_size;
    for (std::int64_t o = 0; o < out_size; ++o) {
      const auto& tap = taps[static_cast<std::size_t>(o)];
      std::int64_t sum = std::int64_t{1} << (kFixedBits - 1);
      for (std::size_t k = 0; k < tap.weights.size(); ++k) sum += line[tap.first + static_cast<std::int64_t>(k)] * tap.weights[k];
      dst[r * out_size + o] = static_cast<std::uint8_t>(std::clamp<std::int64_t>(sum >> kFixedBits, 0, 255));
    }
  }
  return out;
}

// [3, H, W] uint8 -> [3, height, width] uint8.
torch::Tensor resize_bicubic_pil(const torch::Tensor& image, std::int64_t height, std::int64_t width) {
  auto out = image.contiguous();
  if (width != out.size(2)) {
    out = resample_rows(out.reshape({-1, out.size(2)}), width).view({3, out.size(1), width});
  }
  if (height != out.size(1)) {
    auto columns = out.transpose(1, 2).contiguous();  // [3, width, H]
    out = resample_rows(columns.reshape({-1, out.size(1)}), height).view({3, width, height}).transpose(1, 2).contiguous();
  }
  return out;
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
    out = height <= width ? resize_bicubic_pil(image, resolution, long_side)
                          : resize_bicubic_pil(image, long_side, resolution);
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
