// The catalogue, the presets' class design, the wording and the plan: invariants that the
// benchmark is built on (zero-shot classes unseen but made of seen actions, order-swapped and
// flash-only pairs present, nested few-shot lists), and the random source's reference values.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "sfar/core/error.h"
#include "support/error_text.h"
#include "sfar/synth/benchmark_plan.h"
#include "sfar/synth/clip_renderer.h"
#include "sfar/synth/random.h"
#include "sfar/synth/storyboard_text.h"
#include "sfar/synth/synth_preset.h"

namespace {

using namespace sfar::synth;
using A = AtomicAction;

using sfar::test::thrown;

bool has_order_swapped_pair(const std::vector<ActionSequence>& classes) {
  for (const auto& a : classes) {
    for (const auto& b : classes) {
      if (a == b) continue;
      auto sa = a, sb = b;
      std::sort(sa.begin(), sa.end());
      std::sort(sb.begin(), sb.end());
      if (sa == sb) return true;
    }
  }
  return false;
}

// Two classes equal but for a flash (removed, or replaced by staying still).
bool has_flash_only_pair(const std::vector<ActionSequence>& classes) {
  for (const auto& a : classes) {
    auto pos = std::find(a.begin(), a.end(), A::flash);
    if (pos == a.end()) continue;
    ActionSequence removed = a, still = a;
    removed.erase(removed.begin() + (pos - a.begin()));
    still[static_cast<std::size_t>(pos - a.begin())] = A::stay_still;
    for (const auto& b : classes) {
      if (b == removed || b == still) return true;
    }
  }
  return false;
}

TEST(SynthRandom, IsSplitMix64) {
  Rng rng(0);
  EXPECT_EQ(rng.next(), 0xe220a8397b1dcdafULL);  // SplitMix64's published first output for seed 0
  EXPECT_EQ(rng.next(), 0x6e789e6aa1b965f4ULL);
  EXPECT_NE(Rng::derive(1, "clip", 0).next(), Rng::derive(1, "clip", 1).next());
  EXPECT_EQ(Rng::derive(1, "clip", 5).next(), Rng::derive(1, "clip", 5).next());
}

TEST(SynthActions, NamesAndRules) {
  EXPECT_EQ(sequence_name({A::move_left, A::flash, A::move_up}), "moving left, then flashing, then moving up");
  EXPECT_EQ(sequence_ids({A::grow, A::rotate_clockwise}), "grow,rotate_clockwise");
  EXPECT_TRUE(atomic_action_info(A::flash).momentary);
  EXPECT_EQ(atomic_action_info(A::rotate_clockwise).mirrored, A::rotate_anticlockwise);
  EXPECT_EQ(atomic_action_from_id("move_down", "x"), A::move_down);
  EXPECT_NE(thrown([] { atomic_action_from_id("jump", "preset.yaml"); }).find("preset.yaml: unknown atomic action, got \"jump\""),
            std::string::npos);
  EXPECT_NE(thrown([] { check_action_sequence({A::move_left, A::appear}, "c1"); }).find("'appear' can only come first"),
            std::string::npos);
  EXPECT_NE(thrown([] { check_action_sequence({A::disappear, A::grow}, "c1"); }).find("disappear,grow"), std::string::npos);
  EXPECT_NE(thrown([] { check_action_sequence({A::grow, A::grow}, "c1"); }).find("repeated"), std::string::npos);
  EXPECT_NE(thrown([] { check_action_sequence({}, "c1"); }).find("1 to 3"), std::string::npos);
}

TEST(SynthPreset, ClassDesignOfEveryPreset) {
  for (const std::string& name : synth_preset_names()) {
    SCOPED_TRACE(name);
    const SynthPreset p = synth_preset(name);
    std::set<AtomicAction> seen_actions;
    std::set<std::string> seen_names;
    for (const auto& s : p.seen) {
      seen_actions.insert(s.begin(), s.end());
      seen_names.insert(sequence_name(s));
      EXPECT_GE(s.size(), 2u);
      EXPECT_LE(s.size(), 3u);
    }
    EXPECT_EQ(seen_names.size(), p.seen.size());
    for (const auto& z : p.zeroshot) {
      EXPECT_FALSE(seen_names.count(sequence_name(z))) << sequence_name(z);
      for (const AtomicAction a : z) EXPECT_TRUE(seen_actions.count(a)) << atomic_action_info(a).id;
    }
    if (name == "storyboard-mini") {  // the easy one: no atomic action in two seen classes
      std::size_t actions = 0;
      for (const auto& s : p.seen) actions += s.size();
      EXPECT_EQ(seen_actions.size(), actions);
    } else {  // the fine-grained ones
      EXPECT_TRUE(has_order_swapped_pair(p.seen));
      EXPECT_TRUE(has_flash_only_pair(p.seen));
    }
    EXPECT_EQ(p.width, 64);
    EXPECT_EQ(p.frames, 16);
    EXPECT_EQ(p.fps, 8);
  }
  const SynthPreset v1 = synth_preset("storyboard-v1");
  EXPECT_GE(v1.seen.size(), 16u);
  EXPECT_LE(v1.seen.size(), 20u);
  EXPECT_GE(v1.zeroshot.size(), 6u);
  EXPECT_LE(v1.zeroshot.size(), 8u);
  EXPECT_EQ(v1.shots, (std::vector<int>{2, 4, 8, 16}));
  EXPECT_GE(v1.train_per_class, 16);
  std::set<AtomicAction> all;
  for (const auto& s : v1.seen) all.insert(s.begin(), s.end());
  EXPECT_EQ(all.size(), atomic_actions().size());  // every atomic action is seen in training
}

// The quick start's default must not be separable from one frame: a classifier that sees one
// frame and knows exactly which atomic action it shows stays below 60 % top-1 on its eight
// classes (chance 12.5 %), far from the 100 % of a preset whose classes own their actions.
TEST(SynthPreset, OneFrameDoesNotNameAClassOfTheDefault) {
  const SynthPreset v2 = synth_preset("storyboard-v2");
  EXPECT_GE(v2.seen.size(), 8u);
  EXPECT_GE(v2.zeroshot.size(), 4u);
  EXPECT_GE(v2.train_per_class, 16);  // few-shot K = 16 draws from train
  EXPECT_LT(single_frame_bound(v2), 0.60);
  EXPECT_GT(single_frame_bound(v2), 1.0 / static_cast<double>(v2.seen.size()));
  // storyboard-mini's classes share no action: one frame of any of its actions names the class.
  EXPECT_DOUBLE_EQ(single_frame_bound(synth_preset("storyboard-mini")), 1.0);
  // Worked by hand: {L, U} and {U, L} half-and-half (an order pair: one frame is a coin toss,
  // 0.5 over the two classes); {D, FLASH}: 12 frames of D, a 4-frame flash segment of its own.
  SynthPreset p = v2;
  p.seen = {{A::move_left, A::move_up}, {A::move_up, A::move_left}};
  EXPECT_DOUBLE_EQ(single_frame_bound(p), 0.5);
  p.seen = {{A::move_down, A::stay_still}, {A::move_down, A::flash}};
  EXPECT_DOUBLE_EQ(single_frame_bound(p), (0.75 + 0.5 + 0.25) / 2);
}

// Without clutter a frame is one flat colour besides the actor and its trail: the four corners
// (which a still actor never covers all of) hold one value through the clip. With clutter the
// textured background and the distractors make them differ.
TEST(SynthRender, WithoutClutterTheBackgroundIsFlat) {
  const auto corners_agree = [](const RenderedClip& clip) {
    int agree = 0;
    for (const auto& f : clip.frames) {
      const int w = f.width, h = f.height;
      const std::size_t at[4] = {0, static_cast<std::size_t>(w - 1), static_cast<std::size_t>((h - 1) * w),
                                 static_cast<std::size_t>(h * w - 1)};
      std::set<std::vector<std::uint8_t>> colours;
      for (const std::size_t p : at) colours.insert({f.data[3 * p], f.data[3 * p + 1], f.data[3 * p + 2]});
      agree += colours.size() <= 2 ? 1 : 0;  // the actor covers one corner at most
    }
    return agree == static_cast<int>(clip.frames.size());
  };
  int cluttered_agree = 0;
  for (std::uint64_t seed = 1; seed <= 4; ++seed) {
    ClipSpec spec{.actions = {A::stay_still, A::flash}, .seed = seed, .noise = 0};
    EXPECT_TRUE(synth_preset("storyboard-v2").clutter == false);
    spec.clutter = false;
    EXPECT_TRUE(corners_agree(render_clip(spec))) << seed;
    spec.clutter = true;
    cluttered_agree += corners_agree(render_clip(spec)) ? 1 : 0;
  }
  EXPECT_LT(cluttered_agree, 2);
}

TEST(SynthPreset, PretrainPairsNeverShowAClassOrAPieceOfAZeroShotClass) {
  for (const std::string& name : synth_preset_names()) {
    SCOPED_TRACE(name);
    const SynthPreset p = synth_preset(name);
    const auto pairs = pretrain_pairs(p);
    EXPECT_GE(pairs.size(), 10u);
    std::set<ActionSequence> distinct(pairs.begin(), pairs.end());
    EXPECT_EQ(distinct.size(), pairs.size());
    for (const auto& pair : pairs) {
      EXPECT_NO_THROW(check_action_sequence(pair, "pair"));
      for (const auto& s : p.seen) EXPECT_NE(pair, s);
      for (const auto& z : p.zeroshot) {
        for (std::size_t i = 0; i + 1 < z.size(); ++i) EXPECT_NE(pair, (ActionSequence{z[i], z[i + 1]}));
      }
    }
  }
  // {U, FLASH} opens the tiny zero-shot class {U, FLASH, L}; {GROW, CW} is a seen class.
  const auto tiny = pretrain_pairs(synth_preset("storyboard-tiny"));
  EXPECT_EQ(std::count(tiny.begin(), tiny.end(), ActionSequence{A::move_up, A::flash}), 0);
  EXPECT_EQ(std::count(tiny.begin(), tiny.end(), ActionSequence{A::grow, A::rotate_clockwise}), 0);
  EXPECT_EQ(std::count(tiny.begin(), tiny.end(), ActionSequence{A::flash, A::grow}), 1);
}

TEST(SynthPreset, BadPresetsAreRejected) {
  EXPECT_NE(thrown([] { synth_preset("storyboard-v9"); }).find("--preset: unknown preset"), std::string::npos);
  SynthPreset p = synth_preset("storyboard-tiny");
  p.zeroshot.push_back(p.seen[0]);
  EXPECT_NE(thrown([&] { check_synth_preset(p); }).find("also a seen class"), std::string::npos);
  p = synth_preset("storyboard-tiny");
  p.zeroshot.push_back({A::disappear});
  EXPECT_NE(thrown([&] { check_synth_preset(p); }).find("\"disappear\""), std::string::npos);
  p = synth_preset("storyboard-tiny");
  p.shots = {p.train_per_class + 1};  // more shots than train clips per class
  EXPECT_NE(thrown([&] { check_synth_preset(p); }).find("few-shot K"), std::string::npos);
}

TEST(SynthText, StoryboardSaysEachActionInOrder) {
  const std::vector<std::pair<AtomicAction, std::vector<std::string>>> keywords = {
      {A::move_left, {"left"}}, {A::move_right, {"right"}}, {A::move_up, {"up", "top"}},
      {A::move_down, {"down", "bottom"}}, {A::rotate_clockwise, {"clockwise", "clock hand"}},
      {A::rotate_anticlockwise, {"anticlockwise", "counterclockwise", "against the clock"}},
      {A::flash, {"flash", "blink"}}, {A::stay_still, {"still", "without moving", "motionless", "not mov"}},
      {A::grow, {"grow", "expand", "bigger", "swell"}}, {A::shrink, {"shrink", "smaller", "dwindl"}},
      {A::appear, {"appear", "into view", "into the scene", "becom"}}, {A::disappear, {"disappear", "fad", "vanish", "invisible"}}};
  for (int seed = 0; seed < 20; ++seed) {
    for (const auto style : {StoryboardStyle::narrative, StoryboardStyle::this_action}) {
      Rng rng(static_cast<std::uint64_t>(seed));
      const ActionSequence seq = {keywords[seed % 12].first, keywords[(seed + 5) % 12].first};
      const auto sentences = storyboard_sentences(seq, style, rng);
      ASSERT_EQ(sentences.size(), 2u);
      for (std::size_t i = 0; i < 2; ++i) {
        const auto& words = std::find_if(keywords.begin(), keywords.end(), [&](const auto& k) {
                              return k.first == seq[i];
                            })->second;
        EXPECT_TRUE(std::any_of(words.begin(), words.end(), [&](const std::string& w) {
          return sentences[i].find(w) != std::string::npos;
        })) << sentences[i];
      }
      if (style == StoryboardStyle::this_action) {
        EXPECT_EQ(sentences[0].rfind("This action is ", 0), 0u);
      }
    }
  }
  Rng rng(3);
  const auto off = off_topic_sentences(3, rng);
  EXPECT_EQ(std::set<std::string>(off.begin(), off.end()).size(), 3u);
  const auto rep = repetitive_sentences("growing, then shrinking", 3);
  for (const auto& s : rep) EXPECT_NE(s.find("growing, then shrinking"), std::string::npos);
  Rng caption_rng(1);
  const auto captions = action_captions({A::move_left}, {"triangle", "red", "small"}, caption_rng);
  ASSERT_EQ(captions.size(), 3u);
  for (const auto& caption : captions) EXPECT_NE(caption.find("left"), std::string::npos) << caption;
  EXPECT_EQ(captions[2], "a video of a shape moving left.");
  const auto pair = action_captions({A::move_left, A::flash}, {"triangle", "", ""}, caption_rng);
  for (const auto& caption : pair) EXPECT_NE(caption.find(", then "), std::string::npos) << caption;
  EXPECT_EQ(pair[2], "a video of a shape moving left, then flashing.");
}

TEST(SynthPlan, FewShotListsAreNestedSubsetsOfTrain) {
  const BenchmarkPlan plan = plan_benchmark(synth_preset("storyboard-v1"), 11);
  const std::size_t classes = plan.preset.seen.size();
  std::set<std::uint64_t> seeds;
  for (const auto& c : plan.clips) seeds.insert(c.seed);
  EXPECT_EQ(seeds.size(), plan.clips.size());
  std::vector<std::size_t> previous;
  for (const int k : plan.preset.shots) {
    const auto& picked = plan.fewshot.at(k);
    EXPECT_EQ(picked.size(), classes * static_cast<std::size_t>(k));
    std::vector<int> per_class(classes, 0);
    for (const std::size_t i : picked) {
      ASSERT_EQ(plan.clips[i].split, ClipSplit::train);
      ++per_class[static_cast<std::size_t>(plan.clips[i].label)];
    }
    for (const int n : per_class) EXPECT_EQ(n, k);
    for (const std::size_t i : previous) EXPECT_TRUE(std::count(picked.begin(), picked.end(), i)) << i;
    previous = picked;
  }
  const BenchmarkPlan other = plan_benchmark(synth_preset("storyboard-v1"), 12);
  EXPECT_NE(other.fewshot.at(2), plan.fewshot.at(2));
  EXPECT_EQ(plan_benchmark(synth_preset("storyboard-v1"), 11).fewshot.at(4), plan.fewshot.at(4));
}

}  // namespace
