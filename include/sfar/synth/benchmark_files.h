// The text files of a generated benchmark, as strings (written by benchmark_writer): class
// lists (`id,name` CSV), `<path> <label>` video lists, the pre-training caption list, the
// description cache of every class (seen, then zero-shot) and the manifest. Kept apart from
// the rendering so that each is checked on its own.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sfar/describe/description_cache.h"
#include "sfar/synth/benchmark_plan.h"
#include "sfar/synth/storyboard_text.h"

namespace sfar::synth {

inline constexpr int kSynthGeneratorVersion = 1;
inline constexpr const char* kSynthGlobalTemplate = "a video of a shape {name}.";

// What rendering and encoding one planned clip gave.
struct ClipResult {
  std::string encoder;             // "libx264" (or the fallback)
  std::uint64_t bytes = 0;
  ActorWords actor;
  std::vector<int> segment_starts;
  std::vector<int> flash_frames;
  std::vector<std::string> captions;  // pretrain clips only (action_captions)
};

// "id,name" header, then one row per class, names quoted (they hold commas).
std::string class_list_csv(const std::vector<ActionSequence>& classes);

// "<path> <label>" lines of the clips at `indices`.
std::string video_list_text(const BenchmarkPlan& plan, const std::vector<std::size_t>& indices);

// Indices of the clips of one split, in plan order.
std::vector<std::size_t> clips_of(const BenchmarkPlan& plan, ClipSplit split);

// "<path>\t<caption>\t<atomic action id>" lines of the pretrain clips; and the captions alone.
std::string pretrain_list_text(const BenchmarkPlan& plan, const std::vector<ClipResult>& results);
std::string captions_text(const BenchmarkPlan& plan, const std::vector<ClipResult>& results);

// Seen classes (ids 0..S-1) then zero-shot classes (S..S+Z-1). Per class four candidate sets:
// 0 the storyboard (narrative), 1 the storyboard ("This action is ..."), 2 off-topic, 3 repetitive.
describe::DescriptionCache benchmark_descriptions(const BenchmarkPlan& plan);

// synth.json: preset, seed, generator version, sizes, atomic actions, classes with their
// sequences and splits, flip pairs, counts and every clip.
std::string manifest_json(const BenchmarkPlan& plan, const std::vector<ClipResult>& results);

}  // namespace sfar::synth
