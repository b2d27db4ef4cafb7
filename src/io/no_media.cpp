// sfar_io_nomedia: the video and image-file functions of sfar::io for a binary linked without
// FFmpeg and OpenCV's image codecs (the GPU check's pack, docs/gpu.md). Each one throws, naming
// the file it was asked for; tensor clips (io/tensor_clip.h) are what such a binary reads.
#include "sfar/core/error.h"
#include "sfar/io/image_file.h"
#include "sfar/io/media_libraries.h"
#include "sfar/io/video_reader.h"
#include "sfar/io/video_writer.h"

namespace sfar::io {
namespace {

[[noreturn]] void no_media(const std::string& where) {
  throw LibraryError(where, "this sfar binary is linked without FFmpeg and OpenCV's image codecs "
                            "(sfar_io_nomedia, the GPU check's pack): it reads .safetensors tensor clips only");
}

}  // namespace

struct VideoReader::Impl {};

VideoReader::VideoReader(const std::string& path, VideoReadOptions) { no_media(path); }
VideoReader::~VideoReader() = default;
VideoReader::VideoReader(VideoReader&&) noexcept = default;
VideoReader& VideoReader::operator=(VideoReader&&) noexcept = default;
const VideoInfo& VideoReader::info() const { no_media("VideoReader::info"); }
std::vector<RgbFrame> VideoReader::read_frames(const std::vector<std::int64_t>&) {
  no_media("VideoReader::read_frames");
}
void VideoReader::read_all(const std::function<void(std::int64_t, RgbFrame&&)>&) { no_media("VideoReader::read_all"); }
const VideoReadStats& VideoReader::last_stats() const { no_media("VideoReader::last_stats"); }
VideoInfo probe_video(const std::string& path) { no_media(path); }

std::string write_video(const std::string& path, const std::vector<RgbFrame>&, const VideoWriteOptions&) {
  no_media(path);
}
struct VideoWriter::Impl {};

VideoWriter::VideoWriter(std::string path, int, int, VideoWriteOptions) { no_media(path); }
VideoWriter::~VideoWriter() = default;
void VideoWriter::write(const RgbFrame&) { no_media("VideoWriter::write"); }
std::string VideoWriter::finish() { no_media("VideoWriter::finish"); }
bool has_video_encoder(const std::string&) { return false; }

RgbFrame read_image(const std::string& path) { no_media(path); }
RgbFrame resize_short_side(const RgbFrame&, int) { no_media("resize_short_side"); }
void write_png_atomic(const std::string& path, const RgbFrame&) { no_media(path); }

MediaLibraries media_libraries() { return {}; }

}  // namespace sfar::io
