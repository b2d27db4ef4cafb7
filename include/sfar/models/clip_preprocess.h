// CLIP's image preprocessing (OpenAI's `_transform`, open_clip's `image_transform` for
// evaluation): resize the short side to the model's resolution with bicubic interpolation,
// centre crop, scale to [0, 1], normalise with CLIP's mean and std. Both run the resize on a PIL
// image, so the bicubic here is Pillow's algorithm (fixed-point weights, 8-bit rounding between
// the horizontal and the vertical pass), which gives the same bytes as Pillow on any aspect
// ratio; LibTorch's antialiased bicubic differs by up to 22/255 on a 426x238 frame.
//
//   torch::Tensor x = sfar::models::load_clip_image("dog.jpg", 224);  // -> [3, 224, 224]
#pragma once

#include <torch/torch.h>

#include <array>
#include <string>

namespace sfar::models {

inline constexpr std::array<float, 3> kClipMean = {0.48145466f, 0.4578275f, 0.40821073f};
inline constexpr std::array<float, 3> kClipStd = {0.26862954f, 0.26130258f, 0.27577711f};

// Reads an image file as RGB: [3, H, W] uint8. IoError / FormatError name the file.
torch::Tensor read_image_rgb(const std::string& path);

// Resize (short side -> resolution, Pillow's bicubic) + centre crop: [3, H, W] uint8 -> [3, R, R] uint8.
torch::Tensor resize_center_crop(const torch::Tensor& image, std::int64_t resolution);

// [3, R, R] uint8 -> [3, R, R] float, (x / 255 - mean) / std.
torch::Tensor clip_normalize(const torch::Tensor& image);

// [3, H, W] uint8 -> [3, R, R] float, ready for ClipModel::encode_image.
torch::Tensor clip_preprocess(const torch::Tensor& image, std::int64_t resolution);

// read_image_rgb + clip_preprocess.
torch::Tensor load_clip_image(const std::string& path, std::int64_t resolution);

}  // namespace sfar::models
