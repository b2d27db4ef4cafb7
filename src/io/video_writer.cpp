// The only encoder of the project. Deterministic output needs: one encoder thread (x264's
// frame threads make rate control depend on timing), FFmpeg's bit-exact flags, fixed settings,
// x264's macroblock tree off (its SIMD pass reads unwritten bytes), and every byte the encoder
// may read initialised (frame padding, a tail after the RGB input).
#include "sfar/io/video_writer.h"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/opt.h>
#include <libswscale/swscale.h>
}

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <filesystem>
#include <memory>

#include "libav_support.h"
#include "sfar/core/error.h"

namespace sfar::io {
namespace {

namespace fs = std::filesystem;

struct OutputCloser {
  void operator()(AVFormatContext* c) const {
    if (c->pb) avio_closep(&c->pb);
    avformat_free_context(c);
  }
};
struct DictFreer {
  AVDictionary** dict;
  ~DictFreer() { av_dict_free(dict); }
};

void check_options(const std::string& path, int w, int h, const VideoWriteOptions& o) {
  if (w <= 0 || h <= 0 || w % 2 || h % 2) {
    throw ArgumentError(path, "frame size must be positive and even (yuv420p)",
                        std::to_string(w) + "x" + std::to_string(h));
  }
  if (o.fps_ <= 0) throw ArgumentError(path, "fps must be positive", std::to_string(o.fps_));
  if (o.fps_den_ <= 0) {
    throw ArgumentError(path, "the frame rate's denominator must be positive", std::to_string(o.fps_den_));
  }
  if (o.gop_ <= 0) throw ArgumentError(path, "gop must be positive", std::to_string(o.gop_));
  if (o.crf_ < 0 || o.crf_ > 51) throw ArgumentError(path, "crf must be in [0, 51]", std::to_string(o.crf_));
}

void check_frame(const std::string& path, const RgbFrame& f, std::int64_t index, int w, int h) {
  if (f.width != w || f.height != h || f.data.size() != static_cast<std::size_t>(w) * h * 3) {
    throw ArgumentError(path, "frame " + std::to_string(index) + " differs in size from frame 0 or has " +
                                  "the wrong number of bytes",
                        std::to_string(f.width) + "x" + std::to_string(f.height) + ", " +
                            std::to_string(f.data.size()) + " bytes");
  }
}

const AVCodec* find_encoder(const std::string& path, const VideoWriteOptions& o) {
  if (const AVCodec* c = avcodec_find_encoder_by_name(o.encoder_.c_str())) return c;
  if (!o.fallback_.empty()) {
    if (const AVCodec* c = avcodec_find_encoder_by_name(o.fallback_.c_str())) return c;
  }
  throw FormatError(path, "this FFmpeg has no such video encoder (nor the fallback '" + o.fallback_ + "')",
                    o.encoder_);
}

// A temporary name beside the target, unique across threads and processes.
fs::path temporary_path(const fs::path& target) {
  static std::atomic<unsigned> counter{0};
  return target.parent_path() / ("." + target.filename().string() + ".tmp" + std::to_string(::getpid()) + "_" +
                                 std::to_string(counter++) + target.extension().string());
}

class Encoder {
 public:
  Encoder(std::string path, const AVCodec* codec) : path_(std::move(path)), codec_(codec) {}

  void open(const fs::path& file, const AVOutputFormat* container, int width, int height,
            const VideoWriteOptions& o) {
    AVFormatContext* raw = nullptr;
    int rc = avformat_alloc_output_context2(&raw, container, nullptr, file.c_str());
    if (rc < 0 || !raw) throw FormatError(path_, "cannot set up the container: " + libav::error_text(rc));
    format_.reset(raw);
    format_->flags |= AVFMT_FLAG_BITEXACT;
    stream_ = avformat_new_stream(format_.get(), nullptr);
    context_.reset(avcodec_alloc_context3(codec_));
    if (!stream_ || !context_) throw IoError(path_, "out of memory setting up the encoder");
    AVCodecContext& c = *context_;
    c.width = width;
    c.height = height;
    c.time_base = AVRational{o.fps_den_, o.fps_};
    c.framerate = AVRational{o.fps_, o.fps_den_};
    // MJPEG stores full-range samples; swscale converts to the yuvj formats in full range.
    pixel_format_ = std::string(codec_->name) == "mjpeg" ? AV_PIX_FMT_YUVJ420P : AV_PIX_FMT_YUV420P;
    c.pix_fmt = pixel_format_;
    c.gop_size = o.gop_;
    c.thread_count = 1;
    c.flags |= AV_CODEC_FLAG_BITEXACT;
    c.color_range = pixel_format_ == AV_PIX_FMT_YUVJ420P ? AVCOL_RANGE_JPEG : AVCOL_RANGE_MPEG;
    c.colorspace = AVCOL_SPC_SMPTE170M;  // BT.601, what the RGB conversion below uses
    c.color_primaries = AVCOL_PRI_SMPTE170M;
    c.color_trc = AVCOL_TRC_SMPTE170M;
    if (format_->oformat->flags & AVFMT_GLOBALHEADER) c.flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
    AVDictionary* settings = nullptr;
    DictFreer free_settings{&settings};
    if (std::string(codec_->name) == "libx264") {
      av_dict_set(&settings, "preset", o.x264_preset_.c_str(), 0);
      av_dict_set(&settings, "crf", std::to_string(o.crf_).c_str(), 0);
      if (!o.x264_tune_.empty()) av_dict_set(&settings, "tune", o.x264_tune_.c_str(), 0);
      // x264's SIMD macroblock-tree pass reads bytes that it never wrote (the output then
      // depends on the heap's history: it differed between threads); without it, it does not.
      av_dict_set(&settings, "x264-params", "mbtree=0", 0);
    } else {
      c.flags |= AV_CODEC_FLAG_QSCALE;
      c.global_quality = FF_QP2LAMBDA * std::clamp(o.crf_ / 6, 2, 31);
    }
    rc = avcodec_open2(context_.get(), codec_, &settings);
    if (rc < 0) throw FormatError(path_, "cannot open the encoder: " + libav::error_text(rc), codec_->name);
    rc = avcodec_parameters_from_context(stream_->codecpar, context_.get());
    if (rc < 0) throw FormatError(path_, "bad encoder parameters: " + libav::error_text(rc), codec_->name);
    stream_->time_base = c.time_base;
    rc = avio_open(&format_->pb, file.c_str(), AVIO_FLAG_WRITE);
    if (rc < 0) throw IoError(path_, "cannot create the file: " + libav::error_text(rc));
    rc = avformat_write_header(format_.get(), nullptr);
    if (rc < 0) throw IoError(path_, "cannot write the container header: " + libav::error_text(rc));

    sws_.reset(sws_getContext(width, height, AV_PIX_FMT_RGB24, width, height, pixel_format_,
                              SWS_BILINEAR | SWS_ACCURATE_RND | SWS_BITEXACT, nullptr, nullptr, nullptr));
    frame_.reset(av_frame_alloc());
    packet_.reset(av_packet_alloc());
    if (!sws_ || !frame_ || !packet_) throw IoError(path_, "out of memory setting up the encoder");
    frame_->format = pixel_format_;
    frame_->width = width;
    frame_->height = height;
    frame_->color_range = c.color_range;
    frame_->colorspace = AVCOL_SPC_SMPTE170M;
    rc = av_frame_get_buffer(frame_.get(), 0);
    if (rc < 0) throw IoError(path_, "out of memory for a frame: " + libav::error_text(rc));
  }

  void write(const RgbFrame& rgb, std::int64_t index) {
    const int rc = av_frame_make_writable(frame_.get());
    if (rc < 0) throw IoError(path_, "cannot reuse the frame buffer: " + libav::error_text(rc));
    // Zero the padding too: encoders' SIMD copies read past the width and height, and
    // uninitialised bytes there would make the output differ between runs.
    for (int i = 0; i < AV_NUM_DATA_POINTERS && frame_->buf[i]; ++i) {
      std::memset(frame_->buf[i]->data, 0, frame_->buf[i]->size);
    }
    // swscale's SIMD converters may read a little past the end of the input picture; a zeroed
    // tail keeps whatever they read fixed.
    input_.assign(rgb.data.size() + static_cast<std::size_t>(rgb.width) * 3 + 64, 0);
    std::copy(rgb.data.begin(), rgb.data.end(), input_.begin());
    const std::uint8_t* src[4] = {input_.data(), nullptr, nullptr, nullptr};
    const int src_stride[4] = {rgb.width * 3, 0, 0, 0};
    sws_scale(sws_.get(), src, src_stride, 0, rgb.height, frame_->data, frame_->linesize);
    frame_->pts = index;
    send(frame_.get());
  }

  void finish() {
    send(nullptr);
    const int rc = av_write_trailer(format_.get());
    if (rc < 0) throw IoError(path_, "cannot finish the file: " + libav::error_text(rc));
    if (avio_closep(&format_->pb) < 0) throw IoError(path_, "cannot close the file");
  }

 private:
  void send(const AVFrame* frame) {
    int rc = avcodec_send_frame(context_.get(), frame);
    if (rc < 0) throw FormatError(path_, "cannot encode a frame: " + libav::error_text(rc), codec_->name);
    for (;;) {
      rc = avcodec_receive_packet(context_.get(), packet_.get());
      if (rc == AVERROR(EAGAIN) || rc == AVERROR_EOF) return;
      if (rc < 0) throw FormatError(path_, "cannot encode a frame: " + libav::error_text(rc), codec_->name);
      // Every frame lasts one tick; without a duration the mp4 muxer's edit list ends at the
      // last frame's start and demuxers drop that frame.
      if (packet_->duration <= 0) packet_->duration = 1;
      av_packet_rescale_ts(packet_.get(), context_->time_base, stream_->time_base);
      packet_->stream_index = stream_->index;
      rc = av_interleaved_write_frame(format_.get(), packet_.get());  // takes the packet's data
      if (rc < 0) throw IoError(path_, "cannot write a packet: " + libav::error_text(rc));
    }
  }

  std::string path_;
  const AVCodec* codec_;
  std::unique_ptr<AVFormatContext, OutputCloser> format_;
  std::unique_ptr<AVCodecContext, libav::CodecFreer> context_;
  std::unique_ptr<SwsContext, libav::SwsFreer> sws_;
  std::unique_ptr<AVFrame, libav::FrameFreer> frame_;
  std::unique_ptr<AVPacket, libav::PacketFreer> packet_;
  AVStream* stream_ = nullptr;
  AVPixelFormat pixel_format_ = AV_PIX_FMT_YUV420P;
  std::vector<std::uint8_t> input_;  // the RGB picture with a zeroed tail
};

}  // namespace

bool has_video_encoder(const std::string& name) {
  return avcodec_find_encoder_by_name(name.c_str()) != nullptr;
}

struct VideoWriter::Impl {
  std::string path;
  fs::path tmp;
  int width = 0, height = 0;
  std::string encoder_name;
  std::unique_ptr<Encoder> encoder;
  bool finished = false;

  void discard() {
    encoder.reset();
    std::error_code ec;
    fs::remove(tmp, ec);
  }
};

VideoWriter::VideoWriter(std::string path, int width, int height, VideoWriteOptions options)
    : impl_(std::make_unique<Impl>()) {
  libav::route_logs();
  check_options(path, width, height, options);
  const fs::path target(path);
  const AVOutputFormat* container = av_guess_format(nullptr, target.filename().c_str(), nullptr);
  if (!container) {
    throw FormatError(path, "no container for this file extension", target.extension().string());
  }
  const AVCodec* codec = find_encoder(path, options);
  std::error_code ec;
  if (target.has_parent_path()) {
    fs::create_directories(target.parent_path(), ec);
    if (ec) throw IoError(target.parent_path().string(), "cannot create directory: " + ec.message());
  }
  Impl& s = *impl_;
  s.path = std::move(path);
  s.tmp = temporary_path(target);
  s.width = width;
  s.height = height;
  s.encoder_name = codec->name;
  s.encoder = std::make_unique<Encoder>(s.path, codec);
  try {
    s.encoder->open(s.tmp, container, width, height, options);
  } catch (...) {
    s.discard();
    throw;
  }
}

VideoWriter::~VideoWriter() {
  if (impl_ && !impl_->finished) impl_->discard();
}

void VideoWriter::write(const RgbFrame& frame) {
  Impl& s = *impl_;
  if (s.finished || !s.encoder) throw ArgumentError(s.path, "write after finish (or after a failed write)");
  check_frame(s.path, frame, written_, s.width, s.height);
  try {
    s.encoder->write(frame, written_);
  } catch (...) {
    s.discard();
    throw;
  }
  ++written_;
}

std::string VideoWriter::finish() {
  Impl& s = *impl_;
  if (s.finished || !s.encoder) throw ArgumentError(s.path, "finish called twice (or after a failed write)");
  if (written_ == 0) {
    s.discard();
    throw ArgumentError(s.path, "no frames to write");
  }
  try {
    s.encoder->finish();
  } catch (...) {
    s.discard();
    throw;
  }
  s.encoder.reset();
  std::error_code ec;
  fs::rename(s.tmp, s.path, ec);
  if (ec) {
    const std::string reason = ec.message();
    s.discard();
    throw IoError(s.path, "cannot rename the finished temporary file into place: " + reason);
  }
  s.finished = true;
  return s.encoder_name;
}

std::string write_video(const std::string& path, const std::vector<RgbFrame>& frames,
                        const VideoWriteOptions& options) {
  if (frames.empty()) throw ArgumentError(path, "no frames to write");
  VideoWriter writer(path, frames[0].width, frames[0].height, options);
  for (const RgbFrame& frame : frames) writer.write(frame);
  return writer.finish();
}

}  // namespace sfar::io
