#include "sfar/synth/benchmark_files.h"

#include <nlohmann/json.hpp>

#include <map>

#include "sfar/synth/random.h"

namespace sfar::synth {
namespace {

using Json = nlohmann::ordered_json;

std::string csv_quoted(const std::string& text) {
  std::string out = "\"";
  for (const char c : text) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

Json sequence_json(const ActionSequence& sequence) {
  Json ids = Json::array();
  for (const AtomicAction a : sequence) ids.push_back(atomic_action_info(a).id);
  return ids;
}

// Seen class pairs that a horizontal flip swaps (left <-> right, clockwise <-> anticlockwise),
// flat [a0, b0, a1, b1, ...], for the data pipeline's flip augmentation; and the classes a
// flip turns into something outside the seen set (they must not be flipped).
void flip_pairs(const std::vector<ActionSequence>& seen, Json& pairs, Json& forbidden) {
  pairs = Json::array();
  forbidden = Json::array();
  for (std::size_t c = 0; c < seen.size(); ++c) {
    ActionSequence mirrored;
    for (const AtomicAction a : seen[c]) mirrored.push_back(atomic_action_info(a).mirrored);
    if (mirrored == seen[c]) continue;
    bool found = false;
    for (std::size_t d = 0; d < seen.size(); ++d) {
      if (seen[d] != mirrored) continue;
      found = true;
      if (c < d) pairs.push_back(c), pairs.push_back(d);
    }
    if (!found) forbidden.push_back(c);
  }
}

describe::DescriptionProvenance provenance(const BenchmarkPlan& plan, const std::string& prompt_id) {
  describe::DescriptionProvenance p;
  p.generator = "sfar synth";
  p.source = plan.preset.name + " (seed " + std::to_string(plan.seed) + ", generator version " +
             std::to_string(kSynthGeneratorVersion) + ")";
  p.prompt_id = prompt_id;
  p.seed = static_cast<std::int64_t>(plan.seed);
  return p;  // no time stamp: the same seed gives the same bytes
}

}  // namespace

std::string class_list_csv(const std::vector<ActionSequence>& classes) {
  std::string text = "id,name\n";
  for (std::size_t c = 0; c < classes.size(); ++c) text += std::to_string(c) + "," + csv_quoted(sequence_name(classes[c])) + "\n";
  return text;
}

std::vector<std::size_t> clips_of(const BenchmarkPlan& plan, ClipSplit split) {
  std::vector<std::size_t> indices;
  for (std::size_t i = 0; i < plan.clips.size(); ++i) {
    if (plan.clips[i].split == split) indices.push_back(i);
  }
  return indices;
}

std::string video_list_text(const BenchmarkPlan& plan, const std::vector<std::size_t>& indices) {
  std::string text;
  for (const std::size_t i : indices) text += plan.clips[i].path + " " + std::to_string(plan.clips[i].label) + "\n";
  return text;
}

std::string pretrain_list_text(const BenchmarkPlan& plan, const std::vector<ClipResult>& results) {
  std::string text;
  for (const std::size_t i : clips_of(plan, ClipSplit::pretrain)) {
    for (const std::string& caption : results[i].captions) {
      text += plan.clips[i].path + "\t" + caption + "\t" + pretrain_tag(plan.clips[i].actions) + "\n";
    }
  }
  return text;
}

std::string captions_text(const BenchmarkPlan& plan, const std::vector<ClipResult>& results) {
  std::string text;
  for (const std::size_t i : clips_of(plan, ClipSplit::pretrain)) {
    for (const std::string& caption : results[i].captions) text += caption + "\n";
  }
  return text;
}

describe::DescriptionCache benchmark_descriptions(const BenchmarkPlan& plan) {
  std::vector<ActionSequence> all = plan.preset.seen;
  all.insert(all.end(), plan.preset.zeroshot.begin(), plan.preset.zeroshot.end());
  std::vector<std::string> names;
  for (const auto& s : all) names.push_back(sequence_name(s));
  const io::ClassNames labels(names, "classes.csv+zeroshot/classes.csv", io::ClassNameFormat::csv);
  describe::DescriptionCache cache = describe::new_description_cache(labels, plan.preset.name, kSynthGlobalTemplate);
  cache.label_file = labels.source();
  for (std::size_t c = 0; c < all.size(); ++c) {
    Rng rng = Rng::derive(plan.seed, "storyboard", c);
    auto& candidates = cache.classes[c].candidates;
    candidates.push_back({storyboard_sentences(all[c], StoryboardStyle::narrative, rng), provenance(plan, "storyboard"), {}});
    candidates.push_back(
        {storyboard_sentences(all[c], StoryboardStyle::this_action, rng), provenance(plan, "storyboard_this_action"), {}});
    const std::size_t n = std::max<std::size_t>(all[c].size(), 2);
    candidates.push_back({off_topic_sentences(n, rng), provenance(plan, "off_topic"), {}});
    candidates.push_back({repetitive_sentences(names[c], n), provenance(plan, "repetitive"), {}});
  }
  return cache;
}

std::string manifest_json(const BenchmarkPlan& plan, const std::vector<ClipResult>& results) {
  const SynthPreset& p = plan.preset;
  Json m;
  m["schema"] = "sfar.synth";
  m["generator"] = "sfar synth";
  m["generator_version"] = kSynthGeneratorVersion;
  m["preset"] = p.name;
  m["seed"] = plan.seed;
  m["width"] = p.width;
  m["height"] = p.height;
  m["frames"] = p.frames;
  m["fps"] = p.fps;
  m["noise"] = p.noise;
  m["clutter"] = p.clutter;
  m["encoder"] = results.empty() ? "" : results.front().encoder;
  m["global_template"] = kSynthGlobalTemplate;
  m["shots"] = p.shots;
  Json actions = Json::array();
  for (const auto& a : atomic_actions()) {
    actions.push_back({{"id", a.id}, {"gerund", a.gerund}, {"momentary", a.momentary}, {"mirrored", atomic_action_info(a.mirrored).id}});
  }
  m["atomic_actions"] = actions;
  std::map<std::pair<ClipSplit, std::int64_t>, int> per_class;
  for (const auto& clip : plan.clips) ++per_class[{clip.split, clip.label}];
  Json classes = Json::array();
  for (std::size_t c = 0; c < p.seen.size(); ++c) {
    const auto label = static_cast<std::int64_t>(c);
    classes.push_back({{"split", "seen"}, {"label", c}, {"cache_id", c}, {"name", sequence_name(p.seen[c])},
                       {"actions", sequence_json(p.seen[c])},
                       {"train", per_class[{ClipSplit::train, label}]}, {"val", per_class[{ClipSplit::val, label}]}});
  }
  for (std::size_t c = 0; c < p.zeroshot.size(); ++c) {
    classes.push_back({{"split", "zeroshot"}, {"label", c}, {"cache_id", p.seen.size() + c},
                       {"name", sequence_name(p.zeroshot[c])}, {"actions", sequence_json(p.zeroshot[c])},
                       {"test", per_class[{ClipSplit::zeroshot_test, static_cast<std::int64_t>(c)}]}});
  }
  m["classes"] = classes;
  Json pairs, forbidden;
  flip_pairs(p.seen, pairs, forbidden);
  m["flip_pairs"] = pairs;
  m["flip_forbidden"] = forbidden;
  Json counts;
  std::uint64_t bytes = 0;
  for (const auto& r : results) bytes += r.bytes;
  counts["seen_classes"] = p.seen.size();
  counts["zeroshot_classes"] = p.zeroshot.size();
  for (const ClipSplit s : {ClipSplit::train, ClipSplit::val, ClipSplit::zeroshot_test, ClipSplit::pretrain}) {
    counts[to_string(s)] = clips_of(plan, s).size();
  }
  for (const auto& [k, clips] : plan.fewshot) counts["fewshot_" + std::to_string(k)] = clips.size();
  counts["videos"] = plan.clips.size();
  counts["video_bytes"] = bytes;
  m["counts"] = counts;
  Json clips = Json::array();
  for (std::size_t i = 0; i < plan.clips.size(); ++i) {
    const PlannedClip& c = plan.clips[i];
    Json clip = {{"path", c.path}, {"split", to_string(c.split)}, {"label", c.label}, {"actions", sequence_json(c.actions)},
                 {"segment_starts", results[i].segment_starts}, {"flash_frames", results[i].flash_frames},
                 {"actor", {{"shape", results[i].actor.shape}, {"colour", results[i].actor.colour}, {"size", results[i].actor.size}}}};
    if (c.split == ClipSplit::pretrain) clip["captions"] = results[i].captions;
    clips.push_back(clip);
  }
  m["clips"] = clips;
  return m.dump(1) + "\n";
}

}  // namespace sfar::synth
