// `sfar info --config C [--set k=v] [--flops]`: the parameters of the model a run config builds
// and, with --flops, its analytic cost per view (sfar/method/model_cost.h), printed beside the
// paper's figures for SFAR with ViT-B/16. Part of the `info` command (clip_command.cpp).
#pragma once

#include <string>
#include <vector>

namespace sfar::cli {

struct ModelCostOptions {
  std::vector<std::string> configs, overrides;
  bool flops = false;
  bool json = false;
  std::int64_t classes = 0;      // 0: the size of the config's class-name file
  std::int64_t text_tokens = 0;  // 0: text.context_length
};

int run_model_cost_report(const ModelCostOptions& options);

}  // namespace sfar::cli
