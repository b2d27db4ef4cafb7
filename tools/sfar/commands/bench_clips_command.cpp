// `sfar bench clips --list L [--root R] [--workers 1] [--rounds 5] [--repeat 8] [--dump F]`:
// the evaluation-time clip task that scripts/bench_data_peers.sh gives sfar and its peers (decord,
// PyAV, torchcodec): TSN's segment centres (8 frames), short side 256 while decoding, centre crop
// 224, CLIP normalisation, one clip [T, 3, 224, 224] float at a time. Each round reads the list
// `repeat` times through the video loader (`workers` threads, one FFmpeg and one intra-op thread
// each) and is timed on its own. Prints one JSON line: clips/s per round, the peak RSS, and each
// record's frame count and frame indices, which the peers then read. --dump writes each record's
// clip (first pass, untimed) to a safetensors file as clip_<i>, for the tensor comparison.
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <memory>

#include "../command.h"
#include "sfar/core/error.h"
#include "sfar/core/runtime.h"

#if SFAR_WITH_VIDEO
#include "sfar/data/data_config.h"
#include "sfar/data/loader_bench.h"
#include "sfar/data/video_dataset.h"
#include "sfar/data/video_loader.h"
#include "sfar/io/video_reader.h"
#include "sfar/models/safetensors_writer.h"
#endif

namespace sfar::cli {
namespace {

struct BenchClipsArgs {
  std::string list, root, dump;
  std::int64_t workers = 1, rounds = 5, repeat = 8, frames = 8, short_side = 256, crop = 224;
};

#if SFAR_WITH_VIDEO
// The clip task as a `data:` section: TSN centres, short side while decoding, centre crop and
// CLIP's normalisation (the normalize defaults).
data::DataConfig clip_task(const BenchClipsArgs& args) {
  data::DataConfig config;
  config.list = args.list;
  config.root = args.root;
  config.sampler = data::SamplerKind::kSegment;
  config.num_frames = args.frames;
  config.short_side = args.short_side;
  config.decoder_threads = 1;
  data::TransformSpec crop = data::transform_spec(data::TransformType::kCenterCrop);
  crop.size = args.crop;
  config.test_pipeline = {crop, data::transform_spec(data::TransformType::kNormalize)};
  return config;
}

std::shared_ptr<const data::VideoDataset> make_dataset(const BenchClipsArgs& args,
                                                       const std::vector<data::VideoRecord>& records) {
  return data::make_video_dataset(clip_task(args), records, data::SampleMode::kTest, 0);
}

int run_bench_clips(const BenchClipsArgs& args) {
  if (args.workers < 1 || args.rounds < 1 || args.repeat < 1) {
    throw ArgumentError("sfar bench clips", "--workers, --rounds and --repeat must be at least 1");
  }
  torch::set_num_threads(1);  // one core per loader thread, as the peers are given
  const auto records = data::load_records(clip_task(args), {});
  const auto dataset = make_dataset(args, records);

  // Each record's frame count and the indices the sampler takes, for the peers to read too.
  nlohmann::json clips = nlohmann::json::array();
  const auto sampler = data::make_sampler(clip_task(args));
  for (std::int64_t i = 0; i < dataset->size(); ++i) {
    const auto info = io::probe_video(dataset->resolve(i));
    clips.push_back({{"path", info.path},
                     {"codec", info.codec},
                     {"width", info.width},
                     {"height", info.height},
                     {"frames", info.frames},
                     {"indices", sampler->sample(info.frames, data::SampleMode::kTest, 0).front()}});
  }
  if (!args.dump.empty()) {
    std::vector<std::pair<std::string, torch::Tensor>> tensors;
    for (std::int64_t i = 0; i < dataset->size(); ++i) {
      tensors.emplace_back("clip_" + std::to_string(i), dataset->load(i, 0).clip[0].contiguous());
    }
    models::save_safetensors(tensors, {{"format", "sfar-bench-clips-1"}}, args.dump);
  }

  // The timed rounds: the list `repeat` times over, in list order, one clip per batch.
  std::vector<data::VideoRecord> repeated;
  for (std::int64_t r = 0; r < args.repeat; ++r) repeated.insert(repeated.end(), records.begin(), records.end());
  const auto timed = make_dataset(args, repeated);
  std::vector<double> clips_per_s;
  for (std::int64_t round = 0; round < args.rounds; ++round) {
    data::VideoLoader loader(timed, {.batch_size = 1, .workers = args.workers, .prefetch = 2 * args.workers,
                                     .shuffle = false});
    const auto start = std::chrono::steady_clock::now();
    std::int64_t n = 0;
    loader.start_epoch(0);
    while (auto batch = loader.next()) n += batch->clips.size(0);
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    clips_per_s.push_back(static_cast<double>(n) / s);
  }
  print_json_line({{"command", "bench clips"},
                   {"loader", "sfar"},
                   {"workers", args.workers},
                   {"clips_per_round", static_cast<std::int64_t>(repeated.size())},
                   {"clips_per_s", clips_per_s},
                   {"peak_rss_mb", peak_rss_mb()},
                   {"clips", clips}});
  return 0;
}
#else
int run_bench_clips(const BenchClipsArgs&) {
  throw ArgumentError("sfar bench clips", "this sfar was built without video support (SFAR_WITH_VIDEO=OFF)");
}
#endif

}  // namespace

void add_bench_clips_command(CLI::App& app, CommandContext& context) {
  CLI::App* bench = bench_group(app);
  auto args = std::make_shared<BenchClipsArgs>();
  auto* command = bench->add_subcommand("clips", "Evaluation-time clips/s (TSN centres, centre crop), for peers");
  command->add_option("--list", args->list, "Annotation list, `<path> <label>` per line")->required();
  command->add_option("--root", args->root, "Folder the list's paths are relative to");
  command->add_option("--workers", args->workers, "Loader threads")->capture_default_str();
  command->add_option("--rounds", args->rounds, "Timed rounds")->capture_default_str();
  command->add_option("--repeat", args->repeat, "Passes over the list per round")->capture_default_str();
  command->add_option("--frames", args->frames, "TSN segments (frames per clip)")->capture_default_str();
  command->add_option("--short-side", args->short_side, "Resize while decoding")->capture_default_str();
  command->add_option("--crop", args->crop, "Centre crop size")->capture_default_str();
  command->add_option("--dump", args->dump, "Write each record's clip here (safetensors, clip_<i>)");
  context.on_run(command, [args] { return run_bench_clips(*args); });
}

}  // namespace sfar::cli
