#include "sfar/method/subtext_selection.h"

#include <algorithm>
#include <unordered_set>

#include "sfar/core/error.h"
#include "sfar/core/runtime.h"
#include "sfar/method/export_record_check.h"
#include "sfar/method/subtext_scoring.h"
#include "sfar/models/clip_loader.h"

namespace sfar::method {
namespace {

std::string class_where(const std::string& source, std::size_t index, const describe::ClassDescriptions& c) {
  return source + ": class " + std::to_string(index) + " (\"" + c.name + "\")";
}

}  // namespace

SelectionMode selection_mode_from_string(const std::string& text) {
  if (text == "per_class") return SelectionMode::per_class;
  if (text == "dataset") return SelectionMode::dataset;
  throw ArgumentError("--mode", "expected per_class or dataset", text);
}

std::string to_string(SelectionMode mode) { return mode == SelectionMode::dataset ? "dataset" : "per_class"; }

std::vector<std::string> distinct_cache_texts(const describe::DescriptionCache& cache) {
  std::vector<std::string> texts;
  std::unordered_set<std::string> seen;
  auto add = [&](const std::string& text) {
    if (seen.insert(text).second) texts.push_back(text);
  };
  for (const auto& c : cache.classes) add(c.global_text);
  for (const auto& c : cache.classes) {
    for (const auto& set : c.candidates) {
      for (const auto& sentence : set.sentences) add(sentence);
    }
  }
  return texts;
}

std::size_t count_cache_texts(const describe::DescriptionCache& cache) {
  std::size_t total = 0;
  for (const auto& c : cache.classes) {
    total += 1;
    for (const auto& set : c.candidates) total += set.sentences.size();
  }
  return total;
}

void apply_global_template(describe::DescriptionCache& cache, const std::string& global_template, const std::string& source) {
  if (global_template.find("{name}") == std::string::npos) {
    throw ArgumentError(source + ": global template", "must contain {name}", global_template);
  }
  cache.global_template = global_template;
  for (auto& c : cache.classes) c.global_text = describe::format_global_text(global_template, c.name);
}

void check_selectable(const describe::DescriptionCache& cache, SelectionMode mode, const std::string& source) {
  if (cache.classes.empty()) throw FormatError(source, "the cache has no classes");
  for (std::size_t i = 0; i < cache.classes.size(); ++i) {
    const describe::ClassDescriptions& c = cache.classes[i];
    if (c.candidates.empty()) throw FormatError(class_where(source, i, c), "has no candidate sub-text set");
    for (std::size_t k = 0; k < c.candidates.size(); ++k) {
      const std::size_t n = c.candidates[k].sentences.size();
      if (n < 2) {
        throw FormatError(class_where(source, i, c),
                          "candidate set " + std::to_string(k) + " has fewer than two sentences (TPP needs a pair)",
                          std::to_string(n));
      }
    }
    if (mode == SelectionMode::dataset && c.candidates.size() != cache.classes[0].candidates.size()) {
      throw FormatError(class_where(source, i, c),
                        "--mode dataset needs the same number of candidate sets in every class; class 0 has " +
                            std::to_string(cache.classes[0].candidates.size()),
                        std::to_string(c.candidates.size()));
    }
  }
}

SubtextSelectionStats run_subtext_selection(const SubtextSelectionJob& job) {
  describe::DescriptionCacheCheck check;
  check.require_candidates = true;
  describe::DescriptionCache cache = describe::load_description_cache(job.cache, check);
  check_selectable(cache, job.options.mode, job.cache);
  if (!job.global_template.empty()) apply_global_template(cache, job.global_template, job.cache);
  const auto tokenizer = text::load_tokenizer(job.tokenizer);
  if (const auto record = models::read_export_record(job.weights)) {
    check_export_tokenizer(*record, job.weights, job.tokenizer, {"--tokenizer", "--vocab"});
  }
  models::ClipModel model = models::load_clip(job.weights, {job.activation, "--activation"},
                                                 torch::Device(resolve_device(job.device)));
  model->set_eot_token_id(tokenizer->end_id());
  SubtextSelectionOptions options = job.options;
  if (options.encoder_name.empty()) options.encoder_name = job.weights;
  const SubtextSelectionStats stats = select_subtexts(cache, job.cache, *model, *tokenizer, options);
  describe::save_description_cache(job.cache, cache);
  return stats;
}

TppHistogram selected_tpp_histogram(const describe::DescriptionCache& cache, std::size_t bins) {
  if (bins == 0) throw ArgumentError("histogram bins", "must be positive", "0");
  std::vector<double> values;
  for (const auto& c : cache.classes) {
    if (c.tpp) values.push_back(*c.tpp);
  }
  TppHistogram histogram;
  histogram.counts.assign(bins, 0);
  if (values.empty()) return histogram;
  const auto [lo_it, hi_it] = std::minmax_element(values.begin(), values.end());
  const double lo = *lo_it, hi = *hi_it;
  const double width = hi > lo ? (hi - lo) / static_cast<double>(bins) : 1.0;
  for (std::size_t b = 0; b <= bins; ++b) histogram.edges.push_back(lo + width * static_cast<double>(b));
  for (const double v : values) {
    const auto b = std::min(bins - 1, static_cast<std::size_t>((v - lo) / width));
    ++histogram.counts[b];
  }
  return histogram;
}

std::vector<std::size_t> lowest_tpp_classes(const describe::DescriptionCache& cache, std::size_t count) {
  std::vector<std::size_t> order;
  for (std::size_t i = 0; i < cache.classes.size(); ++i) {
    if (cache.classes[i].tpp) order.push_back(i);
  }
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return *cache.classes[a].tpp < *cache.classes[b].tpp; });
  if (order.size() > count) order.resize(count);
  return order;
}

}  // namespace sfar::method
