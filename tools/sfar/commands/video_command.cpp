// `sfar video probe FILE` and `sfar video frames FILE --indices 0,10,50 --out DIR`: what a
// video holds, and frames written as RGB PNGs (frame_<index:06d>.png, tmp + rename), one JSON
// line each. Built without video support (SFAR_WITH_VIDEO=OFF), both say so and fail.
#include <cstdio>
#include <set>

#include "../command.h"
#include "sfar/core/error.h"
#include "video_indices.h"

#if SFAR_WITH_VIDEO
#include "sfar/io/image_file.h"
#include "sfar/io/video_reader.h"
#endif

namespace sfar::cli {
namespace {

struct VideoOptions {
  std::string file;
  std::string indices;
  std::string out;
  int threads = 0;
};

#if SFAR_WITH_VIDEO
int run_probe(const VideoOptions& options) {
  const io::VideoInfo info = io::probe_video(options.file);
  print_json_line({{"file", info.path},
                   {"codec", info.codec},
                   {"width", info.width},
                   {"height", info.height},
                   {"fps", info.fps},
                   {"frames", info.frames},
                   {"duration", info.duration},
                   {"keyframes", info.keyframes},
                   {"frame_accurate_seek", info.frame_accurate_seek}});
  return 0;
}

int run_frames(const VideoOptions& options) {
  std::vector<std::int64_t> indices = parse_frame_indices(options.indices);
  const std::set<std::int64_t> unique(indices.begin(), indices.end());
  indices.assign(unique.begin(), unique.end());
  io::VideoReader reader(options.file, io::VideoReadOptions().threads(options.threads));
  const std::vector<io::RgbFrame> frames = reader.read_frames(indices);
  for (std::size_t k = 0; k < indices.size(); ++k) {
    char name[32];
    std::snprintf(name, sizeof(name), "frame_%06lld.png", static_cast<long long>(indices[k]));
    const std::string path = options.out + "/" + name;
    io::write_png_atomic(path, frames[k]);
    print_json_line({{"index", indices[k]},
                     {"path", path},
                     {"width", frames[k].width},
                     {"height", frames[k].height}});
  }
  return 0;
}
#else
[[noreturn]] void no_video() {
  throw ArgumentError("sfar video", "this sfar was built without video support (SFAR_WITH_VIDEO=OFF)");
}
int run_probe(const VideoOptions&) { no_video(); }
int run_frames(const VideoOptions&) { no_video(); }
#endif

}  // namespace

void add_video_command(CLI::App& app, CommandContext& context) {
  auto* video = app.add_subcommand("video", "Inspect videos and extract frames (FFmpeg)");
  video->require_subcommand(1);
  auto options = std::make_shared<VideoOptions>();

  auto* probe = video->add_subcommand("probe", "Print codec, size, fps, exact frame count, key frames as JSON");
  probe->add_option("file", options->file, "Video file")->required();
  context.on_run(probe, [options] { return run_probe(*options); });

  auto* frames = video->add_subcommand("frames", "Write frames as RGB PNGs: DIR/frame_<index:06d>.png");
  frames->add_option("file", options->file, "Video file")->required();
  frames->add_option("--indices", options->indices, "Frame indices, comma-separated: 0,10,50")->required();
  frames->add_option("--out", options->out, "Output directory (created)")->required();
  frames->add_option("--decoder-threads", options->threads, "Decoder threads; 0 = FFmpeg decides")
      ->capture_default_str();
  context.on_run(frames, [options] { return run_frames(*options); });
}

}  // namespace sfar::cli
