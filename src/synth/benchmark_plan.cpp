#include "sfar/synth/benchmark_plan.h"

#include <algorithm>
#include <cstdio>

#include "sfar/synth/random.h"

namespace sfar::synth {
namespace {

std::string clip_path(const char* dir, const std::string& stem, std::int64_t index) {
  char name[96];
  std::snprintf(name, sizeof(name), "videos/%s/%s_%03lld.mp4", dir, stem.c_str(), static_cast<long long>(index));
  return name;
}

std::string class_stem(char prefix, std::size_t c) {
  char stem[32];
  std::snprintf(stem, sizeof(stem), "%c%02zu", prefix, c);
  return stem;
}

}  // namespace

std::string pretrain_tag(const ActionSequence& actions) {
  std::string tag;
  for (const AtomicAction a : actions) tag += (tag.empty() ? "" : "+") + std::string(atomic_action_info(a).id);
  return tag;
}

const char* to_string(ClipSplit split) {
  switch (split) {
    case ClipSplit::train: return "train";
    case ClipSplit::val: return "val";
    case ClipSplit::zeroshot_test: return "zeroshot_test";
    case ClipSplit::pretrain: return "pretrain";
  }
  return "?";
}

BenchmarkPlan plan_benchmark(const SynthPreset& preset, std::uint64_t seed) {
  check_synth_preset(preset);
  BenchmarkPlan plan;
  plan.preset = preset;
  plan.seed = seed;
  auto add = [&](const char* dir, const std::string& stem, std::int64_t index, ClipSplit split, std::int64_t label,
                 const ActionSequence& actions) {
    const std::string path = clip_path(dir, stem, index);
    plan.clips.push_back({path, split, label, actions, Rng::derive(seed, path).next()});
  };
  std::vector<std::vector<std::size_t>> train_of_class(preset.seen.size());
  for (std::size_t c = 0; c < preset.seen.size(); ++c) {
    for (int i = 0; i < preset.train_per_class; ++i) {
      train_of_class[c].push_back(plan.clips.size());
      add("train", class_stem('c', c), i, ClipSplit::train, static_cast<std::int64_t>(c), preset.seen[c]);
    }
  }
  for (std::size_t c = 0; c < preset.seen.size(); ++c) {
    for (int i = 0; i < preset.val_per_class; ++i) {
      add("val", class_stem('c', c), i, ClipSplit::val, static_cast<std::int64_t>(c), preset.seen[c]);
    }
  }
  for (std::size_t c = 0; c < preset.zeroshot.size(); ++c) {
    for (int i = 0; i < preset.test_per_class; ++i) {
      add("zeroshot", class_stem('z', c), i, ClipSplit::zeroshot_test, static_cast<std::int64_t>(c), preset.zeroshot[c]);
    }
  }
  for (const auto& info : atomic_actions()) {
    for (int i = 0; i < preset.pretrain_per_action; ++i) {
      add("pretrain", info.id, i, ClipSplit::pretrain, static_cast<std::int64_t>(info.action), {info.action});
    }
  }
  for (const ActionSequence& pair : pretrain_pairs(preset)) {
    for (int i = 0; i < preset.pretrain_per_pair; ++i) {
      add("pretrain", pretrain_tag(pair), i, ClipSplit::pretrain, -1, pair);
    }
  }
  // Nested few-shot lists: one seeded order of each class's train clips; K takes its first K.
  std::vector<std::vector<std::size_t>> order = train_of_class;
  for (std::size_t c = 0; c < order.size(); ++c) {
    Rng rng = Rng::derive(seed, "fewshot", c);
    rng.shuffle(order[c]);
  }
  for (const int k : preset.shots) {
    std::vector<std::size_t>& picked = plan.fewshot[k];
    for (const auto& clips : order) {
      std::vector<std::size_t> first(clips.begin(), clips.begin() + k);
      std::sort(first.begin(), first.end());
      picked.insert(picked.end(), first.begin(), first.end());
    }
  }
  return plan;
}

}  // namespace sfar::synth
