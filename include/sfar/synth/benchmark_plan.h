// What a benchmark holds before anything is drawn: every clip with its relative path, split,
// label, actions and its own seed (so clips can be rendered in any order, on any thread, and
// come out the same), and the few-shot lists as nested subsets of the train clips.
//
//   BenchmarkPlan plan = plan_benchmark(synth_preset("storyboard-tiny"), /*seed=*/0);
//   plan.fewshot.at(4);  // indices into plan.clips: 4 train clips per seen class
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "sfar/synth/synth_preset.h"

namespace sfar::synth {

enum class ClipSplit { train, val, zeroshot_test, pretrain };
const char* to_string(ClipSplit split);

struct PlannedClip {
  std::string path;     // relative to the benchmark directory: "videos/train/c03_007.mp4"
  ClipSplit split;
  std::int64_t label;   // seen class (train, val), zero-shot class (test), atomic action (pretrain,
                        // one action) or -1 (pretrain, a pair of pretrain_pairs)
  ActionSequence actions;
  std::uint64_t seed;   // the clip's own seed, derived from the benchmark seed and the path
};

struct BenchmarkPlan {
  SynthPreset preset;
  std::uint64_t seed = 0;
  std::vector<PlannedClip> clips;                // train, val, zero-shot test, pretrain, in that order
  std::map<int, std::vector<std::size_t>> fewshot;  // K -> indices into clips, by class then index
};

// The group tag of a pre-training clip: its action ids joined by '+' ("move_left",
// "move_left+move_up"); clips with one tag are each other's positives in `sfar pretrain`.
std::string pretrain_tag(const ActionSequence& actions);

BenchmarkPlan plan_benchmark(const SynthPreset& preset, std::uint64_t seed);

}  // namespace sfar::synth
