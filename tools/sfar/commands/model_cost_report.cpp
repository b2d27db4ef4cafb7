#include "model_cost_report.h"

#include <iostream>

#include "../command.h"

namespace sfar::cli {

int run_model_cost_report(const ModelCostOptions& options) {
  const auto report = recipes::model_cost_report(options);
  if (options.json) {
    print_json_line(nlohmann::json::parse(report.json));
  } else {
    std::cout << report.text;
  }
  return 0;
}

}  // namespace sfar::cli
