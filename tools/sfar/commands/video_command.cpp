// `sfar video probe FILE` and `sfar video frames FILE --indices 0,10,50 --out DIR`: what a
// video holds, and frames written as RGB PNGs (io/video_inspection.h), one JSON line each.
// Built without video support (SFAR_WITH_VIDEO=OFF), both say so and fail.
#include "../command.h"
#include "sfar/io/video_inspection.h"

namespace sfar::cli {
namespace {

struct VideoOptions {
  std::string file, indices, out;
  int threads = 0;
};

int run_probe(const VideoOptions& options) {
  if (!SFAR_WITH_VIDEO) refuse_without_video("sfar video");
  print_json_line(nlohmann::json::parse(io::video_info_json(io::probe_video(options.file))));
  return 0;
}

int run_frames(const VideoOptions& options) {
  if (!SFAR_WITH_VIDEO) refuse_without_video("sfar video");
  const auto indices = io::parse_frame_indices(options.indices);
  for (const auto& line : io::write_frame_pngs(options.file, indices, options.out, options.threads)) {
    print_json_line(nlohmann::json::parse(line));
  }
  return 0;
}

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
