// `sfar bench decode FILE [--indices 0,40,80]`: time of the random-access path (seek, decode
// forward, convert only the wanted frames) against a full sequential decode and conversion
// of every frame (best of three runs), printed as one JSON line. Default indices: 8 frames spread
// evenly, as a TSN-style sampler picks them.
#include <algorithm>
#include <chrono>

#include "../command.h"
#include "sfar/core/error.h"
#include "video_indices.h"

#if SFAR_WITH_VIDEO
#include "sfar/io/video_reader.h"
#endif

namespace sfar::cli {
namespace {

struct BenchDecodeOptions {
  std::string file;
  std::string indices;
  int short_side = 0;
  int threads = 0;
};

#if SFAR_WITH_VIDEO
double ms_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

int run_bench_decode(const BenchDecodeOptions& options) {
  const auto read_options = io::VideoReadOptions().threads(options.threads).short_side(options.short_side);
  auto start = std::chrono::steady_clock::now();
  io::VideoReader reader(options.file, read_options);
  const double open_ms = ms_since(start);
  const std::int64_t n = reader.info().frames;
  std::vector<std::int64_t> indices;
  if (options.indices.empty()) {
    for (int k = 0; k < 8; ++k) indices.push_back(std::min<std::int64_t>(n - 1, (2 * k + 1) * n / 16));
  } else {
    indices = parse_frame_indices(options.indices);
  }
  // Best of three, each on a freshly opened reader (opening is timed apart), so that one-time
  // process start-up costs and a busy machine distort less.
  double seek_ms = 1e300, sequential_ms = 1e300;
  io::VideoReadStats seek_stats;
  std::int64_t frames = 0;
  for (int run = 0; run < 3; ++run) {
    io::VideoReader random_access(options.file, read_options);
    start = std::chrono::steady_clock::now();
    random_access.read_frames(indices);
    seek_ms = std::min(seek_ms, ms_since(start));
    seek_stats = random_access.last_stats();

    io::VideoReader sequential(options.file, read_options);
    frames = 0;
    start = std::chrono::steady_clock::now();
    sequential.read_all([&](std::int64_t, io::RgbFrame&&) { ++frames; });
    sequential_ms = std::min(sequential_ms, ms_since(start));
  }

  print_json_line({{"file", options.file},
                   {"codec", reader.info().codec},
                   {"width", reader.info().width},
                   {"height", reader.info().height},
                   {"frames", n},
                   {"indices", indices},
                   {"open_index_ms", open_ms},
                   {"seek_ms", seek_ms},
                   {"seeks", seek_stats.seeks},
                   {"seek_frames_decoded", seek_stats.frames_decoded},
                   {"sequential_ms", sequential_ms},
                   {"sequential_frames", frames},
                   {"speedup", seek_ms > 0 ? sequential_ms / seek_ms : 0.0}});
  return 0;
}
#else
int run_bench_decode(const BenchDecodeOptions&) {
  throw ArgumentError("sfar bench decode", "this sfar was built without video support (SFAR_WITH_VIDEO=OFF)");
}
#endif

}  // namespace

CLI::App* bench_group(CLI::App& app) {
  auto existing = app.get_subcommands([](CLI::App* sub) { return sub->get_name() == "bench"; });
  if (!existing.empty()) return existing.front();
  CLI::App* bench = app.add_subcommand("bench", "Micro-benchmarks");
  bench->require_subcommand(1);
  return bench;
}

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
