#include "sfar/io/tensor_clip.h"

#include <cstring>
#include <limits>

#include "sfar/core/error.h"
#include "sfar/io/safetensors_reader.h"

namespace sfar::io {

bool is_tensor_clip_path(const std::string& path) {
  const std::string suffix = ".safetensors";
  return path.size() > suffix.size() && path.compare(path.size() - suffix.size(), suffix.size(), suffix) == 0;
}

struct TensorClip::Impl {
  explicit Impl(const std::string& path) : reader(path), entry(reader.entry("frames")) {}
  SafetensorsReader reader;
  SafetensorsEntry entry;
};

TensorClip::TensorClip(const std::string& path) : impl_(std::make_unique<Impl>(path)) {
  const SafetensorsEntry& e = impl_->entry;
  std::string shape;
  for (const auto d : e.shape) shape += (shape.empty() ? "" : ",") + std::to_string(d);
  const bool fits_int = e.shape.size() == 4 && e.shape[1] <= std::numeric_limits<int>::max() &&
                        e.shape[2] <= std::numeric_limits<int>::max();
  if (e.dtype != "U8" || !fits_int || e.shape[0] < 1 || e.shape[1] < 1 || e.shape[2] < 1 || e.shape[3] != 3) {
    throw FormatError(path + ": frames", "a tensor clip holds uint8 frames [N, H, W, 3]",
                      e.dtype + "[" + shape + "]");
  }
  frames_ = e.shape[0];
  height_ = static_cast<int>(e.shape[1]);
  width_ = static_cast<int>(e.shape[2]);
}

TensorClip::~TensorClip() = default;

std::vector<RgbFrame> TensorClip::read_frames(const std::vector<std::int64_t>& indices) const {
  const std::size_t bytes = static_cast<std::size_t>(width_) * height_ * 3;
  const std::byte* data = impl_->reader.bytes(impl_->entry);
  std::vector<RgbFrame> out;
  out.reserve(indices.size());
  for (const std::int64_t index : indices) {
    if (index < 0 || index >= frames_) {
      throw ArgumentError(impl_->reader.path(), "frame index outside [0, " + std::to_string(frames_) + ")",
                          std::to_string(index));
    }
    RgbFrame frame{width_, height_, std::vector<std::uint8_t>(bytes)};
    std::memcpy(frame.data.data(), data + static_cast<std::size_t>(index) * bytes, bytes);
    out.push_back(std::move(frame));
  }
  return out;
}

}  // namespace sfar::io
