// `sfar infer` classifies one video with a trained checkpoint: one JSON line with the predicted
// class, the true one (--label), the key frames of the fine branch with the sub-text that chose
// each, and the top-k classes; optionally the key-frame picture (eval/keyframe_picture.h) as a
// PNG. `sfar export-features`
// writes one embedding per video of a dataset list (JSON lines, a torch.load-able dict or
// safetensors). Without --checkpoint both score the run's best.pt, or model.weights when it is
// an `sfar export` with its head, saying which, and refuse an untrained head
// (recipes::choose_checkpoint).
//
//   sfar infer --config run.yaml --checkpoint best.pt --video clip.mp4 --label "cleaning pool" --explain why.png
//   sfar export-features --config run.yaml --checkpoint best.pt --list val.txt --out feats.safetensors
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <iostream>

#include "../command.h"
#include "sfar/core/atomic_file.h"
#include "sfar/core/error.h"
#include "sfar/engine/checkpoint.h"
#include "sfar/models/safetensors_writer.h"
#include "sfar/models/torch_save.h"
#include "sfar/recipes/sfar_run_config.h"

#if SFAR_WITH_VIDEO
#include <optional>

#include "sfar/data/bad_file_policy.h"
#include "sfar/data/video_dataset.h"
#include "sfar/describe/description_cache.h"
#include "sfar/engine/runtime_setup.h"
#include "sfar/eval/keyframe_picture.h"
#include "sfar/method/sfar_model.h"
#include "sfar/recipes/sfar_runner.h"
#include "sfar/recipes/sfar_task.h"
#endif

namespace sfar::cli {
namespace {

struct InferArgs {
  std::vector<std::string> configs, overrides;
  std::string checkpoint, video, explain, label;
  std::int64_t topk = 5;
};

struct ExportArgs {
  std::vector<std::string> configs, overrides;
  std::string checkpoint, list, out;
  engine::BarMode bar = engine::BarMode::kOff;
};

const char* const kCheckpointHelp =
    "Checkpoint written by sfar train; default: the run's best.pt (run.work_dir/checkpoints), else model.weights "
    "when it brings the head's weights (an sfar export) or the head has none, else refused; none: model.weights "
    "as loaded";

#if SFAR_WITH_VIDEO
// The model, its text bank on the model's device, and the config it was built from.
struct Loaded {
  recipes::SfarRunConfig config;
  recipes::SfarRun run;
  method::TextBank bank;
  torch::Device device = torch::kCPU;
};

// `command` names the command in the line that says which weights were chosen.
Loaded load(const std::vector<std::string>& configs, const std::vector<std::string>& overrides,
            const std::string& checkpoint, const std::string& command) {
  Loaded l;
  l.config = recipes::load_sfar_run_config(configs, overrides);
  l.run = recipes::build_sfar_run(l.config, engine::apply_runtime(l.config.run), "");
  const auto choice = recipes::choose_checkpoint(l.config, checkpoint, l.run.head_ready);
  if (!choice.note.empty()) std::cerr << "sfar " << command << ": " << choice.note << "\n";
  if (!choice.path.empty()) engine::load_model_weights(*l.run.model, choice.path);
  l.device = torch::Device(l.run.device);
  l.run.model->to(l.device);
  l.run.model->eval();
  l.bank = l.run.bank.to(l.device);
  return l;
}

// The config's test sampler and pipeline over `records` under `root` (read as written, failures
// raise).
std::shared_ptr<const data::VideoDataset> test_dataset(data::DataConfig config, std::vector<data::VideoRecord> records,
                                                       const std::string& root, std::uint64_t seed) {
  config.root = root;
  config.bad_file_policy = data::parse_bad_file_policy("raise");
  return data::make_video_dataset(config, std::move(records), data::SampleMode::kTest, seed);
}

// One video's forward pass over its V test views.
struct VideoPass {
  torch::Tensor clip;    // [V, T, 3, H, W] as the model saw it (CPU)
  torch::Tensor frames;  // [V, T, D] frame embeddings
  method::HeadOutput head;
  torch::Tensor logits;  // [V, C] (CPU)
  torch::Tensor probs;   // [C] softmax, views averaged
};

VideoPass forward_video(Loaded& l, const torch::Tensor& clip) {
  torch::NoGradGuard no_grad;
  VideoPass p;
  p.clip = clip;
  auto& model = *l.run.model;
  const auto V = clip.size(0), T = clip.size(1);
  const auto x = clip.to(l.device);
  const auto frames = model.clip->encode_image(x.reshape({V * T, 3, x.size(3), x.size(4)}));
  p.frames = frames.view({V, T, frames.size(-1)});
  p.head = model.head->forward(p.frames, l.bank);
  const auto logits = method::class_logits(p.head.video, l.bank.global_embed, model.clip->logit_scale);
  p.logits = logits.cpu();
  p.probs = logits.softmax(-1).mean(0).cpu();
  return p;
}

// The frames of view 0 as the model saw them, [T, H, W, 3] uint8 RGB: the pipeline's normalize
// step is undone.
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

// The class --label names: a class name, or its id. ArgumentError naming --label otherwise.
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

// The sub-texts the model scores class `cls` with, as its text bank was built (N of them).
std::vector<std::string> class_subtexts(const recipes::SfarRunConfig& config, const std::vector<std::string>& names,
                                        std::int64_t cls) {
  std::optional<describe::DescriptionCache> cache;
  if (!config.descriptions.cache.empty()) cache = describe::load_description_cache(config.descriptions.cache);
  const auto texts = method::make_class_texts(names, config.descriptions.global_template, cache ? &*cache : nullptr,
                                              config.descriptions.cache, config.descriptions.num_subtexts,
                                              config.descriptions.selection);
  return texts.sub.empty() ? std::vector<std::string>{} : texts.sub.at(static_cast<std::size_t>(cls));
}

std::vector<double> to_vector(const torch::Tensor& t) {
  const auto c = t.to(torch::kCPU, torch::kFloat64).contiguous();
  return {c.data_ptr<double>(), c.data_ptr<double>() + c.numel()};
}

int run_infer(const InferArgs& args) {
  if (args.topk < 1) throw ArgumentError("--topk", "must be at least 1", std::to_string(args.topk));
  Loaded l = load(args.configs, args.overrides, args.checkpoint, "infer");
  data::VideoRecord record;
  record.path = args.video;
  record.labels = {0};
  record.origin = "--video";
  const auto dataset = test_dataset(l.config.data, {record}, "", static_cast<std::uint64_t>(l.config.run.seed));
  const VideoPass p = forward_video(l, dataset->load(0, 0).clip);
  const auto k = std::min<std::int64_t>(args.topk, p.probs.size(0));
  const auto [scores, classes] = p.probs.topk(k);
  nlohmann::json top = nlohmann::json::array();
  for (std::int64_t i = 0; i < k; ++i) {
    const auto c = classes[i].item<std::int64_t>();
    top.push_back({{"class", c}, {"name", l.run.class_names[static_cast<std::size_t>(c)]},
                   {"score", scores[i].item<double>()}});
  }
  const auto predicted = classes[0].item<std::int64_t>();
  nlohmann::json line = {{"video", args.video}, {"predicted", l.run.class_names[static_cast<std::size_t>(predicted)]}};
  std::string truth;
  if (!args.label.empty()) {
    truth = l.run.class_names[static_cast<std::size_t>(label_class(args.label, l.run.class_names))];
    line["true"] = truth;
    line["correct"] = label_class(args.label, l.run.class_names) == predicted;
  }
  // Key frames of the predicted class (view 0): the fine branch's most weighted frames, each
  // with the sub-text that chose it.
  eval::KeyFramePicture picture{seen_frames(p.clip, l.config.data.test_pipeline), {}, {}, {}, truth,
                                line["predicted"].get<std::string>(), method::to_string(l.config.head.type)};
  if (p.head.coarse_weights.defined()) picture.coarse_weights = p.head.coarse_weights[0][predicted].cpu();
  if (p.head.fine_weights.defined()) {
    picture.fine_weights = p.head.fine_weights[0][predicted].cpu();
    const auto subtexts = class_subtexts(l.config, l.run.class_names, predicted);
    const auto chosen = p.head.fine_subtexts[0][predicted].cpu();
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
    line["key_frames"] = keys;
  }
  if (!args.explain.empty()) eval::write_keyframe_picture(args.explain, picture);
  line["top"] = top;
  // Logits of every class, views averaged: what another implementation of the head compares with.
  line["logits"] = to_vector(p.logits.mean(0));
  print_json_line(line);
  return 0;
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// The features of a dataset list as tensors: the rows of export-features' JSON lines plus each
// video's frame embeddings and logits (docs/checkpoint_format.md, "Features").
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

int run_export(const ExportArgs& args) {
  const bool to_pt = ends_with(args.out, ".pt"), to_safetensors = ends_with(args.out, ".safetensors");
  if (!to_pt && !to_safetensors && !ends_with(args.out, ".jsonl")) {
    throw ArgumentError("--out", "must end in .jsonl, .pt or .safetensors", args.out);
  }
  Loaded l = load(args.configs, args.overrides, args.checkpoint, "export-features");
  data::DataConfig with_list = l.config.data;
  with_list.list = args.list;  // like data.list: a relative path that does not exist is looked up under data.root
  if (!with_list.root.empty() && !std::filesystem::path(args.list).is_absolute() &&
      !std::filesystem::exists(args.list)) {
    with_list.list = (std::filesystem::path(with_list.root) / args.list).string();
  }
  const auto dataset = test_dataset(l.config.data, data::load_records(with_list, l.run.class_names),
                                    l.config.data.root, static_cast<std::uint64_t>(l.config.run.seed));
  const bool conditioned = method::uses_subtexts(l.config.head.type);
  std::string lines;
  Features f;
  engine::ProgressBar bar(&std::cerr, args.bar, "export-features");
  engine::ProgressSlot slot;
  slot.bar = &bar;
  engine::CountProgress shown(slot, dataset->size(), "videos");
  for (std::int64_t i = 0; i < dataset->size(); ++i) {
    const auto sample = dataset->load(i, 0);
    const VideoPass p = forward_video(l, sample.clip);
    const auto cls = p.probs.argmax().item<std::int64_t>();
    // Class-agnostic heads give [V, 1, D]; class-conditioned ones [V, C, D]: take the predicted class.
    const auto video = (conditioned ? p.head.video.select(1, cls) : p.head.video.select(1, 0)).mean(0).cpu();
    const auto frame_mean = p.frames.mean(1).mean(0).cpu();
    const auto label = sample.labels.empty() ? std::int64_t{-1} : sample.labels.front();
    const std::string& id = dataset->records()[static_cast<std::size_t>(i)].path;
    nlohmann::json line = {{"video", id},
                           {"label", label},
                           {"embedding", to_vector(video)}};
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
  bar.finish();
  if (to_pt) {
    save_features_pt(f, l.run.class_names, args.out);
  } else if (to_safetensors) {
    save_features_safetensors(f, l.run.class_names, args.out);
  } else {
    write_file_atomic(args.out, lines);
  }
  print_json_line({{"out", args.out},
                   {"videos", dataset->size()},
                   {"dim", f.embeddings.front().size(0)},
                   {"conditioned", conditioned}});
  return 0;
}
#else
int no_video() { throw ArgumentError("sfar infer", "this build has no video support (SFAR_WITH_VIDEO=OFF)"); }
int run_infer(const InferArgs&) { return no_video(); }
int run_export(const ExportArgs&) { return no_video(); }
#endif

}  // namespace

void add_infer_command(CLI::App& app, CommandContext& context) {
  auto infer_args = std::make_shared<InferArgs>();
  auto* infer = app.add_subcommand("infer", "Classify one video with a checkpoint (top-k classes as a JSON line)");
  infer->add_option("--config,-c", infer_args->configs, "Run config file(s)")->required();
  infer->add_option("--set", infer_args->overrides, "Override, e.g. data.num_frames=16");
  infer->add_option("--checkpoint", infer_args->checkpoint, kCheckpointHelp);
  infer->add_option("--video", infer_args->video, "Video file")->required();
  infer->add_option("--topk", infer_args->topk, "Classes to print")->capture_default_str();
  infer->add_option("--explain", infer_args->explain,
                    "PNG: the true and predicted class, the sampled frames with the key-frame weights of the "
                    "predicted class, and the sub-text that chose each key frame");
  infer->add_option("--label", infer_args->label,
                    "The video's true class (name or id of data.labels): named in the JSON line and the picture");
  context.on_run(infer, [infer_args] { return run_infer(*infer_args); });

  auto export_args = std::make_shared<ExportArgs>();
  auto* exp = app.add_subcommand("export-features", "Per-video embeddings of a dataset list (.jsonl or .pt)");
  exp->add_option("--config,-c", export_args->configs, "Run config file(s)")->required();
  exp->add_option("--set", export_args->overrides, "Override, e.g. data.root=/data/k400");
  exp->add_option("--checkpoint", export_args->checkpoint, kCheckpointHelp);
  exp->add_option("--list", export_args->list, "Dataset list (data.format, paths under data.root)")->required();
  exp->add_option("--out", export_args->out, "Output file: .jsonl (JSON lines), .pt (torch.load-able dict) or .safetensors")->required();
  context.on_run(exp, [export_args, &context] {
    export_args->bar = progress_bar_mode(context.globals());
    return run_export(*export_args);
  });
}

}  // namespace sfar::cli
