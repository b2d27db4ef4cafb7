// `sfar info`:
//   sfar info --weights W | --arch ViT-B/16      one JSON object: architecture + "parameters"
//                                                 (models/clip_info.h)
//   sfar info --config C [--flops] [--json]       a run config's parameters and cost per view
//                                                 (recipes/model_cost_report.h)
#include <iostream>

#include "../command.h"
#include "sfar/core/error.h"
#include "sfar/models/clip_info.h"
#include "sfar/recipes/model_cost_report.h"

namespace sfar::cli {
namespace {

struct InfoOptions {
  std::string weights;
  std::string arch;
  ActivationSetting activation = ActivationSetting::kAuto;
};

struct ModelCostOptions : recipes::ModelCostOptions {
  bool json = false;
};

int run_model_cost_report(const ModelCostOptions& options) {
  const auto report = recipes::model_cost_report(options);
  if (options.json) {
    print_json_line(nlohmann::json::parse(report.json));
  } else {
    std::cout << report.text;
  }
  return 0;
}

int run_info(const InfoOptions& options, const ModelCostOptions& cost) {
  if (!cost.configs.empty()) {
    if (!options.weights.empty() || !options.arch.empty()) {
      throw ArgumentError("sfar info", "give --config or one of --weights and --arch, not both");
    }
    return run_model_cost_report(cost);
  }
  if (cost.flops || cost.json || !cost.overrides.empty()) {
    throw ArgumentError("sfar info", "--flops, --json and --set read a run config: give --config");
  }
  if (options.weights.empty() == options.arch.empty()) {
    throw ArgumentError("sfar info", "give exactly one of --weights, --arch or --config");
  }
  const std::string info = options.arch.empty() ? models::clip_weights_info_json(options.weights, options.activation)
                                                : models::clip_preset_info_json(options.arch, options.activation);
  print_json_line(nlohmann::json::parse(info));
  return 0;
}

}  // namespace

void add_info_command(CLI::App& app, CommandContext& context) {
  auto options = std::make_shared<InfoOptions>();
  auto cost = std::make_shared<ModelCostOptions>();
  auto* info = app.add_subcommand(
      "info", "Architecture and parameter count of CLIP weights or a preset; a run config's parameters and FLOPs");
  info->add_option("--weights", options->weights, "CLIP weights file (architecture inferred)");
  info->add_option("--arch", options->arch, "Preset: ViT-B/32, ViT-B/16, ViT-L/14, ViT-L/14@336px");
  add_enum_option(info, "--activation", options->activation, activation_setting_names(), kActivationHelp);
  info->add_option("--config,-c", cost->configs, "Run config file(s): the whole model's parameters");
  info->add_option("--set", cost->overrides, "Config override key=value (repeatable)");
  info->add_flag("--flops", cost->flops, "Also the analytic GFLOPs per view (1 clip x 1 crop of data.num_frames)");
  info->add_option("--classes", cost->classes, "Classes scored per video; 0 = the config's class-name file")
      ->capture_default_str();
  info->add_option("--text-tokens", cost->text_tokens, "Tokens per text for the head's cost; 0 = text.context_length")
      ->capture_default_str();
  info->add_flag("--json", cost->json, "One JSON line instead of text (with --config)");
  context.on_run(info, [options, cost] { return run_info(*options, *cost); });
}

}  // namespace sfar::cli
