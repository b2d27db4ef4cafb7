#include "sfar/io/image_file.h"

#include <filesystem>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "sfar/core/atomic_file.h"
#include "sfar/core/error.h"

namespace sfar::io {
namespace {

// A view of `image` for OpenCV; refuses a buffer that does not hold width x height x 3 bytes,
// which OpenCV would read past.
cv::Mat as_mat(const RgbFrame& image, const std::string& where) {
  if (image.width <= 0 || image.height <= 0 ||
      image.data.size() != static_cast<std::size_t>(image.width) * image.height * 3) {
    throw ArgumentError(where, "image buffer does not hold width x height x 3 bytes",
                        std::to_string(image.width) + "x" + std::to_string(image.height) + ", " +
                            std::to_string(image.data.size()) + " bytes");
  }
  return cv::Mat(image.height, image.width, CV_8UC3, const_cast<std::uint8_t*>(image.data.data()));
}

RgbFrame from_rgb_mat(const cv::Mat& rgb) {
  RgbFrame out;
  out.width = rgb.cols;
  out.height = rgb.rows;
  out.data.resize(static_cast<std::size_t>(rgb.cols) * rgb.rows * 3);
  cv::Mat dst(rgb.rows, rgb.cols, CV_8UC3, out.data.data());
  rgb.copyTo(dst);
  return out;
}

}  // namespace

RgbFrame read_image(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) throw IoError(path, "no such image file");
  const std::string bytes = read_file(path);
  if (bytes.empty()) throw FormatError(path, "empty file (0 bytes)");
  const cv::Mat encoded(1, static_cast<int>(bytes.size()), CV_8UC1, const_cast<char*>(bytes.data()));
  const cv::Mat bgr = cv::imdecode(encoded, cv::IMREAD_COLOR);
  if (bgr.empty()) throw FormatError(path, "not a readable image");
  cv::Mat rgb;
  cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
  return from_rgb_mat(rgb);
}

RgbFrame resize_short_side(const RgbFrame& image, int short_side) {
  if (short_side <= 0 || image.width == 0 || image.height == 0) return image;
  const bool portrait = image.width <= image.height;
  const int short_now = portrait ? image.width : image.height;
  const int long_now = portrait ? image.height : image.width;
  const int long_new = static_cast<int>((static_cast<std::int64_t>(long_now) * short_side + short_now / 2) / short_now);
  const cv::Size size = portrait ? cv::Size(short_side, long_new) : cv::Size(long_new, short_side);
  cv::Mat resized;
  cv::resize(as_mat(image, "resize_short_side"), resized, size, 0, 0, cv::INTER_LINEAR);
  return from_rgb_mat(resized);
}

void write_png_atomic(const std::string& path, const RgbFrame& image) {
  cv::Mat bgr;
  cv::cvtColor(as_mat(image, path), bgr, cv::COLOR_RGB2BGR);
  std::vector<std::uint8_t> png;
  if (!cv::imencode(".png", bgr, png)) throw IoError(path, "cannot encode PNG");
  write_file_atomic(path, std::string(png.begin(), png.end()));
}

}  // namespace sfar::io
