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

// The captions of a pre-training clip (one atomic action, or a pair joined by ", then "), in
// the three registers the text tower later meets, each with a wording drawn at random:
//   [0] a description:           "A small red triangle slides toward the left edge."
//   [1] a storyboard shot:       "This action is the figure sliding toward the left edge." (or
//                                "A video of a red triangle sliding toward the left edge.")
//   [2] the class-name form:     "a video of a shape moving left."
// Pre-training on all three is what lets a frozen text tower tell class names and sub-texts
// apart; trained on descriptions alone it embeds "moving left" and "growing" alike.
std::vector<std::string> action_captions(const std::vector<AtomicAction>& actions, const ActorWords& actor, Rng& rng);

}  // namespace sfar::synth
