// The FFmpeg decoder (libav_support.h: what it shares with the writer). Frames are identified
// by presentation timestamp (see VideoFrameIndex); every seek is verified, and whenever
// timestamps prove unreliable the reader falls back to decoding from the start and counting
// output frames, which is what defines a frame index in the first place.
#include "sfar/io/video_reader.h"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
}

#include <algorithm>
#include <chrono>
#include <climits>
#include <filesystem>
#include <map>

#include "frame_limits.h"
#include "libav_support.h"
#include "packet_checks.h"
#include "packet_palette.h"
#include "rgb_converter.h"
#include "sfar/core/error.h"
#include "sfar/core/logging.h"
#include "sfar/io/video_frame_index.h"

namespace sfar::io {
namespace {

using Clock = std::chrono::steady_clock;

struct FormatCloser {
  void operator()(AVFormatContext* c) const { avformat_close_input(&c); }
};

}  // namespace

struct VideoReader::Impl {
  std::string path;
  VideoReadOptions options;
  VideoInfo info;
  VideoFrameIndex index;
  VideoReadStats stats;

  std::unique_ptr<AVFormatContext, FormatCloser> format;
  std::unique_ptr<AVCodecContext, libav::CodecFreer> codec;
  std::unique_ptr<AVPacket, libav::PacketFreer> packet{av_packet_alloc()};
  std::unique_ptr<AVFrame, libav::FrameFreer> frame{av_frame_alloc()};
  libav::RgbConverter converter;
  libav::PacketPalettes palettes;

  int stream = -1;
  Clock::time_point deadline;
  bool pending = false;  // `packet` holds a video packet read ahead (after a seek check)
  bool fresh = true;     // positioned at the start with a flushed decoder
  bool force_sequential = false;
  std::int64_t first_pts = kNoTimestamp, first_dts = kNoTimestamp;

  void arm() {
    deadline = Clock::now() + std::chrono::microseconds(
                                  static_cast<std::int64_t>(options.io_timeout_s_ * 1e6));
  }

  static int interrupt(void* opaque) {
    return Clock::now() > static_cast<Impl*>(opaque)->deadline ? 1 : 0;
  }

  void open_format() {
    AVFormatContext* raw = avformat_alloc_context();
    if (!raw) throw IoError(path, "out of memory opening the file");
    raw->interrupt_callback = {&Impl::interrupt, this};
    arm();
    int rc = avformat_open_input(&raw, path.c_str(), nullptr, nullptr);  // frees raw on error
    if (rc == AVERROR_EXIT) throw IoError(path, "timed out opening the file");
    if (rc < 0) throw FormatError(path, "not a readable video file: " + libav::error_text(rc));
    format.reset(raw);
    // A header's size is checked before any decoder allocates a frame of it.
    libav::check_stream_pixels(path, *format, options.max_pixels_);
    arm();
    rc = libav::find_stream_info_bounded(format.get(), options.max_pixels_);
    if (rc < 0) throw FormatError(path, "cannot read stream information: " + libav::error_text(rc));
  }

  void open_decoder() {
    const AVCodec* decoder = nullptr;
    stream = av_find_best_stream(format.get(), AVMEDIA_TYPE_VIDEO, -1, -1, &decoder, 0);
    if (stream == AVERROR_DECODER_NOT_FOUND) throw FormatError(path, "no decoder for its video codec");
    if (stream < 0) throw FormatError(path, "no video stream");
    AVStream* st = format->streams[stream];
    if (st->disposition & AV_DISPOSITION_ATTACHED_PIC) throw FormatError(path, "no video stream (only a cover picture)");
    libav::check_frame_pixels(path, st->codecpar->width, st->codecpar->height, options.max_pixels_);
    for (unsigned i = 0; i < format->nb_streams; ++i) {
      if (static_cast<int>(i) != stream) format->streams[i]->discard = AVDISCARD_ALL;
    }
    codec.reset(avcodec_alloc_context3(decoder));
    if (!codec) throw IoError(path, "out of memory opening the decoder");
    int rc = avcodec_parameters_to_context(codec.get(), st->codecpar);
    if (rc < 0) throw FormatError(path, "bad codec parameters: " + libav::error_text(rc));
    codec->thread_count = options.threads_;
    codec->thread_type = FF_THREAD_FRAME | FF_THREAD_SLICE;
    codec->pkt_timebase = st->time_base;
    codec->max_pixels = options.max_pixels_;  // a frame growing past the limit mid-stream
    rc = avcodec_open2(codec.get(), decoder, nullptr);
    if (rc < 0) throw FormatError(path, "cannot open the decoder: " + libav::error_text(rc), decoder->name);
  }

  // Next packet of the video stream into `packet`; false at the end of the file.
  bool read_video_packet() {
    if (pending) {
      pending = false;
      return true;
    }
    for (;;) {
      av_packet_unref(packet.get());
      arm();
      const int rc = av_read_frame(format.get(), packet.get());
      if (rc == AVERROR_EOF) return false;
      if (rc == AVERROR_EXIT) throw IoError(path, "timed out reading the file");
      if (rc < 0) throw FormatError(path, "cannot read a packet: " + libav::error_text(rc));
      if (packet->stream_index == stream) return true;
    }
  }

  void build_index() {
    AVStream* st = format->streams[stream];
    std::vector<VideoPacketRecord> records;
    std::int64_t packets = 0;
    libav::CorruptPackets corrupt;
    libav::FrameSpan span;
    while (read_video_packet()) {
      if (packets++ == 0) first_pts = packet->pts, first_dts = packet->dts;
      corrupt.see(*packet, packets - 1, path);
      palettes.note(*packet, static_cast<std::int64_t>(records.size()));
      if (packet->size == 0 || (packet->flags & AV_PKT_FLAG_DISCARD)) continue;
      records.push_back({packet->pts, packet->dts, (packet->flags & AV_PKT_FLAG_KEY) != 0});
      span.see(*packet);
    }
    corrupt.finish(path);
    if (records.empty()) throw FormatError(path, "the video stream has no frames");
    palettes.finish(records);
    force_sequential = palettes.needs_sequential();
    if (st->nb_frames > packets) {
      throw FormatError(path, "truncated: the header promises " + std::to_string(st->nb_frames) +
                                  " frames, the file holds", std::to_string(packets));
    }
    const bool reorders = st->codecpar->video_delay > 0 || codec->has_b_frames > 0;
    index = VideoFrameIndex(records, reorders);

    info.path = path;
    info.codec = avcodec_get_name(st->codecpar->codec_id);
    info.rotation = libav::display_rotation(st);
    const bool sideways = options.autorotate_ && (info.rotation == 90 || info.rotation == 270);
    info.width = sideways ? st->codecpar->height : st->codecpar->width;
    info.height = sideways ? st->codecpar->width : st->codecpar->height;
    const AVRational rate = av_guess_frame_rate(format.get(), st, nullptr);
    info.fps = rate.den > 0 ? av_q2d(rate) : 0.0;
    info.frames = index.frame_count();
    if (st->duration != AV_NOPTS_VALUE && st->duration > 0) {
      info.duration = st->duration * av_q2d(st->time_base);
    } else if (format->duration != AV_NOPTS_VALUE && format->duration > 0) {
      info.duration = static_cast<double>(format->duration) / AV_TIME_BASE;
    } else if (info.fps > 0) {
      info.duration = info.frames / info.fps;
    }
    info.keyframes = index.keyframes();
    info.frame_accurate_seek = index.by_timestamp() && !force_sequential;
    // Without timestamps the frames are taken to last 1/fps each.
    const double spanned = span.seconds(st->time_base);
    info.frames_duration = spanned >= 0 ? spanned : info.fps > 0 ? static_cast<double>(info.frames) / info.fps : 0.0;
  }

  std::int64_t packet_timestamp() const {
    return index.timestamps_from_dts() ? packet->dts : packet->pts;
  }

  // Seeks so that the next video packet starts key frame `key` (-1: the first packet), and
  // checks that it does; false when the demuxer landed elsewhere. Demuxers index key frames
  // by pts or by dts (mp4 by dts shifted by the reorder delay), so the key frame's pts is
  // tried first (it lands on the key frame or an earlier one), then its dts.
  bool seek_to(std::int64_t key) {
    if (key < 0) {
      return seek_and_check(first_dts != kNoTimestamp ? first_dts : first_pts, [&] {
        return packet->pts == first_pts && packet->dts == first_dts;
      });
    }
    const std::int64_t key_ts = index.timestamp_of(key);
    auto landed = [&] {
      const std::int64_t ts = packet_timestamp();
      return (packet->flags & AV_PKT_FLAG_KEY) && ts != kNoTimestamp && ts <= key_ts;
    };
    return seek_and_check(key_ts, landed) || seek_and_check(index.seek_timestamp(key), landed);
  }

  template <typename Check>
  bool seek_and_check(std::int64_t target, Check&& landed) {
    pending = false;
    avcodec_flush_buffers(codec.get());
    arm();
    if (target == kNoTimestamp || av_seek_frame(format.get(), stream, target, AVSEEK_FLAG_BACKWARD) < 0) {
      return false;
    }
    if (!read_video_packet()) return false;
    pending = true;
    return landed();
  }

  void rewind() {
    if (fresh) return;
    if (!seek_to(-1)) {
      // The demuxer cannot seek back exactly: reopen the file.
      pending = false;
      format.reset();
      open_format();
      avcodec_flush_buffers(codec.get());
    }
    fresh = true;
  }

  RgbFrame convert(const AVFrame* f) {
    const int turns = options.autorotate_ ? info.rotation / 90 : 0;
    RgbFrame out = converter.convert(f, options.short_side_, turns, options.convert_, path);
    if (options.convert_) ++stats.frames_converted;
    return out;
  }

  // Sends the current packet (or the end of stream) and hands each decoded frame to `on_frame`,
  // which returns false to stop early. Returns false when stopped.
  template <typename OnFrame>
  bool decode(bool end_of_stream, OnFrame&& on_frame) {
    const int rc = avcodec_send_packet(codec.get(), end_of_stream ? nullptr : packet.get());
    if (rc < 0 && rc != AVERROR_EOF) throw FormatError(path, "cannot decode a frame: " + libav::error_text(rc));
    for (;;) {
      const int got = avcodec_receive_frame(codec.get(), frame.get());
      if (got == AVERROR(EAGAIN) || got == AVERROR_EOF) return true;
      if (got < 0) throw FormatError(path, "cannot decode a frame: " + libav::error_text(got));
      ++stats.frames_decoded;
      const bool go_on = on_frame(frame.get());
      av_frame_unref(frame.get());
      if (!go_on) return false;
    }
  }

  // Decodes from the start, counting output frames; `wanted` sorted and unique (empty: all).
  void decode_sequential(const std::vector<std::int64_t>& wanted,
                         const std::function<void(std::int64_t, RgbFrame&&)>& consumer) {
    rewind();
    fresh = false;
    std::int64_t next_index = 0;
    std::size_t next_wanted = 0;
    const bool all = wanted.empty();
    auto on_frame = [&](const AVFrame* f) {
      const std::int64_t i = next_index++;
      if (all || (next_wanted < wanted.size() && wanted[next_wanted] == i)) {
        consumer(i, convert(f));
        ++next_wanted;
      }
      return all || next_wanted < wanted.size();
    };
    bool more = true;
    std::int64_t position = 0;  // among the packets the index counts
    while (more && read_video_packet()) {
      if (packet->size == 0) continue;
      palettes.attach(*packet, position, path);
      if (!(packet->flags & AV_PKT_FLAG_DISCARD)) ++position;
      more = decode(false, on_frame);
    }
    if (more) decode(true, on_frame);
    if (!all && next_wanted < wanted.size()) {
      throw FormatError(path, "the decoder output only " + std::to_string(next_index) +
                                  " frames; missing frame", std::to_string(wanted[next_wanted]));
    }
  }

  // Decodes one planned segment by timestamps; false when timestamps did not add up.
  bool decode_segment(const DecodeSegment& segment, std::map<std::int64_t, RgbFrame>& out) {
    const bool near_start = fresh && segment.start_key <= options.seek_min_skip_;
    if (!near_start) {
      ++stats.seeks;
      fresh = false;
      if (segment.start_key < 0 || !seek_to(segment.start_key)) rewind();
    }
    fresh = false;
    std::vector<std::int64_t> wanted_ts;
    for (const std::int64_t i : segment.frames) wanted_ts.push_back(index.timestamp_of(i));
    std::size_t next = 0;
    std::int64_t last_ts = kNoTimestamp;
    bool consistent = true;
    auto on_frame = [&](const AVFrame* f) {
      const std::int64_t ts = f->pts != AV_NOPTS_VALUE ? f->pts : f->best_effort_timestamp;
      if (index.frame_of(ts) < 0 || (last_ts != kNoTimestamp && ts <= last_ts) || ts > wanted_ts[next]) {
        consistent = false;
        return false;
      }
      last_ts = ts;
      if (ts == wanted_ts[next]) out[segment.frames[next++]] = convert(f);
      return next < wanted_ts.size();
    };
    bool more = true;
    while (more && read_video_packet()) {
      if (packet->size == 0) continue;
      if (index.timestamps_from_dts()) packet->pts = packet->dts;
      palettes.attach(*packet, -1, path);
      const bool wanted = std::binary_search(wanted_ts.begin(), wanted_ts.end(), packet->pts);
      codec->skip_frame = options.discard_nonref_ && !wanted ? AVDISCARD_NONREF : AVDISCARD_DEFAULT;
      more = decode(false, on_frame);
    }
    codec->skip_frame = AVDISCARD_DEFAULT;
    if (more && consistent) decode(true, on_frame);
    return consistent && next == wanted_ts.size();
  }
};

VideoReader::VideoReader(const std::string& path, VideoReadOptions options)
    : impl_(std::make_unique<Impl>()) {
  libav::route_logs();
  impl_->path = path;
  impl_->options = options;
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (!std::filesystem::exists(status)) throw IoError(path, "no such file");
  if (!std::filesystem::is_regular_file(status)) throw IoError(path, "not a regular file");
  if (std::filesystem::file_size(path, ec) == 0) throw FormatError(path, "empty file (0 bytes)");
  if (!impl_->packet || !impl_->frame) throw IoError(path, "out of memory");
  if (options.max_pixels_ < 1 || options.max_pixels_ > INT_MAX) {
    throw ArgumentError(path, "the per-frame pixel limit must be in [1, " + std::to_string(INT_MAX) + "]",
                        std::to_string(options.max_pixels_));
  }
  impl_->open_format();
  impl_->open_decoder();
  impl_->fresh = false;  // indexing reads the whole file
  impl_->build_index();
  impl_->rewind();
}

VideoReader::~VideoReader() = default;
VideoReader::VideoReader(VideoReader&&) noexcept = default;
VideoReader& VideoReader::operator=(VideoReader&&) noexcept = default;

const VideoInfo& VideoReader::info() const { return impl_->info; }
const VideoReadStats& VideoReader::last_stats() const { return impl_->stats; }

std::vector<RgbFrame> VideoReader::read_frames(const std::vector<std::int64_t>& indices) {
  Impl& d = *impl_;
  for (const std::int64_t i : indices) {
    if (i < 0 || i >= d.info.frames) {
      throw ArgumentError(d.path, "frame index out of range [0, " + std::to_string(d.info.frames) + ")",
                          std::to_string(i));
    }
  }
  std::vector<std::int64_t> wanted(indices);
  std::sort(wanted.begin(), wanted.end());
  wanted.erase(std::unique(wanted.begin(), wanted.end()), wanted.end());
  d.stats = {};
  std::map<std::int64_t, RgbFrame> frames;
  if (!wanted.empty() && d.index.by_timestamp() && !d.force_sequential) {
    for (const auto& segment : d.index.plan(wanted, d.options.seek_min_skip_)) {
      if (!d.decode_segment(segment, frames)) {
        SFAR_LOG_DEBUG("{}: timestamps do not identify frames; decoding from the start", d.path);
        d.force_sequential = true;
        d.stats.fell_back_to_sequential = true;
        frames.clear();
        break;
      }
    }
  }
  if (!wanted.empty() && frames.size() != wanted.size()) {
    d.decode_sequential(wanted, [&](std::int64_t i, RgbFrame&& f) { frames[i] = std::move(f); });
  }
  std::vector<RgbFrame> result;
  result.reserve(indices.size());
  std::map<std::int64_t, std::size_t> remaining;  // moves the last use of a frame, copies the rest
  for (const std::int64_t i : indices) ++remaining[i];
  for (const std::int64_t i : indices) {
    result.push_back(--remaining[i] == 0 ? std::move(frames.at(i)) : frames.at(i));
  }
  return result;
}

void VideoReader::read_all(const std::function<void(std::int64_t, RgbFrame&&)>& consumer) {
  impl_->stats = {};
  impl_->decode_sequential({}, consumer);
}

VideoInfo probe_video(const std::string& path) { return VideoReader(path).info(); }

}  // namespace sfar::io
