#include "sfar/method/selection_report.h"

#include <nlohmann/json.hpp>

#include "sfar/core/error.h"

namespace sfar::method {
namespace {

std::string line_of(const nlohmann::json& object) {
  return object.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

std::vector<std::string> selection_report_lines(const std::string& cache_path, const SubtextSelectionStats& stats,
                                                const SelectionReportOptions& options) {
  const describe::DescriptionCache cache = describe::load_description_cache(cache_path);
  nlohmann::json summary = {{"cache", cache_path}, {"dataset", cache.dataset}, {"mode", to_string(options.mode)},
                            {"global_template", cache.global_template},
                            {"classes", cache.classes.size()}, {"dataset_tpp", stats.dataset_tpp}};
  if (stats.dataset_set) summary["dataset_set"] = *stats.dataset_set;
  if (options.verbose) {
    summary["texts_total"] = stats.texts_total;
    summary["texts_encoded"] = stats.texts_encoded;
    summary["encode_s"] = stats.encode_seconds;
    summary["score_s"] = stats.score_seconds;
    summary["total_s"] = options.total_s;
  }
  nlohmann::json lowest = nlohmann::json::array();
  for (const std::size_t i : lowest_tpp_classes(cache, options.lowest)) {
    const describe::ClassDescriptions& c = cache.classes[i];
    if (!c.tpp || !c.selected) throw FormatError(cache_path + ": " + c.name, "class has no selected set to report");
    lowest.push_back({{"id", c.id}, {"name", c.name}, {"tpp", *c.tpp}, {"selected", *c.selected}});
  }
  const TppHistogram histogram = selected_tpp_histogram(cache, options.bins);
  return {line_of(summary), line_of({{"lowest", lowest}}),
          line_of({{"histogram", {{"edges", histogram.edges}, {"counts", histogram.counts}}}})};
}

}  // namespace sfar::method
