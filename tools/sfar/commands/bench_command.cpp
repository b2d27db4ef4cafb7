// `sfar bench decode FILE [--indices 0,40,80]`: time of the random-access path (seek, decode
// forward, convert only the wanted frames) against a full sequential decode and conversion
// of every frame (io::decode_bench_json), printed as one JSON line. Default indices: 8 frames
// spread evenly, as a TSN-style sampler picks them.
#include "../command.h"
#include "sfar/io/video_inspection.h"

namespace sfar::cli {
namespace {

struct BenchDecodeOptions {
  std::string file;
  std::string indices;
  int short_side = 0;
  int threads = 0;
};

int run_bench_decode(const BenchDecodeOptions& options) {
  if (!SFAR_WITH_VIDEO) refuse_without_video("sfar bench decode");
  const auto indices = options.indices.empty() ? std::vector<std::int64_t>() : io::parse_frame_indices(options.indices);
  const auto read_options = io::VideoReadOptions().threads(options.threads).short_side(options.short_side);
  print_json_line(nlohmann::json::parse(io::decode_bench_json(options.file, indices, read_options)));
  return 0;
}

}  // namespace

void add_bench_command(CLI::App& app, CommandContext& context) {
  CLI::App* bench = bench_group(app);
  auto options = std::make_shared<BenchDecodeOptions>();
  auto* decode = bench->add_subcommand("decode", "Random-access read vs full sequential decode, in ms");
  decode->add_option("file", options->file, "Video file")->required();
  decode->add_option("--indices", options->indices, "Frame indices, comma-separated (default: 8 spread)");
  decode->add_option("--short-side", options->short_side, "Resize short side while converting; 0 = native")
      ->capture_default_str();
  decode->add_option("--decoder-threads", options->threads, "Decoder threads; 0 = FFmpeg decides")
      ->capture_default_str();
  context.on_run(decode, [options] { return run_bench_decode(*options); });
}

}  // namespace sfar::cli
