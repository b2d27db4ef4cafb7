// infer_video and the pieces export_features shares with it (video_inference.h).
#include "sfar/recipes/video_inference.h"

#include <algorithm>
#include <optional>

#include "sfar/core/error.h"
#include "sfar/data/bad_file_policy.h"
#include "sfar/describe/description_cache.h"
#include "sfar/engine/runtime_setup.h"
#include "sfar/eval/keyframe_picture.h"
#include "sfar/method/sfar_model.h"
#include "sfar/method/text_bank.h"

namespace sfar::recipes {
namespace {

// The sub-texts the model scores class `cls` with, as its text bank was built (N of them).
std::vector<std::string> class_subtexts(const SfarRunConfig& config, const std::vector<std::string>& names,
                                        std::int64_t cls) {
  std::optional<describe::DescriptionCache> cache;
  if (!config.descriptions.cache.empty()) cache = describe::load_description_cache(config.descriptions.cache);
  const auto texts = method::make_class_texts(names, config.descriptions.global_template, cache ? &*cache : nullptr,
                                              config.descriptions.cache, config.descriptions.num_subtexts,
                                              config.descriptions.selection);
  return texts.sub.empty() ? std::vector<std::string>{} : texts.sub.at(static_cast<std::size_t>(cls));
}

// The top classes (scores and classes of topk), best first.
nlohmann::json top_classes(const torch::Tensor& scores, const torch::Tensor& classes,
                           const std::vector<std::string>& names) {
  nlohmann::json top = nlohmann::json::array();
  for (std::int64_t i = 0; i < classes.size(0); ++i) {
    const auto c = classes[i].item<std::int64_t>();
    top.push_back({{"class", c}, {"name", names[static_cast<std::size_t>(c)]}, {"score", scores[i].item<double>()}});
  }
  return top;
}

// The key frames of class `cls` (view 0): the fine branch's most weighted frames, each with the
// sub-text that chose it; fills the picture's weights and frame sub-texts.
nlohmann::json key_frames(const VideoPass& p, std::int64_t cls, const SfarRunConfig& config,
                          const std::vector<std::string>& names, eval::KeyFramePicture& picture) {
  if (p.head.coarse_weights.defined()) picture.coarse_weights = p.head.coarse_weights[0][cls].cpu();
  if (!p.head.fine_weights.defined()) return nullptr;
  picture.fine_weights = p.head.fine_weights[0][cls].cpu();
  const auto subtexts = class_subtexts(config, names, cls);
  const auto chosen = p.head.fine_subtexts[0][cls].cpu();
  for (std::int64_t t = 0; t < chosen.size(0); ++t) {
    const auto n = static_cast<std::size_t>(chosen[t].item<std::int64_t>());
    picture.frame_subtexts.push_back(n < subtexts.size() ? subtexts[n] : "sub-text " + std::to_string(n));
  }
  nlohmann::json keys = nlohmann::json::array();
  for (const auto t : eval::select_key_frames(picture.fine_weights, picture.key_frames)) {
    keys.push_back({{"frame", t},
                    {"fine_weight", picture.fine_weights[t].item<double>()},
                    {"subtext", picture.frame_subtexts[static_cast<std::size_t>(t)]}});
  }
  return keys;
}

}  // namespace

std::vector<double> to_vector(const torch::Tensor& t) {
  const auto c = t.to(torch::kCPU, torch::kFloat64).contiguous();
  return {c.data_ptr<double>(), c.data_ptr<double>() + c.numel()};
}

std::shared_ptr<const data::VideoDataset> test_dataset(data::DataConfig config, std::vector<data::VideoRecord> records,
                                                       const std::string& root, std::uint64_t seed) {
  config.root = root;
  config.bad_file_policy = data::parse_bad_file_policy("raise");
  return data::make_video_dataset(config, std::move(records), data::SampleMode::kTest, seed);
}

VideoPass forward_video(ScoredModel& m, const torch::Tensor& clip) {
  torch::NoGradGuard no_grad;
  VideoPass p;
  p.clip = clip;
  auto& model = *m.run.model;
  p.frames = model.encode_frames(clip.to(m.device));
  p.head = model.head->forward(p.frames, m.bank);
  const auto logits = method::class_logits(p.head.video, m.bank.global_embed, model.clip->logit_scale);
  p.logits = logits.cpu();
  p.probs = logits.softmax(-1).mean(0).cpu();
  return p;
}

torch::Tensor seen_frames(const torch::Tensor& clip, const std::vector<data::TransformSpec>& pipeline) {
  auto f = clip[0].to(torch::kFloat32).clone();  // [T, 3, H, W]
  for (auto it = pipeline.rbegin(); it != pipeline.rend(); ++it) {
    if (it->type != data::TransformType::kNormalize) continue;
    for (std::int64_t c = 0; c < 3 && c < static_cast<std::int64_t>(it->mean.size()); ++c) {
      f.select(1, c).mul_(it->std[static_cast<std::size_t>(c)]).add_(it->mean[static_cast<std::size_t>(c)]);
    }
    break;
  }
  return f.clamp(0, 1).mul(255).round().to(torch::kUInt8).permute({0, 2, 3, 1}).contiguous();
}

std::int64_t label_class(const std::string& label, const std::vector<std::string>& names) {
  for (std::size_t c = 0; c < names.size(); ++c) {
    if (names[c] == label) return static_cast<std::int64_t>(c);
  }
  if (!label.empty() && label.find_first_not_of("0123456789") == std::string::npos && label.size() < 10) {
    const auto id = std::stoll(label);
    if (id < static_cast<std::int64_t>(names.size())) return id;
  }
  throw ArgumentError("--label", "not a class name or id of data.labels (" + std::to_string(names.size()) +
                      " classes)", label);
}

nlohmann::json infer_video(const SfarRunConfig& config, const InferOptions& o) {
  if (o.topk < 1) throw ArgumentError("--topk", "must be at least 1", std::to_string(o.topk));
  ScoredModel m = load_scored_model(config, engine::apply_runtime(config.run), {o.checkpoint, true, o.note, ""});
  const auto& names = m.run.class_names;
  data::VideoRecord record;
  record.path = o.video;
  record.labels = {0};
  record.origin = "--video";
  const auto dataset = test_dataset(config.data, {record}, "", static_cast<std::uint64_t>(config.run.seed));
  const VideoPass p = forward_video(m, dataset->load(0, 0).clip);
  const auto [scores, classes] = p.probs.topk(std::min<std::int64_t>(o.topk, p.probs.size(0)));
  const auto predicted = classes[0].item<std::int64_t>();
  nlohmann::json line = {{"video", o.video}, {"predicted", names[static_cast<std::size_t>(predicted)]}};
  std::string truth;
  if (!o.label.empty()) {
    const auto true_class = label_class(o.label, names);
    truth = names[static_cast<std::size_t>(true_class)];
    line["true"] = truth;
    line["correct"] = true_class == predicted;
  }
  eval::KeyFramePicture picture{seen_frames(p.clip, config.data.test_pipeline), {}, {}, {}, truth,
                                names[static_cast<std::size_t>(predicted)], method::to_string(config.head.type)};
  const auto keys = key_frames(p, predicted, config, names, picture);
  if (!keys.is_null()) line["key_frames"] = keys;
  if (!o.explain.empty()) eval::write_keyframe_picture(o.explain, picture);
  line["top"] = top_classes(scores, classes, names);
  // Logits of every class, views averaged: what another implementation of the head compares with.
  line["logits"] = to_vector(p.logits.mean(0));
  return line;
}

}  // namespace sfar::recipes
