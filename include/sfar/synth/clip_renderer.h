// Drawing one synthetic clip (OpenCV, in the .cpp only): an actor shape performing an ordered
// sequence of atomic actions on a textured background with distractor shapes and pixel noise.
// Everything that does not define the class is drawn at random from the clip's seed: the
// actor's shape, colour, size and start, the background, the distractors, the segment lengths,
// the moment and length (1 or 2 frames) of a flash, and the noise.
//
//   RenderedClip clip = render_clip({.actions = {AtomicAction::move_left, AtomicAction::flash},
//                                    .seed = 7});
//   clip.frames.size() == 16;  // RGB, 64x64
#pragma once

#include <cstdint>
#include <vector>

#include "sfar/io/rgb_frame.h"
#include "sfar/synth/atomic_action.h"
#include "sfar/synth/storyboard_text.h"

namespace sfar::synth {

struct ClipSpec {
  std::vector<AtomicAction> actions;  // follows check_action_sequence
  std::uint64_t seed = 0;
  int width = 64;  // even, at least 32
  int height = 64;
  int frames = 16;  // at least 4 per action
  double noise = 4.0;  // standard deviation of the per-pixel noise, in 0..255 units
  // false: a flat background of one random grey and no distractor shapes, so that the actor and
  // its trail are all a frame shows (storyboard-v2, for the quick start's small CLIP)
  bool clutter = true;
};

struct RenderedClip {
  std::vector<io::RgbFrame> frames;
  ActorWords actor;                  // for captions: "triangle", "red", "small"
  std::vector<int> segment_starts;   // first frame of each action's segment
  std::vector<int> flash_frames;     // frames where the actor flashes (1 or 2 per flash)
};

// Throws ArgumentError naming the spec's sequence when the spec breaks a rule above.
RenderedClip render_clip(const ClipSpec& spec);

}  // namespace sfar::synth
