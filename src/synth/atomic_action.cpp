#include "sfar/synth/atomic_action.h"

#include "sfar/core/error.h"

namespace sfar::synth {

const std::vector<AtomicActionInfo>& atomic_actions() {
  using A = AtomicAction;
  static const std::vector<AtomicActionInfo> table = {
      {A::move_left, "move_left", "moving left", false, A::move_right},
      {A::move_right, "move_right", "moving right", false, A::move_left},
      {A::move_up, "move_up", "moving up", false, A::move_up},
      {A::move_down, "move_down", "moving down", false, A::move_down},
      {A::rotate_clockwise, "rotate_clockwise", "rotating clockwise", false, A::rotate_anticlockwise},
      {A::rotate_anticlockwise, "rotate_anticlockwise", "rotating anticlockwise", false, A::rotate_clockwise},
      {A::grow, "grow", "growing", false, A::grow},
      {A::shrink, "shrink", "shrinking", false, A::shrink},
      {A::flash, "flash", "flashing", true, A::flash},
      {A::stay_still, "stay_still", "staying still", false, A::stay_still},
      {A::appear, "appear", "appearing", false, A::appear},
      {A::disappear, "disappear", "disappearing", false, A::disappear},
  };
  return table;
}

const AtomicActionInfo& atomic_action_info(AtomicAction action) {
  const auto& table = atomic_actions();
  const auto index = static_cast<std::size_t>(action);
  SFAR_ASSERT(index < table.size() && table[index].action == action, "atomic action table out of order");
  return table[index];
}

AtomicAction atomic_action_from_id(const std::string& id, const std::string& where) {
  for (const auto& info : atomic_actions()) {
    if (id == info.id) return info.action;
  }
  throw ArgumentError(where, "unknown atomic action", id);
}

void check_action_sequence(const std::vector<AtomicAction>& sequence, const std::string& where) {
  if (sequence.empty() || sequence.size() > 3) {
    throw ArgumentError(where, "a sequence holds 1 to 3 atomic actions", sequence_ids(sequence));
  }
  for (std::size_t i = 0; i < sequence.size(); ++i) {
    if (sequence[i] == AtomicAction::appear && i != 0) {
      throw ArgumentError(where, "'appear' can only come first", sequence_ids(sequence));
    }
    if (sequence[i] == AtomicAction::disappear && i + 1 != sequence.size()) {
      throw ArgumentError(where, "'disappear' can only come last", sequence_ids(sequence));
    }
    if (i > 0 && sequence[i] == sequence[i - 1]) {
      throw ArgumentError(where, "an action repeated back to back", sequence_ids(sequence));
    }
  }
}

std::string sequence_name(const std::vector<AtomicAction>& sequence) {
  std::string name;
  for (std::size_t i = 0; i < sequence.size(); ++i) {
    if (i > 0) name += ", then ";
    name += atomic_action_info(sequence[i]).gerund;
  }
  return name;
}

std::string sequence_ids(const std::vector<AtomicAction>& sequence) {
  std::string ids;
  for (std::size_t i = 0; i < sequence.size(); ++i) {
    if (i > 0) ids += ",";
    ids += atomic_action_info(sequence[i]).id;
  }
  return ids;
}

}  // namespace sfar::synth
