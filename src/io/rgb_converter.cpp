#include "rgb_converter.h"

extern "C" {
#include <libavutil/display.h>
#include <libavutil/pixdesc.h>
}

#include <cmath>
#include <cstdlib>

#include "sfar/core/error.h"

namespace sfar::io::libav {
namespace {

int sws_colorspace(AVColorSpace space) {
  switch (space) {
    case AVCOL_SPC_BT709: return SWS_CS_ITU709;
    case AVCOL_SPC_FCC: return SWS_CS_FCC;
    case AVCOL_SPC_SMPTE240M: return SWS_CS_SMPTE240M;
    case AVCOL_SPC_BT2020_NCL:
    case AVCOL_SPC_BT2020_CL: return SWS_CS_BT2020;
    default: return SWS_CS_DEFAULT;  // BT.601
  }
}

bool full_range(const AVFrame* frame) {
  const auto format = static_cast<AVPixelFormat>(frame->format);
  return frame->color_range == AVCOL_RANGE_JPEG || format == AV_PIX_FMT_YUVJ420P ||
         format == AV_PIX_FMT_YUVJ422P || format == AV_PIX_FMT_YUVJ444P;
}

}  // namespace

int display_rotation(const AVStream* st) {
  const std::uint8_t* matrix = av_stream_get_side_data(st, AV_PKT_DATA_DISPLAYMATRIX, nullptr);
  if (!matrix) return 0;
  const double counter_clockwise = av_display_rotation_get(reinterpret_cast<const std::int32_t*>(matrix));
  if (std::isnan(counter_clockwise)) return 0;
  const long quarters = std::lround(-counter_clockwise / 90.0);
  if (std::abs(-counter_clockwise - 90.0 * quarters) > 1.0) return 0;
  return static_cast<int>(((quarters % 4) + 4) % 4) * 90;
}

RgbFrame RgbConverter::convert(const AVFrame* f, int short_side, int quarter_turns, bool pixels,
                               const std::string& path) {
  int out_w = f->width, out_h = f->height;
  if (short_side > 0) {
    if (f->width <= f->height) {
      out_w = short_side;
      out_h = static_cast<int>((static_cast<std::int64_t>(f->height) * short_side + f->width / 2) / f->width);
    } else {
      out_h = short_side;
      out_w = static_cast<int>((static_cast<std::int64_t>(f->width) * short_side + f->height / 2) / f->height);
    }
  }
  // Scaled as stored, then turned upright (the short side is the same either way).
  if (!pixels) return quarter_turns % 2 ? RgbFrame{out_h, out_w, {}} : RgbFrame{out_w, out_h, {}};
  const int space = sws_colorspace(f->colorspace);
  const int range = full_range(f) ? 1 : 0;
  const auto key = std::make_tuple(f->width, f->height, f->format, space, range);
  if (!sws_ || key != key_) {
    sws_.reset(sws_getContext(f->width, f->height, static_cast<AVPixelFormat>(f->format), out_w, out_h,
                              AV_PIX_FMT_RGB24, SWS_BILINEAR, nullptr, nullptr, nullptr));
    if (!sws_) {
      throw FormatError(path, "cannot convert its pixel format to RGB",
                        av_get_pix_fmt_name(static_cast<AVPixelFormat>(f->format)) ?: "?");
    }
    sws_setColorspaceDetails(sws_.get(), sws_getCoefficients(space), range, sws_getCoefficients(SWS_CS_DEFAULT), 1,
                             0, 1 << 16, 1 << 16);
    key_ = key;
  }
  RgbFrame out = scale_to_rgb(sws_.get(), f, out_w, out_h, scratch_);
  return quarter_turns ? rotate_clockwise(out, quarter_turns) : out;
}

}  // namespace sfar::io::libav
