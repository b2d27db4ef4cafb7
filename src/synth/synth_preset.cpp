#include "sfar/synth/synth_preset.h"

#include <algorithm>
#include <map>
#include <set>

#include "sfar/core/error.h"

namespace sfar::synth {
namespace {

constexpr AtomicAction L = AtomicAction::move_left, R = AtomicAction::move_right, U = AtomicAction::move_up,
                       D = AtomicAction::move_down, CW = AtomicAction::rotate_clockwise,
                       CCW = AtomicAction::rotate_anticlockwise, GROW = AtomicAction::grow,
                       SHRINK = AtomicAction::shrink, FLASH = AtomicAction::flash, STILL = AtomicAction::stay_still,
                       APPEAR = AtomicAction::appear, DISAPPEAR = AtomicAction::disappear;

SynthPreset storyboard_v1() {
  SynthPreset p;
  p.name = "storyboard-v1";
  p.seen = {
      {L, U},              // order pair with {U, L}
      {U, L},
      {R, D},              // order pair with {D, R}
      {D, R},
      {GROW, CW},          // order pair with {CW, GROW}
      {CW, GROW},
      {L, FLASH, U},       // differs from {L, U} only by the flash
      {CCW, STILL},        // flash pair with {CCW, FLASH}: still vs flash
      {CCW, FLASH},
      {APPEAR, R},
      {SHRINK, DISAPPEAR},
      {D, SHRINK, L},      // same actions as {L, SHRINK, D}, other order
      {L, SHRINK, D},
      {APPEAR, GROW, FLASH},
      {R, CCW, U},
      {FLASH, D},
      {U, CW, SHRINK},
      {GROW, R, DISAPPEAR},
  };
  p.zeroshot = {
      {U, FLASH, L},       // new ordering of {L, FLASH, U}
      {CW, D},             // new combinations
      {SHRINK, CCW},
      {APPEAR, L, FLASH},
      {R, U},
      {GROW, D, DISAPPEAR},
      {STILL, FLASH, R},
  };
  return p;
}

// The quick start's default: eight seen classes built from eight clearly drawn atomic actions
// that the classes share: an order pair ({L, U} / {U, L}, the same actions in another order), a
// pair that differs only by a brief flash ({D, still} / {D, flash}), and four classes that share a move
// or a change of size with another class. No single frame names a class: a frame shows one
// action (one momentary flash at most), and every action but `appear` and `grow` belongs to
// two or more classes (single_frame_bound in the synth tests). The zero-shot classes are four
// new combinations of seen actions, with no action in common between them.
SynthPreset storyboard_v2() {
  SynthPreset p;
  p.name = "storyboard-v2";
  p.clutter = false;
  p.train_per_class = 64;
  p.val_per_class = 24;
  p.test_per_class = 64;
  p.pretrain_per_action = 12;
  p.pretrain_per_pair = 2;
  p.seen = {
      {L, U}, {U, L},          // order pair
      {D, STILL}, {D, FLASH},  // flash pair: still vs a brief flash
      {R, SHRINK}, {GROW, R},  // share the move right
      {SHRINK, U},             // shares shrinking and moving up
      {APPEAR, L},             // shares moving left
  };
  p.zeroshot = {{R, U}, {D, L}, {APPEAR, GROW}, {SHRINK, FLASH}};
  return p;
}

SynthPreset storyboard_tiny() {
  SynthPreset p;
  p.name = "storyboard-tiny";
  p.train_per_class = 16;
  p.val_per_class = 8;
  p.test_per_class = 3;
  p.pretrain_per_action = 2;
  p.pretrain_per_pair = 1;
  p.shots = {2, 4, 8};
  p.seen = {{L, U}, {U, L}, {L, FLASH, U}, {GROW, CW}};
  p.zeroshot = {{U, FLASH, L}, {CW, GROW}};
  return p;
}

// The quick start's CI check: four classes that share no atomic action, with enough clips that
// the quick start's small CLIP learns them within a minute of CPU (SFAR head: about 50 % top-1
// on val, chance 25 %). storyboard-tiny's order and flash pairs need many times that budget.
SynthPreset storyboard_mini() {
  SynthPreset p;
  p.name = "storyboard-mini";
  p.train_per_class = 100;
  p.val_per_class = 32;
  p.test_per_class = 3;
  p.pretrain_per_action = 6;
  p.pretrain_per_pair = 2;
  p.shots = {2, 4, 8, 16};
  p.seen = {{L, U}, {GROW, FLASH}, {APPEAR, CW}, {SHRINK, DISAPPEAR}};
  p.zeroshot = {{U, L}, {GROW, DISAPPEAR}};  // a new ordering, a new combination
  return p;
}

struct NamedPreset {
  const char* name;
  SynthPreset (*make)();
};
constexpr NamedPreset kPresets[] = {
    {"storyboard-v2", storyboard_v2},
    {"storyboard-v1", storyboard_v1},
    {"storyboard-tiny", storyboard_tiny},
    {"storyboard-mini", storyboard_mini}};

}  // namespace

std::vector<std::string> synth_preset_names() {
  std::vector<std::string> names;
  for (const NamedPreset& p : kPresets) names.emplace_back(p.name);
  return names;
}

SynthPreset synth_preset(const std::string& name) {
  for (const NamedPreset& p : kPresets) {
    if (name != p.name) continue;
    SynthPreset preset = p.make();
    check_synth_preset(preset);
    return preset;
  }
  std::string known;
  for (const NamedPreset& p : kPresets) known += (known.empty() ? "" : ", ") + std::string(p.name);
  throw ArgumentError("--preset", "unknown preset (" + known + ")", name);
}

std::vector<ActionSequence> pretrain_pairs(const SynthPreset& preset) {
  std::set<AtomicAction> used;
  for (const auto& s : preset.seen) used.insert(s.begin(), s.end());
  std::set<ActionSequence> excluded(preset.seen.begin(), preset.seen.end());
  for (const auto& s : preset.zeroshot) {
    excluded.insert(s);
    for (std::size_t i = 0; i + 1 < s.size(); ++i) excluded.insert({s[i], s[i + 1]});
  }
  std::vector<ActionSequence> pairs;
  for (const AtomicAction a : used) {
    for (const AtomicAction b : used) {
      const ActionSequence pair = {a, b};
      const bool valid = a != b && a != AtomicAction::disappear && b != AtomicAction::appear;
      if (valid && !excluded.count(pair)) pairs.push_back(pair);
    }
  }
  return pairs;
}

double single_frame_bound(const SynthPreset& preset) {
  std::map<AtomicAction, double> best;  // per action: the largest share of one class's frames
  for (const auto& s : preset.seen) {
    // render_clip's segment_lengths on average: 4 frames per momentary action when the clip
    // has others, the rest shared evenly by the others (by the last action when all are brief).
    const int n = static_cast<int>(s.size());
    int momentary = 0;
    for (const AtomicAction a : s) momentary += atomic_action_info(a).momentary ? 1 : 0;
    const double rest = preset.frames - 4.0 * momentary;
    std::map<AtomicAction, double> share;
    for (int i = 0; i < n; ++i) {
      const AtomicAction a = s[static_cast<std::size_t>(i)];
      double frames = 0;
      if (n == 1) frames = preset.frames;
      else if (momentary == n) frames = 4.0 + (i + 1 == n ? rest : 0.0);
      else frames = atomic_action_info(a).momentary ? 4.0 : rest / (n - momentary);
      share[a] += frames / preset.frames;
    }
    for (const auto& [a, v] : share) best[a] = std::max(best[a], v);
  }
  double total = 0;
  for (const auto& [a, v] : best) total += v;
  return total / static_cast<double>(preset.seen.size());
}

void check_synth_preset(const SynthPreset& p) {
  const std::string where = "preset " + p.name;
  if (p.seen.size() < 2) throw ArgumentError(where, "needs at least two seen classes", std::to_string(p.seen.size()));
  std::set<ActionSequence> seen;
  std::set<AtomicAction> seen_actions;
  for (const auto& s : p.seen) {
    check_action_sequence(s, where);
    if (!seen.insert(s).second) throw ArgumentError(where, "a seen class is listed twice", sequence_ids(s));
    seen_actions.insert(s.begin(), s.end());
  }
  std::set<ActionSequence> zeroshot;
  for (const auto& s : p.zeroshot) {
    check_action_sequence(s, where);
    if (seen.count(s)) throw ArgumentError(where, "a zero-shot class is also a seen class", sequence_ids(s));
    if (!zeroshot.insert(s).second) throw ArgumentError(where, "a zero-shot class is listed twice", sequence_ids(s));
    for (const AtomicAction a : s) {
      if (!seen_actions.count(a)) {
        throw ArgumentError(where, "a zero-shot class uses an action no seen class shows",
                            atomic_action_info(a).id);
      }
    }
  }
  if (p.train_per_class < 1 || p.val_per_class < 1 || p.test_per_class < 1 || p.pretrain_per_action < 0 ||
      p.pretrain_per_pair < 0) {
    throw ArgumentError(where, "clip counts must be positive", std::to_string(p.train_per_class));
  }
  for (const int k : p.shots) {
    if (k < 1 || k > p.train_per_class) {
      throw ArgumentError(where, "few-shot K must be in [1, train clips per class]", std::to_string(k));
    }
  }
  if (p.fps < 1 || p.frames < 8) throw ArgumentError(where, "needs fps >= 1 and frames >= 8", std::to_string(p.frames));
}

}  // namespace sfar::synth
