// One video of `sfar data prepare`: decode through io::VideoReader exactly as the loader
// would (rotation applied, the same resize), encode through io::VideoWriter, then check the
// output and write its record. The record is written after the video, so a kill between the
// two leaves a video without a record, which the next run prepares again.
#include <sys/stat.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>

#include "sfar/core/atomic_file.h"
#include "sfar/core/error.h"
#include "sfar/core/name_table.h"
#include "sfar/data/data_prepare.h"
#include "sfar/describe/content_hash.h"
#include "sfar/io/video_reader.h"
#include "sfar/io/video_writer.h"

namespace sfar::data {
namespace {

namespace fs = std::filesystem;

// Drops the last column and/or row of a frame whose width or height is odd.
void crop_to_even(io::RgbFrame& frame) {
  const int w = frame.width - frame.width % 2, h = frame.height - frame.height % 2;
  if (w == frame.width && h == frame.height) return;
  std::vector<std::uint8_t> out(static_cast<std::size_t>(w) * h * 3);
  for (int y = 0; y < h; ++y) {
    const auto* row = frame.data.data() + static_cast<std::size_t>(y) * frame.width * 3;
    std::copy(row, row + static_cast<std::size_t>(w) * 3, out.data() + static_cast<std::size_t>(y) * w * 3);
  }
  frame.width = w;
  frame.height = h;
  frame.data = std::move(out);
}

io::VideoWriteOptions write_options(const PrepareSettings& s, double fps) {
  io::VideoWriteOptions o;
  // The loader counts frames, not seconds; the rate is kept to a thousandth for players.
  const int millis = fps > 0 ? static_cast<int>(std::lround(fps * 1000.0)) : 25000;
  o.frame_rate(std::max(millis, 1), 1000).crf(static_cast<int>(s.quality)).gop(static_cast<int>(s.gop));
  if (s.codec == PrepareCodec::kMjpeg) {
    o.encoder("mjpeg").fallback_encoder("");
  } else {
    o.encoder("libx264").fallback_encoder("").x264_tune("fastdecode").x264_preset("veryfast");
  }
  return o;
}

nlohmann::json to_json(const PreparedVideo& v) {
  return {{"source", v.source},
          {"source_size", v.stamp.size},
          {"source_mtime_ns", v.stamp.mtime_ns},
          {"source_sha256", v.stamp.sha256},
          {"settings", v.settings},
          {"encoder", v.encoder},
          {"frames", v.frames},
          {"width", v.width},
          {"height", v.height},
          {"source_width", v.source_width},
          {"source_height", v.source_height},
          {"bytes", v.bytes}};
}

std::optional<PreparedVideo> read_record(const std::string& output) {
  const std::string path = record_path(output);
  if (!fs::exists(path)) return std::nullopt;
  try {
    const auto j = nlohmann::json::parse(read_file(path));
    PreparedVideo v;
    v.source = j.at("source").get<std::string>();
    v.output = output;
    v.stamp = {j.at("source_size").get<std::int64_t>(), j.at("source_mtime_ns").get<std::int64_t>(),
               j.at("source_sha256").get<std::string>()};
    v.settings = j.at("settings").get<std::string>();
    v.encoder = j.at("encoder").get<std::string>();
    v.frames = j.at("frames").get<std::int64_t>();
    v.width = j.at("width").get<std::int64_t>();
    v.height = j.at("height").get<std::int64_t>();
    v.source_width = j.at("source_width").get<std::int64_t>();
    v.source_height = j.at("source_height").get<std::int64_t>();
    v.bytes = j.at("bytes").get<std::int64_t>();
    return v;
  } catch (const std::exception&) {
    return std::nullopt;  // an unreadable record counts as none: the video is prepared again
  }
}

// Runs `write`; any failure there is the output's, not the source's.
template <class F>
void on_output(const std::string& output, F&& write) {
  try {
    write();
  } catch (const PrepareOutputError&) {
    throw;
  } catch (const std::exception& e) {
    throw PrepareOutputError(output, std::string("cannot write the prepared video: ") + e.what());
  }
}

}  // namespace

const std::vector<PrepareCodecEntry>& prepare_codecs() {
  static const std::vector<PrepareCodecEntry> table = {
      {"h264", PrepareCodec::kH264, "libx264, tune fastdecode, a key frame every --gop frames", ".mp4"},
      {"mjpeg", PrepareCodec::kMjpeg, "intra-only JPEG frames, larger files", ".mkv"},
  };
  return table;
}

std::string PrepareSettings::key() const {
  std::string text = "v1 codec=" + std::string(entry_of(prepare_codecs(), codec).name) +
                     " short_side=" + std::to_string(short_side) + " quality=" + std::to_string(quality);
  if (codec == PrepareCodec::kH264) text += " gop=" + std::to_string(gop) + " preset=veryfast tune=fastdecode";
  return text;
}

std::string PrepareSettings::extension() const { return entry_of(prepare_codecs(), codec).extension; }

std::string record_path(const std::string& output) { return output + ".prepared.json"; }

SourceStamp stamp_source(const std::string& path, bool hash) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) throw IoError(path, "cannot read the file's size and time (missing?)");
  if (!S_ISREG(st.st_mode)) throw IoError(path, "not a regular file");
  SourceStamp stamp;
  stamp.size = static_cast<std::int64_t>(st.st_size);
  stamp.mtime_ns = static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1000000000LL + st.st_mtim.tv_nsec;
  if (hash) stamp.sha256 = describe::sha256_file_hex(path);
  return stamp;
}

std::int64_t prepared_short_side(std::int64_t source, const PrepareSettings& settings) {
  const std::int64_t wanted = settings.even_short_side();
  return settings.short_side > 0 && source > wanted ? wanted : source;
}

PreparedVideo prepare_video(const std::string& source, const std::string& output, const PrepareSettings& settings) {
  PreparedVideo v;
  v.source = source;
  v.output = output;
  v.settings = settings.key();
  v.stamp = stamp_source(source, true);
  const io::VideoInfo probed = io::probe_video(source);
  v.source_width = probed.width;
  v.source_height = probed.height;
  const std::int64_t source_short = std::min(probed.width, probed.height);
  const std::int64_t target = prepared_short_side(source_short, settings);
  io::VideoReader reader(source, io::VideoReadOptions().threads(1).short_side(
                                     target == source_short ? 0 : static_cast<int>(target)));
  std::unique_ptr<io::VideoWriter> writer;
  reader.read_all([&](std::int64_t index, io::RgbFrame&& frame) {
    crop_to_even(frame);
    if (writer && (frame.width != v.width || frame.height != v.height)) {
      throw FormatError(source, "frame " + std::to_string(index) + " changes the picture size mid-stream",
                        std::to_string(frame.width) + "x" + std::to_string(frame.height));
    }
    on_output(output, [&] {
      if (!writer) {
        writer = std::make_unique<io::VideoWriter>(output, frame.width, frame.height,
                                                   write_options(settings, reader.info().fps));
        v.width = frame.width;
        v.height = frame.height;
      }
      writer->write(frame);
    });
  });
  if (!writer) throw FormatError(source, "no frame decodes");
  v.frames = writer->frames_written();
  if (v.frames != reader.info().frames) {
    throw FormatError(source, "decoded " + std::to_string(v.frames) + " of the " +
                                  std::to_string(reader.info().frames) + " frames it holds");
  }
  on_output(output, [&] {
    v.encoder = writer->finish();
    const io::VideoInfo written = io::probe_video(output);
    if (written.frames != v.frames) {
      std::error_code ec;
      fs::remove(output, ec);
      throw FormatError(output, "the prepared file holds " + std::to_string(written.frames) + " frames, not " +
                                    std::to_string(v.frames));
    }
    v.bytes = static_cast<std::int64_t>(fs::file_size(output));
    write_file_atomic(record_path(output), to_json(v).dump(2) + "\n");
  });
  return v;
}

PrepareState check_prepared(const std::string& source, const std::string& output, const PrepareSettings& settings) {
  const auto record = read_record(output);
  std::error_code ec;
  if (!record || !fs::exists(output, ec)) return PrepareState::kFresh;
  if (record->settings != settings.key() || record->source != source ||
      static_cast<std::int64_t>(fs::file_size(output, ec)) != record->bytes || ec) {
    return PrepareState::kStale;
  }
  SourceStamp now = stamp_source(source, false);
  if (now.size == record->stamp.size && now.mtime_ns == record->stamp.mtime_ns) return PrepareState::kCurrent;
  if (now.size != record->stamp.size) return PrepareState::kStale;
  now.sha256 = describe::sha256_file_hex(source);
  if (now.sha256 != record->stamp.sha256) return PrepareState::kStale;
  PreparedVideo touched = *record;  // same bytes, new time: keep the output, note the new stamp
  touched.stamp = now;
  on_output(output, [&] { write_file_atomic(record_path(output), to_json(touched).dump(2) + "\n"); });
  return PrepareState::kCurrent;
}

}  // namespace sfar::data
