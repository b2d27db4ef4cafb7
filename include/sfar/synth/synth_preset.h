// The benchmark presets: frame size, clip length, clips per split, and the class tables.
// A class is an ordered sequence of atomic actions. The seen classes include on purpose pairs
// that share their actions in another order ("moving left, then moving up" / "moving up, then
// moving left") and pairs that differ only by a momentary flash; the zero-shot classes are new
// orderings or combinations of atomic actions that the seen classes contain.
//
//   SynthPreset preset = synth_preset("storyboard-v2");
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
  bool clutter = true;           // textured background and distractor shapes (ClipSpec::clutter)
  int train_per_class = 20;      // seen classes
  int val_per_class = 8;         // seen classes
  int test_per_class = 8;        // zero-shot classes
  int pretrain_per_action = 13;  // single-action clips with captions
  int pretrain_per_pair = 2;     // clips of each pre-training pair (pretrain_pairs); 0: none
  std::vector<int> shots = {2, 4, 8, 16};  // few-shot lists, nested subsets of train
  std::vector<ActionSequence> seen;
  std::vector<ActionSequence> zeroshot;
};

// "storyboard-v2" (the quick start: eight classes that share a small set of clearly drawn
// actions), "storyboard-v1" (eighteen classes over all twelve actions, beyond the quick start's
// small CLIP), "storyboard-tiny" (unit tests: a few clips of v1's hardest pairs) or
// "storyboard-mini" (the quick start's CI check: four easy classes); ArgumentError naming
// `--preset` otherwise.
SynthPreset synth_preset(const std::string& name);
std::vector<std::string> synth_preset_names();

// The two-action sequences pre-training shows besides single actions, so that the text tower
// learns how "X, then Y" reads: every ordered pair of actions the seen classes use, except a
// pair that is itself a class (seen or zero-shot) or that occurs inside a zero-shot class.
// The zero-shot classes thus stay compositions that neither pre-training nor training showed.
std::vector<ActionSequence> pretrain_pairs(const SynthPreset& preset);

// The top-1 accuracy (0..1) of the best classifier of the seen classes that sees one frame of
// a clip and knows exactly which atomic action that frame shows, and nothing else: the sum over
// actions of the largest share, over classes, of a uniformly drawn clip's frames that show the
// action. A frame shows the action of its segment, with render_clip's segment lengths on
// average (4 frames per momentary action, the rest shared evenly). 1 when every class owns an
// action of its own; an order pair or a shared action holds it lower. It bounds what a
// single-frame model can learn about the classes through their actions.
double single_frame_bound(const SynthPreset& preset);

// Checks the rules above (sequences valid and distinct, zero-shot classes unseen and made of
// seen actions, shots within the train clips); ArgumentError naming the preset otherwise.
void check_synth_preset(const SynthPreset& preset);

}  // namespace sfar::synth
