#include "sfar/engine/optimizer_builder.h"

#include <unordered_set>

#include "sfar/core/error.h"

namespace sfar::engine {
namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool is_norm_module(const torch::nn::Module& m) {
  return m.as<torch::nn::LayerNormImpl>() || m.as<torch::nn::GroupNormImpl>() ||
         m.as<torch::nn::BatchNorm1dImpl>() || m.as<torch::nn::BatchNorm2dImpl>() ||
         m.as<torch::nn::BatchNorm3dImpl>();
}

// Names of the parameters that belong directly to normalisation modules, whatever their names.
std::unordered_set<std::string> norm_parameter_names(const torch::nn::Module& module) {
  std::unordered_set<std::string> names;
  for (const auto& item : module.named_modules("", /*include_self=*/true)) {
    if (!is_norm_module(*item.value())) continue;
    const std::string prefix = item.key().empty() ? "" : item.key() + ".";
    for (const auto& p : item.value()->named_parameters(/*recurse=*/false)) {
      names.insert(prefix + p.key());
    }
  }
  return names;
}

}  // namespace

GroupingOptions grouping_options(const TrainOptions& options) {
  GroupingOptions grouping;
  grouping.backbone_prefixes = options.backbone_prefixes;
  grouping.backbone_lr_ratio = options.backbone_lr_ratio;
  grouping.logit_scale_lr_ratio = options.logit_scale_lr_ratio;
  return grouping;
}

bool is_logit_scale_name(const std::string& name) {
  return name == "logit_scale" || ends_with(name, ".logit_scale");
}

bool is_no_decay_name(const std::string& name, const GroupingOptions& options) {
  if (name == "bias" || ends_with(name, ".bias")) return true;
  for (const auto& keyword : options.no_decay_keywords) {
    if (!keyword.empty() && name.find(keyword) != std::string::npos) return true;
  }
  return false;
}

std::vector<ParamGroup> group_parameters(const torch::nn::Module& module,
                                         const GroupingOptions& options) {
  const auto norm_names = norm_parameter_names(module);
  // Order: backbone/decay, backbone/no_decay, head/decay, head/no_decay, logit_scale.
  std::vector<ParamGroup> groups(5);
  groups[0] = {"backbone/decay", options.backbone_lr_ratio, true, {}, {}};
  groups[1] = {"backbone/no_decay", options.backbone_lr_ratio, false, {}, {}};
  groups[2] = {"head/decay", 1.0, true, {}, {}};
  groups[3] = {"head/no_decay", 1.0, false, {}, {}};
  groups[4] = {"logit_scale", options.logit_scale_lr_ratio, false, {}, {}};
  for (const auto& item : module.named_parameters(/*recurse=*/true)) {
    if (!item.value().requires_grad()) continue;
    const std::string& name = item.key();
    bool backbone = false;
    for (const auto& prefix : options.backbone_prefixes) {
      if (!prefix.empty() && name.rfind(prefix, 0) == 0) backbone = true;
    }
    const bool no_decay = norm_names.count(name) > 0 || is_no_decay_name(name, options);
    ParamGroup& group = is_logit_scale_name(name) ? groups[4] : groups[(backbone ? 0 : 2) + (no_decay ? 1 : 0)];
    group.names.push_back(name);
    group.params.push_back(item.value());
  }
  std::vector<ParamGroup> kept;
  for (auto& g : groups) {
    if (!g.params.empty()) kept.push_back(std::move(g));
  }
  return kept;
}

std::unique_ptr<FusedAdamW> build_adamw(const std::vector<ParamGroup>& groups, const AdamWSettings& s) {
  if (groups.empty()) {
    throw ArgumentError("optimizer", "the model has no trainable parameters");
  }
  std::vector<torch::optim::OptimizerParamGroup> torch_groups;
  for (const auto& g : groups) {
    auto options = std::make_unique<torch::optim::AdamWOptions>(s.lr * g.lr_ratio);
    options->betas({s.beta1, s.beta2}).eps(s.eps).weight_decay(g.decay ? s.weight_decay : 0.0);
    torch_groups.emplace_back(g.params, std::move(options));
  }
  torch::optim::AdamWOptions defaults(s.lr);
  defaults.betas({s.beta1, s.beta2}).eps(s.eps).weight_decay(s.weight_decay);
  return std::make_unique<FusedAdamW>(std::move(torch_groups), defaults);
}

void set_group_lrs(torch::optim::Optimizer& optimizer, const std::vector<double>& ratios,
                   double lr) {
  auto& groups = optimizer.param_groups();
  SFAR_ASSERT(groups.size() == ratios.size(), "one lr ratio per parameter group");
  for (std::size_t i = 0; i < groups.size(); ++i) {
    groups[i].options().set_lr(lr * ratios[i]);
  }
}

}  // namespace sfar::engine
