// The words of the synthetic benchmark: storyboard sub-texts of a class (one sentence per
// atomic action, in varied wording), decoy candidate sets that TPP selection should reject
// (off-topic sentences; near-repetitions of the class name), and captions of single-action
// clips for contrastive pre-training. Wording is drawn from `Rng`, so it is fixed by the seed.
//
//   Rng rng = Rng::derive(seed, "storyboard", class_index);
//   std::vector<std::string> shots = storyboard_sentences(sequence, StoryboardStyle::narrative, rng);
#pragma once

#include <string>
#include <vector>

#include "sfar/synth/atomic_action.h"
#include "sfar/synth/random.h"

namespace sfar::synth {

enum class StoryboardStyle {
  narrative,    // "First, the shape slides toward the left edge."
  this_action,  // "This action is the figure sliding toward the left edge at the start."
};

// One sentence per action, in order, each saying where in the clip it happens.
std::vector<std::string> storyboard_sentences(const std::vector<AtomicAction>& sequence, StoryboardStyle style,
                                              Rng& rng);

// `count` distinct sentences about nothing the videos show.
std::vector<std::string> off_topic_sentences(std::size_t count, Rng& rng);

// `count` near-identical restatements of the class name (high mutual similarity).
std::vector<std::string> repetitive_sentences(const std::string& class_name, std::size_t count);

// How a caption may name the actor ("a small red triangle"); empty fields are left out.
struct ActorWords {
  std::string shape;   // "triangle"
  std::string colour;  // "red"
  std::string size;    // "small"
};

// A caption of a clip showing one atomic action: "a small red triangle slides toward the left edge."
std::string action_caption(AtomicAction action, const ActorWords& actor, Rng& rng);

}  // namespace sfar::synth
