// The benchmark presets: frame size, clip length, clips per split, and the class tables.
// A class is an ordered sequence of atomic actions. The seen classes include on purpose pairs
// that share their actions in another order ("moving left, then moving up" / "moving up, then
// moving left") and pairs that differ only by a momentary flash; the zero-shot classes are new
// orderings or combinations of atomic actions that the seen classes contain.
//
//   SynthPreset preset = synth_preset("storyboard-v1");
#pragma once

#include <string>
#include <vector>

#include "sfar/synth/atomic_action.h"

namespace sfar::synth {

using ActionSequence = std::vector<AtomicAction>;

struct SynthPreset {
  std::string name;
  int width = 64;
  int height = 64;
  int frames = 16;
  int fps = 8;
  double noise = 4.0;            // per-pixel noise, standard deviation in 0..255 units
  int train_per_class = 20;      // seen classes
  int val_per_class = 8;         // seen classes
  int test_per_class = 8;        // zero-shot classes
  int pretrain_per_action = 13;  // single-action clips with captions
  int pretrain_per_pair = 2;     // clips of each pre-training pair (pretrain_pairs); 0: none
  std::vector<int> shots = {2, 4, 8, 16};  // few-shot lists, nested subsets of train
  std::vector<ActionSequence> seen;
  std::vector<ActionSequence> zeroshot;
};

// "storyboard-v1" (the quick start), "storyboard-tiny" (unit tests: a few clips of v1's hardest
// pairs) or "storyboard-mini" (the quick start's CI check: four easy classes); ArgumentError
// naming `--preset` otherwise.
SynthPreset synth_preset(const std::string& name);
std::vector<std::string> synth_preset_names();

// The two-action sequences pre-training shows besides single actions, so that the text tower
// learns how "X, then Y" reads: every ordered pair of actions the seen classes use, except a
// pair that is itself a class (seen or zero-shot) or that occurs inside a zero-shot class.
// The zero-shot classes thus stay compositions that neither pre-training nor training showed.
std::vector<ActionSequence> pretrain_pairs(const SynthPreset& preset);

// Checks the rules above (sequences valid and distinct, zero-shot classes unseen and made of
// seen actions, shots within the train clips); ArgumentError naming the preset otherwise.
void check_synth_preset(const SynthPreset& preset);

}  // namespace sfar::synth
