// `sfar info --config C [--set k=v] [--flops]`: the parameters of the model a run config builds
// and, with flops, its analytic cost per view (sfar/method/model_cost.h), beside the paper's
// figures for SFAR with ViT-B/16 when the config builds that model.
//
//   auto report = model_cost_report({.configs = {"configs/k400/sfar_vit_b16.yaml"}, .flops = true});
//   std::cout << report.text;   // report.json: the same as one JSON line
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace sfar::recipes {

struct ModelCostOptions {
  std::vector<std::string> configs, overrides;
  bool flops = false;
  std::int64_t classes = 0;      // 0: the size of the config's class-name file
  std::int64_t text_tokens = 0;  // 0: text.context_length
};

struct ModelCostReport {
  std::string json;  // one line: arch, head, parameters, and with flops view, flops_per_view, flops_per_class_set
  std::string text;  // the same for a reader, several lines
};

// Builds the run's model (its weights' architecture, or the preset's with random weights) and
// counts it. ArgumentError for negative classes or text tokens; ConfigError naming data.labels
// when the classes must be counted and cannot be, or model.arch 'auto' without weights.
ModelCostReport model_cost_report(const ModelCostOptions& options);

}  // namespace sfar::recipes
