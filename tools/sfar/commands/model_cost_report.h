// `sfar info --config C [--set k=v] [--flops] [--json]`: prints the library's model cost report
// (sfar/recipes/model_cost_report.h) as text or one JSON line. Part of the `info` command
// (clip_command.cpp).
#pragma once

#include "sfar/recipes/model_cost_report.h"

namespace sfar::cli {

struct ModelCostOptions : recipes::ModelCostOptions {
  bool json = false;
};

int run_model_cost_report(const ModelCostOptions& options);

}  // namespace sfar::cli
