// `sfar infer` classifies one video with a trained checkpoint: one JSON line with the predicted
// class, the true one (--label), the key frames of the fine branch with the sub-text that chose
// each, and the top-k classes; optionally the key-frame picture (eval/keyframe_picture.h) as a
// PNG. `sfar export-features` writes one embedding per video of a dataset list (JSON lines, a
// torch.load-able dict or safetensors). Both run recipes/video_inference.h.
//
//   sfar infer --config run.yaml --checkpoint best.pt --video clip.mp4 --label "cleaning pool" --explain why.png
//   sfar export-features --config run.yaml --checkpoint best.pt --list val.txt --out feats.safetensors
#include <iostream>

#include "../command.h"
#include "sfar/core/error.h"
#include "sfar/engine/progress.h"
#include "sfar/recipes/sfar_run_config.h"

#if SFAR_WITH_VIDEO
#include "sfar/recipes/video_inference.h"
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
// Prints which weights were chosen, naming the command.
std::function<void(const std::string&)> note_for(const std::string& command, engine::ProgressBar* bar = nullptr) {
  return [command, bar](const std::string& note) {
    if (bar) bar->clear();
    std::cerr << "sfar " << command << ": " << note << "\n";
  };
}

int run_infer(const InferArgs& args) {
  recipes::InferOptions options;
  options.checkpoint = args.checkpoint;
  options.video = args.video;
  options.label = args.label;
  options.explain = args.explain;
  options.topk = args.topk;
  options.note = note_for("infer");
  print_json_line(recipes::infer_video(recipes::load_sfar_run_config(args.configs, args.overrides), options));
  return 0;
}

int run_export(const ExportArgs& args) {
  engine::ProgressBar bar(&std::cerr, args.bar, "export-features");
  recipes::ExportFeaturesOptions options;
  options.checkpoint = args.checkpoint;
  options.list = args.list;
  options.out = args.out;
  options.note = note_for("export-features", &bar);
  options.progress.bar = &bar;
  const auto line = recipes::export_features(recipes::load_sfar_run_config(args.configs, args.overrides), options);
  bar.finish();
  print_json_line(line);
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
