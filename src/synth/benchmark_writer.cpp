#include "sfar/synth/benchmark_writer.h"

#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <exception>
#include <filesystem>
#include <mutex>
#include <thread>

#include "sfar/core/atomic_file.h"
#include "sfar/core/error.h"
#include "sfar/io/video_writer.h"
#include "sfar/synth/benchmark_files.h"
#include "sfar/synth/clip_renderer.h"
#include "sfar/synth/random.h"

namespace sfar::synth {
namespace {

namespace fs = std::filesystem;

// Everything a benchmark writes at the top of its directory; --force removes only these.
const char* const kOwnedPaths[] = {"classes.csv", "train.txt",   "val.txt",  "descriptions.json", "synth.json",
                                   "fewshot",     "zeroshot",    "pretrain", "videos"};

void prepare_directory(const SynthOptions& options) {
  if (options.out.empty()) throw ArgumentError("--out", "an output directory is required");
  const fs::path out(options.out);
  std::error_code ec;
  if (fs::exists(out, ec) && !fs::is_directory(out, ec)) {
    throw ArgumentError("--out", "exists and is not a directory", options.out);
  }
  if (fs::exists(out, ec) && !fs::is_empty(out, ec)) {
    if (!options.force) throw ArgumentError("--out", "directory is not empty (pass --force to replace it)", options.out);
    for (const char* name : kOwnedPaths) {
      fs::remove_all(out / name, ec);
      if (ec) throw IoError((out / name).string(), "cannot remove the previous benchmark file: " + ec.message());
    }
  }
  fs::create_directories(out, ec);
  if (ec) throw IoError(options.out, "cannot create directory: " + ec.message());
}

ClipResult make_clip(const BenchmarkPlan& plan, std::size_t index, const std::string& out) {
  const PlannedClip& planned = plan.clips[index];
  ClipSpec spec;
  spec.actions = planned.actions;
  spec.seed = planned.seed;
  spec.width = plan.preset.width;
  spec.height = plan.preset.height;
  spec.frames = plan.preset.frames;
  spec.noise = plan.preset.noise;
  spec.clutter = plan.preset.clutter;
  RenderedClip clip = render_clip(spec);
  ClipResult result;
  const std::string path = (fs::path(out) / planned.path).string();
  result.encoder = io::write_video(path, clip.frames, io::VideoWriteOptions().fps(plan.preset.fps));
  result.bytes = fs::file_size(path);
  result.actor = clip.actor;
  result.segment_starts = clip.segment_starts;
  result.flash_frames = clip.flash_frames;
  if (planned.split == ClipSplit::pretrain) {
    Rng rng = Rng::derive(plan.seed, "caption", index);
    result.captions = action_captions(planned.actions, clip.actor, rng);
  }
  return result;
}

// Renders every clip on `threads` workers; the first error stops the pool and is rethrown.
std::vector<ClipResult> make_clips(const BenchmarkPlan& plan, const std::string& out, int threads) {
  std::vector<ClipResult> results(plan.clips.size());
  std::atomic<std::size_t> next{0};
  std::atomic<bool> failed{false};
  std::exception_ptr error;
  std::mutex error_mutex;
  auto work = [&] {
    for (std::size_t i; !failed && (i = next++) < results.size();) {
      try {
        results[i] = make_clip(plan, i, out);
      } catch (...) {
        std::lock_guard<std::mutex> lock(error_mutex);
        if (!error) error = std::current_exception();
        failed = true;
      }
    }
  };
  const std::size_t n = std::max<std::size_t>(1, std::min<std::size_t>(threads, results.size()));
  std::vector<std::thread> pool;
  for (std::size_t t = 1; t < n; ++t) pool.emplace_back(work);
  work();
  for (auto& t : pool) t.join();
  if (error) std::rethrow_exception(error);
  return results;
}

}  // namespace

SynthSummary generate_benchmark(const SynthOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  const SynthPreset preset = synth_preset(options.preset);
  if (options.threads < 0) throw ArgumentError("--threads", "must be 0 (one per core) or positive", std::to_string(options.threads));
  prepare_directory(options);
  const BenchmarkPlan plan = plan_benchmark(preset, options.seed);
  const int threads = options.threads > 0 ? options.threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  const std::vector<ClipResult> results = make_clips(plan, options.out, threads);

  SynthSummary summary;
  auto write = [&](const std::string& relative, const std::string& content) {
    write_file_atomic((fs::path(options.out) / relative).string(), content);
    summary.bytes += content.size();
  };
  write("classes.csv", class_list_csv(preset.seen));
  write("train.txt", video_list_text(plan, clips_of(plan, ClipSplit::train)));
  write("val.txt", video_list_text(plan, clips_of(plan, ClipSplit::val)));
  for (const auto& [k, clips] : plan.fewshot) write("fewshot/train_" + std::to_string(k) + ".txt", video_list_text(plan, clips));
  write("zeroshot/classes.csv", class_list_csv(preset.zeroshot));
  write("zeroshot/test.txt", video_list_text(plan, clips_of(plan, ClipSplit::zeroshot_test)));
  write("pretrain/list.txt", pretrain_list_text(plan, results));
  write("pretrain/captions.txt", captions_text(plan, results));
  const std::string cache_path = (fs::path(options.out) / "descriptions.json").string();
  describe::save_description_cache(cache_path, benchmark_descriptions(plan));
  summary.bytes += fs::file_size(cache_path);
  write("synth.json", manifest_json(plan, results));  // last: its presence marks a complete benchmark

  summary.preset = preset.name;
  summary.out = options.out;
  summary.seed = options.seed;
  summary.encoder = results.empty() ? "" : results.front().encoder;
  summary.seen_classes = preset.seen.size();
  summary.zeroshot_classes = preset.zeroshot.size();
  summary.train = clips_of(plan, ClipSplit::train).size();
  summary.val = clips_of(plan, ClipSplit::val).size();
  summary.zeroshot_test = clips_of(plan, ClipSplit::zeroshot_test).size();
  summary.pretrain = clips_of(plan, ClipSplit::pretrain).size();
  summary.videos = plan.clips.size();
  for (const auto& r : results) summary.bytes += r.bytes;
  summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return summary;
}

std::string synth_summary_json(const SynthSummary& s) {
  return nlohmann::json{{"preset", s.preset},
                        {"out", s.out},
                        {"seed", s.seed},
                        {"encoder", s.encoder},
                        {"seen_classes", s.seen_classes},
                        {"zeroshot_classes", s.zeroshot_classes},
                        {"train", s.train},
                        {"val", s.val},
                        {"zeroshot_test", s.zeroshot_test},
                        {"pretrain", s.pretrain},
                        {"videos", s.videos},
                        {"bytes", s.bytes},
                        {"seconds", s.seconds}}
      .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace sfar::synth
