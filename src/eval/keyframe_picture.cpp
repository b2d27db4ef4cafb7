#include "sfar/eval/keyframe_picture.h"

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "sfar/core/error.h"
#include "sfar/io/image_file.h"

namespace sfar::eval {
namespace {

constexpr int kMinWidth = 480;  // room for a sub-text in the legend
constexpr int kLine = 18;       // a title or legend line
constexpr int kIndexRow = 16;   // frame numbers under the frames
constexpr int kBarLabel = 16, kBarHeight = 40;
const auto kFont = cv::FONT_HERSHEY_PLAIN;
const cv::Scalar kBlack(0, 0, 0), kKey(0, 170, 255), kNone(0, 0, 160);
const cv::Scalar kCoarse(200, 120, 40), kFine(40, 140, 220);

std::int64_t frame_count(const KeyFramePicture& p) {
  const auto& f = p.frames;
  if (!f.defined() || f.dim() != 4 || f.size(3) != 3 || f.scalar_type() != torch::kUInt8 || f.size(0) < 1) {
    throw ArgumentError("key-frame picture frames", "expected [T, H, W, 3] uint8 with T >= 1",
                        f.defined() ? c10::str(f.sizes(), " ", f.scalar_type()) : "undefined");
  }
  const auto T = f.size(0);
  for (const auto* w : {&p.coarse_weights, &p.fine_weights}) {
    if (w->defined() && (w->dim() != 1 || w->size(0) != T)) {
      throw ArgumentError("key-frame picture weights", "expected [" + std::to_string(T) + "]", c10::str(w->sizes()));
    }
  }
  if (p.fine_weights.defined() && !p.frame_subtexts.empty() &&
      static_cast<std::int64_t>(p.frame_subtexts.size()) != T) {
    throw ArgumentError("key-frame picture sub-texts", "expected one per frame (" + std::to_string(T) + ")",
                        std::to_string(p.frame_subtexts.size()));
  }
  return T;
}

std::int64_t key_frame_count(const KeyFramePicture& p, std::int64_t T) {
  return p.fine_weights.defined() ? std::clamp<std::int64_t>(p.key_frames, 0, T) : 0;
}

// `text` cut with "..." so that it fits `width` pixels at `scale`.
std::string fit(const std::string& text, int width, double scale) {
  auto too_wide = [&](const std::string& s) { return cv::getTextSize(s, kFont, scale, 1, nullptr).width > width; };
  if (!too_wide(text)) return text;
  std::string cut = text;
  while (!cut.empty() && too_wide(cut + "...")) cut.pop_back();
  return cut + "...";
}

void put(cv::Mat& image, const std::string& text, int x, int baseline, const cv::Scalar& color, double scale = 1.0) {
  cv::putText(image, fit(text, image.cols - x - 2, scale), cv::Point(x, baseline), kFont, scale, color, 1,
              cv::LINE_AA);
}

// One row of bars: the label, then per frame a bar as tall as its weight over the row's peak.
void draw_weights(cv::Mat& image, int top, int frame_width, const char* label, const torch::Tensor& weights,
                  const std::string& head, const cv::Scalar& color) {
  if (!weights.defined()) {
    put(image, std::string(label) + ": none (" + head + " head)", 2, top + kBarLabel - 4, kNone, 0.9);
    return;
  }
  put(image, label, 2, top + kBarLabel - 4, kBlack, 0.9);
  const auto w = weights.to(torch::kCPU, torch::kFloat64).contiguous();
  const double peak = std::max(w.max().item<double>(), 1e-12);
  const int bottom = top + kBarLabel + kBarHeight;
  for (std::int64_t t = 0; t < w.size(0); ++t) {
    const double v = w[t].item<double>();
    const int len = std::max(1, static_cast<int>(std::lround(kBarHeight * v / peak)));
    const int x = static_cast<int>(t) * frame_width;
    cv::rectangle(image, cv::Rect(x + frame_width / 4, bottom - len, frame_width / 2, len), color, cv::FILLED);
    put(image, cv::format("%.2f", v), x + 2, bottom - 2, kBlack, 0.7);
  }
}

}  // namespace

std::vector<std::int64_t> select_key_frames(const torch::Tensor& weights, std::int64_t count) {
  if (!weights.defined()) return {};
  const auto w = weights.to(torch::kCPU, torch::kFloat64).contiguous();
  std::vector<std::int64_t> order(static_cast<std::size_t>(w.size(0)));
  std::iota(order.begin(), order.end(), 0);
  const double* v = w.data_ptr<double>();
  std::stable_sort(order.begin(), order.end(), [v](std::int64_t a, std::int64_t b) { return v[a] > v[b]; });
  order.resize(static_cast<std::size_t>(std::clamp<std::int64_t>(count, 0, w.size(0))));
  std::sort(order.begin(), order.end());
  return order;
}

PictureSize keyframe_picture_size(const KeyFramePicture& p) {
  const auto T = frame_count(p);
  const int h = static_cast<int>(p.frames.size(1)), w = static_cast<int>(p.frames.size(2));
  const int legend = 1 + static_cast<int>(key_frame_count(p, T));
  return {std::max(kMinWidth, static_cast<int>(T) * w), 2 * kLine + h + kIndexRow + 2 * (kBarLabel + kBarHeight) +
                                                            legend * kLine};
}

void write_keyframe_picture(const std::string& path, const KeyFramePicture& p) {
  const auto T = frame_count(p);
  const PictureSize size = keyframe_picture_size(p);
  const int h = static_cast<int>(p.frames.size(1)), w = static_cast<int>(p.frames.size(2));
  cv::Mat image(size.height, size.width, CV_8UC3, cv::Scalar(255, 255, 255));

  put(image, "true: " + (p.truth.empty() ? std::string("(not given)") : p.truth), 2, kLine - 4, kBlack);
  const bool right = !p.truth.empty() && p.truth == p.predicted;
  put(image, "predicted: " + p.predicted + (p.truth.empty() ? "" : right ? "  (right)" : "  (wrong)"), 2,
      2 * kLine - 4, p.truth.empty() || right ? kBlack : kNone);

  const int frames_top = 2 * kLine;
  const auto rgb = p.frames.to(torch::kCPU).contiguous();
  const auto keys = select_key_frames(p.fine_weights, key_frame_count(p, T));
  for (std::int64_t t = 0; t < T; ++t) {
    cv::Mat frame(h, w, CV_8UC3, rgb[t].data_ptr());
    cv::Mat bgr;
    cv::cvtColor(frame, bgr, cv::COLOR_RGB2BGR);
    const cv::Rect where(static_cast<int>(t) * w, frames_top, w, h);
    bgr.copyTo(image(where));
    const bool key = std::find(keys.begin(), keys.end(), t) != keys.end();
    if (key) {  // a two-pixel outline inside the frame, exact to the pixel (thick lines are not)
      cv::rectangle(image, where, kKey, 1);
      cv::rectangle(image, cv::Rect(where.x + 1, where.y + 1, w - 2, h - 2), kKey, 1);
    }
    put(image, (key ? "key " : "") + std::to_string(t), where.x + 2, frames_top + h + kIndexRow - 4,
        key ? kKey : kBlack, 0.8);
  }

  int top = frames_top + h + kIndexRow;
  draw_weights(image, top, w, "coarse weights", p.coarse_weights, p.head, kCoarse);
  top += kBarLabel + kBarHeight;
  draw_weights(image, top, w, "fine weights", p.fine_weights, p.head, kFine);
  top += kBarLabel + kBarHeight;

  if (keys.empty()) {
    put(image, "key frames: none (" + p.head + " head has no fine branch)", 2, top + kLine - 4, kNone, 0.9);
  } else {
    put(image, "key frames and the sub-text that chose each (fine branch):", 2, top + kLine - 4, kBlack, 0.9);
    const auto fine = p.fine_weights.to(torch::kCPU, torch::kFloat64).contiguous();
    for (std::size_t i = 0; i < keys.size(); ++i) {
      const auto t = keys[i];
      const std::string subtext = p.frame_subtexts.empty() ? "?" : p.frame_subtexts[static_cast<std::size_t>(t)];
      put(image, cv::format("frame %lld (%.2f): ", static_cast<long long>(t), fine[t].item<double>()) + subtext, 8,
          top + static_cast<int>(i + 2) * kLine - 4, kBlack, 0.9);
    }
  }
  // Encoded through sfar::io (io/image_file.h), so that this module links no image codecs.
  cv::Mat rgb_image;
  cv::cvtColor(image, rgb_image, cv::COLOR_BGR2RGB);
  io::RgbFrame picture{rgb_image.cols, rgb_image.rows,
                       std::vector<std::uint8_t>(rgb_image.data, rgb_image.data + rgb_image.total() * 3)};
  io::write_png_atomic(path, picture);
}

}  // namespace sfar::eval
