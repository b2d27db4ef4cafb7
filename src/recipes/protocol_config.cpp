#include "sfar/recipes/protocol_config.h"

namespace sfar::recipes {

const std::string& to_string(ReportEpoch report) { return cfg::enum_name(report, report_epoch_names()); }

std::string expand_placeholder(const std::string& text, const std::string& key, const std::string& value) {
  const std::string token = "{" + key + "}";
  std::string out;
  std::size_t from = 0;
  for (std::size_t at; (at = text.find(token, from)) != std::string::npos; from = at + token.size()) {
    out.append(text, from, at - from).append(value);
  }
  return out.append(text, from, std::string::npos);
}

}  // namespace sfar::recipes
