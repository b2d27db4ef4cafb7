// The atomic actions of the synthetic storyboard benchmark: what an actor shape does during
// one segment of a clip. A class is an ordered sequence of them. Each action has a stable id
// ("move_left", used in files), a gerund for class names ("moving left"), and whether it is
// momentary (over in one or two frames: flash).
//
//   const AtomicActionInfo& info = atomic_action_info(AtomicAction::flash);  // info.momentary
#pragma once

#include <string>
#include <vector>

namespace sfar::synth {

enum class AtomicAction {
  move_left,
  move_right,
  move_up,
  move_down,
  rotate_clockwise,
  rotate_anticlockwise,
  grow,
  shrink,
  flash,
  stay_still,
  appear,
  disappear,
};

struct AtomicActionInfo {
  AtomicAction action;
  const char* id;      // "move_left"
  const char* gerund;  // "moving left"
  bool momentary;      // lasts one or two frames (flash)
  // The action a horizontal flip of the video turns this one into (itself when none).
  AtomicAction mirrored;
};

// Every action, in enum order.
const std::vector<AtomicActionInfo>& atomic_actions();
const AtomicActionInfo& atomic_action_info(AtomicAction action);
// The action with this id; ArgumentError naming `where` and the id otherwise.
AtomicAction atomic_action_from_id(const std::string& id, const std::string& where);

// Ordering rules a sequence must follow: "appear" only first, "disappear" only last (the
// actor is hidden outside the clip otherwise), no action twice in a row, 1 to 3 actions.
// Throws ArgumentError naming `where` and the sequence.
void check_action_sequence(const std::vector<AtomicAction>& sequence, const std::string& where);

// "moving left, then flashing, then moving up".
std::string sequence_name(const std::vector<AtomicAction>& sequence);
// "move_left,flash,move_up".
std::string sequence_ids(const std::vector<AtomicAction>& sequence);

}  // namespace sfar::synth
