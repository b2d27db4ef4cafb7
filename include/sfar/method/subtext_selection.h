// `sfar describe select`: scores every candidate sub-text set of a description cache with
// Text Prompt Perplexity (tpp.h, METHOD.md "TPP") and keeps the best set per class, or one
// set index for the whole dataset. Every distinct text (global texts and all sentences of all
// sets) is encoded once by CLIP's text encoder, batched and without gradients. This header is
// free of LibTorch (the CLI includes it); the tensor side is subtext_scoring.h.
//
//   SubtextSelectionJob job;
//   job.cache = "k400.json"; job.weights = "ViT-B-16.pt"; job.tokenizer = {"clip_bpe", vocab, ""};
//   SubtextSelectionStats stats = run_subtext_selection(job);  // cache rewritten atomically
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "sfar/core/sfar_config.h"
#include "sfar/describe/description_cache.h"
#include "sfar/text/tokenizer.h"

namespace sfar::method {

enum class SelectionMode { per_class, dataset };

// "per_class" | "dataset"; ArgumentError naming --mode otherwise.
SelectionMode selection_mode_from_string(const std::string& text);
std::string to_string(SelectionMode mode);

// The cache's distinct texts: every global text, then every sentence of every candidate set,
// in order of first appearance, each once.
std::vector<std::string> distinct_cache_texts(const describe::DescriptionCache& cache);

// Total number of texts in the cache, duplicates included.
std::size_t count_cache_texts(const describe::DescriptionCache& cache);

// Sets the cache's global template and every class's global text from it. ArgumentError
// naming `source` when the template has no {name}.
void apply_global_template(describe::DescriptionCache& cache, const std::string& global_template, const std::string& source);

// FormatError naming `source` and the class when a class has no candidate set, a set has
// fewer than two sentences (delta needs a pair), or, in dataset mode, classes have different
// numbers of sets.
void check_selectable(const describe::DescriptionCache& cache, SelectionMode mode, const std::string& source);

struct SubtextSelectionStats {
  std::size_t texts_total = 0;    // texts in the cache, duplicates included
  std::size_t texts_encoded = 0;  // distinct texts sent through the encoder
  double encode_seconds = 0;
  double score_seconds = 0;
  double dataset_tpp = 0;
  std::optional<std::size_t> dataset_set;  // the set index chosen in dataset mode
};

struct SubtextSelectionOptions {
  SelectionMode mode = SelectionMode::per_class;
  std::int64_t batch_size = 256;
  std::string encoder_name;  // stored in cache.selection.encoder
  // Called after each batch of texts encoded: (texts done, distinct texts in all).
  std::function<void(std::int64_t, std::int64_t)> progress;
};

struct SubtextSelectionJob {
  std::string cache;                // description cache, rewritten atomically
  std::string weights;              // CLIP weights (any format clip_loader.h reads)
  ActivationSetting activation = ActivationSetting::kAuto;  // models/clip_layout.h
  text::TokenizerSpec tokenizer;
  std::string device = "cpu";       // "auto" | "cpu" | "cuda[:N]"
  // The global prompt template TPP scores against (a run's descriptions.global_template);
  // empty: the cache's own. Another template rewrites the cache's global texts first.
  std::string global_template;
  SubtextSelectionOptions options;  // encoder_name defaults to `weights`
};

// Loads the cache (every class must have a set), applies `global_template`, loads the tokenizer
// and the model, selects and saves. The cache file is untouched when anything fails.
SubtextSelectionStats run_subtext_selection(const SubtextSelectionJob& job);

// Report helpers over the selected sets (classes without a selection are skipped).
struct TppHistogram {
  std::vector<double> edges;        // bins + 1, from the lowest to the highest TPP
  std::vector<std::size_t> counts;  // bins
};
TppHistogram selected_tpp_histogram(const describe::DescriptionCache& cache, std::size_t bins = 10);
// Indices of the `count` classes with the lowest selected TPP, lowest first.
std::vector<std::size_t> lowest_tpp_classes(const describe::DescriptionCache& cache, std::size_t count = 10);

}  // namespace sfar::method
