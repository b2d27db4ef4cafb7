// `sfar infer` classifies one video with a trained checkpoint (top-k classes as one JSON line,
// optionally a PNG of the sampled frames with their key-frame weights); `sfar export-features`
// writes one embedding per video of a dataset list (JSON lines, a torch.load-able dict or
// safetensors). Without --checkpoint the weights are model.weights (an `sfar export`, head
// included).
//
//   sfar infer --config run.yaml --checkpoint best.pt --video clip.mp4 --topk 5 --explain why.png
//   sfar export-features --config run.yaml --checkpoint best.pt --list val.txt --out feats.safetensors
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "../command.h"
#include "sfar/core/atomic_file.h"
#include "sfar/core/error.h"
#include "sfar/models/safetensors_writer.h"
#include "sfar/models/torch_save.h"
#include "sfar/train/checkpoint.h"
#include "sfar/train/sfar_run_config.h"

#if SFAR_WITH_VIDEO
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "sfar/data/bad_file_policy.h"
#include "sfar/data/video_dataset.h"
#include "sfar/train/sfar_task.h"
#endif

namespace sfar::cli {
namespace {

struct InferArgs {
  std::vector<std::string> configs, overrides;
  std::string checkpoint, video, explain;
  std::int64_t topk = 5;
};

struct ExportArgs {
  std::vector<std::string> configs, overrides;
  std::string checkpoint, list, out;
};

#if SFAR_WITH_VIDEO
// The model, its text bank on the model's device, and the config it was built from.
struct Loaded {
  train::SfarRunConfig config;
  train::SfarRun run;
  method::TextBank bank;
  torch::Device device = torch::kCPU;
};

Loaded load(const std::vector<std::string>& configs, const std::vector<std::string>& overrides,
            const std::string& checkpoint) {
  Loaded l;
  l.config = train::load_sfar_run_config(configs, overrides);
  if (l.config.run.threads > 0) torch::set_num_threads(static_cast<int>(l.config.run.threads));
  torch::manual_seed(static_cast<std::uint64_t>(l.config.run.seed));
  l.run = train::build_sfar_run(l.config, "");
  if (!checkpoint.empty()) train::load_model_weights(*l.run.model, checkpoint);
  l.device = torch::Device(l.run.device);
  l.run.model->to(l.device);
  l.run.model->eval();
  l.bank = l.run.bank.to(l.device);
  return l;
}

// The config's test sampler and pipeline over `records` (read as written, failures raise).
data::VideoDataset test_dataset(const data::DataConfig& config, std::vector<data::VideoRecord> records,
                                const std::string& root, std::uint64_t seed) {
  data::VideoDatasetOptions options;
  options.root = root;
  options.mode = data::SampleMode::kTest;
  options.short_side = config.short_side;
  options.decoder_threads = config.decoder_threads;
  options.frame_pattern = config.frame_pattern;
  options.bad_files = data::parse_bad_file_policy("raise");
  options.seed = seed;
  return data::VideoDataset(std::move(records), data::make_sampler(config),
                            data::make_clip_pipeline(config.test_pipeline), options);
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

// Frame t of view 0 as an 8-bit BGR image; the pipeline's normalize step is undone.
cv::Mat frame_image(const torch::Tensor& clip, std::int64_t t, const std::vector<data::TransformSpec>& pipeline) {
  auto f = clip[0][t].to(torch::kFloat32).clone();  // [3, H, W]
  for (auto it = pipeline.rbegin(); it != pipeline.rend(); ++it) {
    if (it->type != "normalize") continue;
    for (std::int64_t c = 0; c < 3 && c < static_cast<std::int64_t>(it->mean.size()); ++c) {
      f[c].mul_(it->std[static_cast<std::size_t>(c)]).add_(it->mean[static_cast<std::size_t>(c)]);
    }
    break;
  }
  auto rgb = f.clamp(0, 1).mul(255).round().to(torch::kUInt8).permute({1, 2, 0}).contiguous();
  cv::Mat mat(static_cast<int>(rgb.size(0)), static_cast<int>(rgb.size(1)), CV_8UC3, rgb.data_ptr());
  cv::Mat bgr;
  cv::cvtColor(mat, bgr, cv::COLOR_RGB2BGR);
  return bgr;
}

// The sampled frames in a row; under each, bars of its coarse and fine weights for `cls`
// (view 0). Heads without key-frame weights get a line saying so. Written atomically.
void save_explanation(const std::string& path, const VideoPass& p, std::int64_t cls, const std::string& name,
                      const train::SfarRunConfig& config) {
  const auto T = p.clip.size(1);
  const int h = static_cast<int>(p.clip.size(3)), w = static_cast<int>(p.clip.size(4));
  const int bar_h = 48, text_h = 16;
  const int rows = 2;
  cv::Mat image(h + text_h + rows * (bar_h + text_h), static_cast<int>(T) * w, CV_8UC3, cv::Scalar(255, 255, 255));
  for (std::int64_t t = 0; t < T; ++t) {
    frame_image(p.clip, t, config.data.test_pipeline).copyTo(image(cv::Rect(static_cast<int>(t) * w, 0, w, h)));
  }
  const auto font = cv::FONT_HERSHEY_PLAIN;
  cv::putText(image, name, cv::Point(2, h + text_h - 4), font, 0.8, cv::Scalar(0, 0, 0));
  const std::pair<const char*, torch::Tensor> branches[] = {{"coarse", p.head.coarse_weights},
                                                            {"fine", p.head.fine_weights}};
  int row = 0;
  for (const auto& [label, weights] : branches) {
    const int top = h + text_h + row * (bar_h + text_h);
    if (!weights.defined()) {
      cv::putText(image, std::string(label) + ": none (" + config.head.type + " head)", cv::Point(2, top + text_h - 4),
                  font, 0.8, cv::Scalar(0, 0, 160));
      ++row;
      continue;
    }
    const auto wt = weights[0][cls].to(torch::kCPU, torch::kFloat64);  // [T]
    const double peak = std::max(wt.max().item<double>(), 1e-12);
    cv::putText(image, label, cv::Point(2, top + text_h - 4), font, 0.8, cv::Scalar(0, 0, 0));
    for (std::int64_t t = 0; t < T; ++t) {
      const double v = wt[t].item<double>();
      const int len = static_cast<int>(std::lround(bar_h * v / peak));
      const int x = static_cast<int>(t) * w;
      cv::rectangle(image, cv::Rect(x + w / 4, top + text_h + bar_h - len, w / 2, std::max(len, 1)),
                    row == 0 ? cv::Scalar(200, 120, 40) : cv::Scalar(40, 140, 220), cv::FILLED);
      cv::putText(image, cv::format("%.2f", v), cv::Point(x + 2, top + text_h + bar_h - 2), font, 0.7,
                  cv::Scalar(0, 0, 0));
    }
    ++row;
  }
  std::vector<unsigned char> png;
  if (!cv::imencode(".png", image, png)) throw IoError(path, "could not encode the explanation as PNG");
  write_file_atomic(path, std::string(png.begin(), png.end()));
}

std::vector<double> to_vector(const torch::Tensor& t) {
  const auto c = t.to(torch::kCPU, torch::kFloat64).contiguous();
  return {c.data_ptr<double>(), c.data_ptr<double>() + c.numel()};
}

int run_infer(const InferArgs& args) {
  if (args.topk < 1) throw ArgumentError("--topk", "must be at least 1", std::to_string(args.topk));
  Loaded l = load(args.configs, args.overrides, args.checkpoint);
  data::VideoRecord record;
  record.path = args.video;
  record.labels = {0};
  record.origin = "--video";
  const auto dataset = test_dataset(l.config.data, {record}, "", static_cast<std::uint64_t>(l.config.run.seed));
  const VideoPass p = forward_video(l, dataset.load(0, 0).clip);
  const auto k = std::min<std::int64_t>(args.topk, p.probs.size(0));
  const auto [scores, classes] = p.probs.topk(k);
  nlohmann::json top = nlohmann::json::array();
  for (std::int64_t i = 0; i < k; ++i) {
    const auto c = classes[i].item<std::int64_t>();
    top.push_back({{"class", c}, {"name", l.run.class_names[static_cast<std::size_t>(c)]},
                   {"score", scores[i].item<double>()}});
  }
  if (!args.explain.empty()) {
    const auto c = classes[0].item<std::int64_t>();
    save_explanation(args.explain, p, c, l.run.class_names[static_cast<std::size_t>(c)], l.config);
  }
  // Logits of every class, views averaged: what another implementation of the head compares with.
  print_json_line({{"video", args.video}, {"top", top}, {"logits", to_vector(p.logits.mean(0))}});
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
  Loaded l = load(args.configs, args.overrides, args.checkpoint);
  data::DataConfig with_list = l.config.data;
  with_list.list = args.list;  // like data.list: a relative path that does not exist is looked up under data.root
  if (!with_list.root.empty() && !std::filesystem::path(args.list).is_absolute() &&
      !std::filesystem::exists(args.list)) {
    with_list.list = (std::filesystem::path(with_list.root) / args.list).string();
  }
  const auto dataset = test_dataset(l.config.data, data::load_records(with_list, l.run.class_names),
                                    l.config.data.root, static_cast<std::uint64_t>(l.config.run.seed));
  const bool conditioned = l.config.head.type != "mean" && l.config.head.type != "temporal";
  std::string lines;
  Features f;
  for (std::int64_t i = 0; i < dataset.size(); ++i) {
    const auto sample = dataset.load(i, 0);
    const VideoPass p = forward_video(l, sample.clip);
    const auto cls = p.probs.argmax().item<std::int64_t>();
    // Class-agnostic heads give [V, 1, D]; class-conditioned ones [V, C, D]: take the predicted class.
    const auto video = (conditioned ? p.head.video.select(1, cls) : p.head.video.select(1, 0)).mean(0).cpu();
    const auto frame_mean = p.frames.mean(1).mean(0).cpu();
    const auto label = sample.labels.empty() ? std::int64_t{-1} : sample.labels.front();
    const std::string& id = dataset.records()[static_cast<std::size_t>(i)].path;
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
  }
  if (to_pt) {
    save_features_pt(f, l.run.class_names, args.out);
  } else if (to_safetensors) {
    save_features_safetensors(f, l.run.class_names, args.out);
  } else {
    write_file_atomic(args.out, lines);
  }
  print_json_line({{"out", args.out},
                   {"videos", dataset.size()},
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
  infer->add_option("--checkpoint", infer_args->checkpoint, "Checkpoint written by sfar train (default: model.weights)");
  infer->add_option("--video", infer_args->video, "Video file")->required();
  infer->add_option("--topk", infer_args->topk, "Classes to print")->capture_default_str();
  infer->add_option("--explain", infer_args->explain, "PNG: sampled frames with key-frame weights of the top class");
  context.on_run(infer, [infer_args] { return run_infer(*infer_args); });

  auto export_args = std::make_shared<ExportArgs>();
  auto* exp = app.add_subcommand("export-features", "Per-video embeddings of a dataset list (.jsonl or .pt)");
  exp->add_option("--config,-c", export_args->configs, "Run config file(s)")->required();
  exp->add_option("--set", export_args->overrides, "Override, e.g. data.root=/data/k400");
  exp->add_option("--checkpoint", export_args->checkpoint, "Checkpoint written by sfar train (default: model.weights)");
  exp->add_option("--list", export_args->list, "Dataset list (data.format, paths under data.root)")->required();
  exp->add_option("--out", export_args->out, "Output file: .jsonl (JSON lines), .pt (torch.load-able dict) or .safetensors")->required();
  context.on_run(exp, [export_args] { return run_export(*export_args); });
}

}  // namespace sfar::cli
