#include "sfar/describe/description_target.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <filesystem>

#include "sfar/describe/description_importers.h"

namespace sfar::describe {
namespace {

std::string format_duration(double seconds) {
  char buffer[32];
  const long s = static_cast<long>(seconds);
  std::snprintf(buffer, sizeof(buffer), "%ldh%02ldm%02lds", s / 3600, s / 60 % 60, s % 60);
  return buffer;
}

std::string line_of(const nlohmann::json& object) {
  return object.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

OpenedTarget open_description_target(const DescriptionTarget& target) {
  OpenedTarget opened;
  opened.labels = io::read_class_names(target.labels,
                                       io::class_name_format_from_string(target.labels_format, "--labels-format"));
  if (std::filesystem::exists(target.out)) {
    opened.cache = load_description_cache(target.out, {&opened.labels});
    return opened;
  }
  const std::string dataset =
      target.dataset.empty() ? std::filesystem::path(target.out).stem().string() : target.dataset;
  opened.cache = new_description_cache(opened.labels, dataset, target.global_template);
  return opened;
}

std::string import_into_target(const DescriptionTarget& target, const std::string& format, const std::string& input) {
  const DescriptionFormat parsed = description_format_from_string(format);
  OpenedTarget opened = open_description_target(target);
  const std::size_t filled = import_descriptions(opened.cache, parsed, input);
  save_description_cache(target.out, opened.cache);
  return line_of({{"out", target.out}, {"input", input}, {"format", format}, {"classes", opened.labels.size()},
                  {"imported", filled}});
}

DescriptionGenerationReport generate_into_target(const DescriptionTarget& target, ChatClient& client,
                                                 const DescriptionGeneratorOptions& options) {
  OpenedTarget opened = open_description_target(target);
  return generate_descriptions(opened.cache, target.out, client, options);
}

std::string generation_summary_json(const DescriptionGenerationReport& report, const std::string& out) {
  return line_of({{"out", out}, {"classes", report.classes}, {"queried", report.queried},
                  {"skipped", report.skipped}, {"requests", report.requests},
                  {"failures", report.failures.size()}, {"kept", report.kept.size()},
                  {"interrupted", report.interrupted}});
}

std::string description_progress_text(const DescriptionProgress& p, bool redraw) {
  const double rate = p.elapsed_s > 0 ? p.queried / p.elapsed_s : 0;
  const std::size_t left = p.total - p.done;
  const std::string eta = rate > 0 ? format_duration(left / rate) : "?";
  char line[256];
  if (redraw) {
    const int width = 30;
    const int filled = std::min(width, static_cast<int>(width * p.done / std::max<std::size_t>(p.total, 1)));
    std::snprintf(line, sizeof(line), "\r[%s%s] %zu/%zu classes  %.2f classes/s  ETA %s ",
                  std::string(filled, '#').c_str(), std::string(width - filled, '.').c_str(), p.done, p.total, rate,
                  eta.c_str());
    return std::string(line) + (p.done == p.total ? "\n" : "");
  }
  std::snprintf(line, sizeof(line), "describe: %zu/%zu classes (%.2f classes/s, ETA %s): ", p.done, p.total, rate,
                eta.c_str());
  return line + p.class_name + "\n";
}

}  // namespace sfar::describe
