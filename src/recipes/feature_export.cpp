// export_features (video_inference.h): one embedding per video of a dataset list, as JSON
// lines, a torch.load-able dict or safetensors (docs/checkpoint_format.md, "Features").
#include <filesystem>

#include "sfar/core/atomic_file.h"
#include "sfar/core/error.h"
#include "sfar/data/data_config.h"
#include "sfar/engine/runtime_setup.h"
#include "sfar/models/safetensors_writer.h"
#include "sfar/models/torch_save.h"
#include "sfar/recipes/video_inference.h"

namespace sfar::recipes {
namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// The features of a dataset list as tensors: the rows of the JSON lines plus each video's
// frame embeddings and logits.
struct Features {
  std::vector<std::string> videos;
  std::vector<torch::Tensor> embeddings, frame_means, frames, logits;
  std::vector<std::int64_t> labels, predicted;

  std::vector<std::pair<std::string, torch::Tensor>> tensors() const {
    return {{"embeddings", torch::stack(embeddings)},         {"frame_means", torch::stack(frame_means)},
            {"frames", torch::stack(frames)},                 {"logits", torch::stack(logits)},
            {"labels", torch::tensor(labels, torch::kInt64)}, {"predicted", torch::tensor(predicted, torch::kInt64)}};
  }
};

// A plain dict for torch.load(f, weights_only=True): the tensors, "videos" and "class_names"
// (lists of strings).
void save_features_pt(const Features& f, const std::vector<std::string>& class_names, const std::string& path) {
  c10::impl::GenericDict dict(c10::StringType::get(), c10::AnyType::get());
  for (const auto& [name, t] : f.tensors()) dict.insert(name, t);
  dict.insert(std::string("videos"), c10::List<std::string>(f.videos));
  dict.insert(std::string("class_names"), c10::List<std::string>(class_names));
  models::save_torch_file(c10::IValue(dict), path);
}

// safetensors holds only tensors: the videos and class names go into its metadata as JSON arrays.
void save_features_safetensors(const Features& f, const std::vector<std::string>& class_names,
                               const std::string& path) {
  models::save_safetensors(f.tensors(),
                           {{"format", "sfar-features-1"},
                            {"videos", nlohmann::json(f.videos).dump()},
                            {"class_names", nlohmann::json(class_names).dump()}},
                           path);
}

// `list` as data.list reads it: a relative path that does not exist is looked up under data.root.
data::DataConfig with_list(data::DataConfig config, const std::string& list) {
  config.list = list;
  if (!config.root.empty() && !std::filesystem::path(list).is_absolute() && !std::filesystem::exists(list)) {
    config.list = (std::filesystem::path(config.root) / list).string();
  }
  return config;
}

}  // namespace

nlohmann::json export_features(const SfarRunConfig& config, const ExportFeaturesOptions& o) {
  const bool to_pt = ends_with(o.out, ".pt"), to_safetensors = ends_with(o.out, ".safetensors");
  if (!to_pt && !to_safetensors && !ends_with(o.out, ".jsonl")) {
    throw ArgumentError("--out", "must end in .jsonl, .pt or .safetensors", o.out);
  }
  ScoredModel m = load_scored_model(config, engine::apply_runtime(config.run), {o.checkpoint, true, o.note, ""});
  const auto dataset = test_dataset(config.data, data::load_records(with_list(config.data, o.list), m.run.class_names),
                                    config.data.root, static_cast<std::uint64_t>(config.run.seed));
  if (dataset->size() == 0) throw ArgumentError("--list", "lists no videos", o.list);
  const bool conditioned = method::uses_subtexts(config.head.type);
  std::string lines;
  Features f;
  engine::CountProgress shown(o.progress, dataset->size(), "videos");
  for (std::int64_t i = 0; i < dataset->size(); ++i) {
    const auto sample = dataset->load(i, 0);
    const VideoPass p = forward_video(m, sample.clip);
    const auto cls = p.probs.argmax().item<std::int64_t>();
    // Class-agnostic heads give [V, 1, D]; class-conditioned ones [V, C, D]: take the predicted class.
    const auto video = (conditioned ? p.head.video.select(1, cls) : p.head.video.select(1, 0)).mean(0).cpu();
    const auto frame_mean = p.frames.mean(1).mean(0).cpu();
    const auto label = sample.labels.empty() ? std::int64_t{-1} : sample.labels.front();
    const std::string& id = dataset->records()[static_cast<std::size_t>(i)].path;
    nlohmann::json line = {{"video", id}, {"label", label}, {"embedding", to_vector(video)}};
    if (conditioned) {
      line["predicted"] = cls;
      line["frame_mean"] = to_vector(frame_mean);
    }
    lines += line.dump() + "\n";
    f.videos.push_back(id);
    f.embeddings.push_back(video);
    f.frame_means.push_back(frame_mean);
    f.frames.push_back(p.frames.cpu());
    f.logits.push_back(p.logits.mean(0));
    f.labels.push_back(label);
    f.predicted.push_back(cls);
    shown.update(i + 1);
  }
  if (to_pt) {
    save_features_pt(f, m.run.class_names, o.out);
  } else if (to_safetensors) {
    save_features_safetensors(f, m.run.class_names, o.out);
  } else {
    write_file_atomic(o.out, lines);
  }
  return {{"out", o.out}, {"videos", dataset->size()}, {"dim", f.embeddings.front().size(0)}, {"conditioned", conditioned}};
}

}  // namespace sfar::recipes
