#include "sfar/recipes/model_cost_report.h"

#include <torch/torch.h>

#include <iomanip>
#include <nlohmann/json.hpp>
#include <sstream>

#include "sfar/core/error.h"
#include "sfar/data/data_config.h"
#include "sfar/method/model_cost.h"
#include "sfar/method/sfar_model.h"
#include "sfar/models/clip_loader.h"
#include "sfar/recipes/sfar_run_config.h"

namespace sfar::recipes {
namespace {

// The paper's cost of SFAR with CLIP ViT-B/16 (docs/method.md, "Cost"): per 8-frame view.
constexpr double kPaperGflops = 90.2;
constexpr double kPaperParamsM = 126.1;

// The CLIP the run would train: the weights' architecture, or the preset's (random weights).
models::ClipModel build_clip(const SfarRunConfig& config) {
  if (!config.model.weights.empty()) return models::load_clip(config.model.weights, {config.model.activation, "model.activation"});
  if (config.model.arch == "auto") throw ConfigError("model.arch", "'auto' needs model.weights to infer the architecture from");
  torch::manual_seed(static_cast<std::uint64_t>(config.run.seed));
  return models::ClipModel(models::clip_preset(config.model.arch));
}

bool is_vit_b16(models::ClipConfig c) {
  auto preset = models::clip_preset("ViT-B/16");
  c.activation = preset.activation;
  c.eot_token_id = preset.eot_token_id;
  return c == preset;
}

// The number of candidate classes, from the config's class-name file.
std::int64_t count_classes(const SfarRunConfig& config) {
  if (config.data.labels.empty()) throw ConfigError("data.labels", "no class-name file to count classes in: give --classes");
  try {
    const auto n = static_cast<std::int64_t>(data::load_class_names(config.data).size());
    if (n > 0) return n;
  } catch (const Error& e) {
    throw ConfigError("data.labels", std::string(e.what()) + "; give --classes to count without it", config.data.labels);
  }
  throw ConfigError("data.labels", "lists no class: give --classes", config.data.labels);
}

nlohmann::json parts_json(const std::vector<method::CostPart>& parts) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& p : parts) out.push_back({{"name", p.name}, {"gflops", 2.0 * p.macs / 1e9}, {"gmacs", p.macs / 1e9}});
  return out;
}

// The report for a reader, from its JSON.
std::string as_text(const nlohmann::json& out) {
  const auto& params = out["parameters"];
  const auto millions = [&](const char* part) { return static_cast<double>(params[part].get<std::int64_t>()) / 1e6; };
  const bool paper = out.contains("paper");
  std::ostringstream text;
  text << std::fixed << std::setprecision(1) << "sfar info: " << out["arch"].get<std::string>() << ", "
       << out["head"].get<std::string>() << " head\n"
       << "  parameters " << millions("all") << " M: image tower " << millions("image_tower") << " M, text tower "
       << millions("text_tower") << " M, head " << std::setprecision(2) << millions("head") << std::setprecision(1)
       << " M\n"
       << "  without the text tower " << millions("without_text_tower") << " M; without the text token and position "
       << "embeddings " << millions("without_text_embeddings") << " M\n";
  if (paper) text << "  paper (SFAR, ViT-B/16): " << kPaperParamsM << " M parameters\n";
  if (!out.contains("view")) return text.str();
  const auto& v = out["view"];
  text << "  per view (1 clip x 1 crop, " << v["frames"].get<std::int64_t>() << " frames, "
       << v["classes"].get<std::int64_t>() << " classes, texts of " << v["text_tokens"].get<std::int64_t>()
       << " tokens): " << out["flops_per_view"]["gflops"].get<double>() << " GFLOPs = "
       << out["flops_per_view"]["gmacs"].get<double>() << " G multiply-adds (1 multiply-add = 2 FLOPs)\n";
  for (const auto& p : out["flops_per_view"]["parts"]) {
    text << "    " << std::left << std::setw(46) << p["name"].get<std::string>() << std::right << std::setprecision(3)
         << p["gflops"].get<double>() << " GFLOPs\n";
  }
  text << std::setprecision(1) << "  once per class set (texts are cached): "
       << out["flops_per_class_set"]["gflops"].get<double>() << " GFLOPs\n";
  if (paper) text << "  paper (SFAR, ViT-B/16, 8 frames): " << kPaperGflops << " GFLOPs per view\n";
  return text.str();
}

}  // namespace

ModelCostReport model_cost_report(const ModelCostOptions& o) {
  if (o.classes < 0) throw ArgumentError("--classes", "must be at least 1 (0: from data.labels)", std::to_string(o.classes));
  if (o.text_tokens < 0) throw ArgumentError("--text-tokens", "must be at least 1", std::to_string(o.text_tokens));
  const auto config = load_sfar_run_config(o.configs, o.overrides);
  models::ClipModel clip = build_clip(config);
  const models::ClipConfig arch = clip->config();
  const auto token_embedding = clip->token_embedding->weight.numel();
  const auto text_positions = clip->positional_embedding.numel();
  method::SfarModel model(clip, config.head, config.loss.learn_logit_scale);
  std::map<std::string, std::int64_t> params;
  for (const auto& [part, count] : method::count_parameters(*model)) params[part] = count.total;
  const std::int64_t without_text = params["visual"] + params["head"] + params["logit_scale"];
  const bool paper_arch = is_vit_b16(arch) && config.head.type == method::HeadType::kSfar;

  nlohmann::json out = {
      {"arch", config.model.weights.empty() ? config.model.arch : config.model.weights},
      {"head", method::to_string(config.head.type)},
      {"parameters", {{"all", params["all"]}, {"image_tower", params["visual"]}, {"text_tower", params["text"]},
                      {"head", params["head"]}, {"without_text_tower", without_text},
                      {"without_text_embeddings", params["all"] - token_embedding - text_positions}}}};
  if (paper_arch) out["paper"] = {{"parameters_m", kPaperParamsM}};
  if (o.flops) {
    method::ViewShape shape;
    shape.frames = config.data.num_frames;
    shape.classes = o.classes > 0 ? o.classes : count_classes(config);
    shape.global_tokens = shape.sub_tokens = o.text_tokens > 0 ? o.text_tokens : config.text.context_length;
    shape.subtexts = config.descriptions.num_subtexts;
    const auto cost = method::sfar_view_cost(arch, config.head, shape);
    out["view"] = {{"frames", shape.frames}, {"classes", shape.classes}, {"text_tokens", shape.global_tokens},
                   {"subtexts", shape.subtexts}, {"crops", 1}, {"clips", 1}};
    out["flops_per_view"] = {{"gflops", 2.0 * cost.per_view_macs() / 1e9}, {"gmacs", cost.per_view_macs() / 1e9},
                             {"parts", parts_json(cost.per_view)}};
    out["flops_per_class_set"] = {{"gflops", 2.0 * cost.per_texts_macs() / 1e9}, {"parts", parts_json(cost.per_texts)}};
    if (paper_arch) out["paper"]["gflops_per_view"] = kPaperGflops;
  }
  return {out.dump(), as_text(out)};
}

}  // namespace sfar::recipes
