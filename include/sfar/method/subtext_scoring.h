// The tensor side of the TPP selection (subtext_selection.h): encoding a cache's distinct
// texts with CLIP's text encoder and scoring every candidate set from those embeddings.
//
//   TextEmbeddings e{rows, encode_texts(*model, *tokenizer, distinct_cache_texts(cache))};
//   score_and_select(cache, e, SelectionMode::per_class, "ViT-B/16", "k400.json");
#pragma once

#include <torch/torch.h>

#include <functional>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "sfar/method/subtext_selection.h"
#include "sfar/models/clip_text.h"

namespace sfar::method {

// Embeddings of distinct texts: table [T, D], row[text] indexes it.
struct TextEmbeddings {
  std::unordered_map<std::string, std::int64_t> row;
  torch::Tensor table;

  // [D]; ArgumentError when the text was not encoded.
  torch::Tensor of(const std::string& text) const;
};

// texts -> [T, D] fp32 CPU, unnormalised: tokenized to the encoder's context length and sent
// through `encoder` (on its own device) in chunks of `batch_size`, without gradients;
// `progress(done, total)` after each chunk when given.
torch::Tensor encode_texts(models::ClipTextEncoderImpl& encoder, const text::Tokenizer& tokenizer,
                           const std::vector<std::string>& texts, std::int64_t batch_size = 256,
                           const std::function<void(std::int64_t, std::int64_t)>& progress = {});

// Fills every candidate set's scores, each class's `selected` and `tpp`, and
// `cache.selection` (mode, encoder, time, dataset TPP = mean of the selected sets' TPP).
// Checks the cache first (check_selectable). Returns the set index chosen in dataset mode,
// nullopt per class.
std::optional<std::size_t> score_and_select(describe::DescriptionCache& cache, const TextEmbeddings& embeddings,
                                            SelectionMode mode, const std::string& encoder_name,
                                            const std::string& source);

// Encodes the cache's distinct texts once, then score_and_select.
SubtextSelectionStats select_subtexts(describe::DescriptionCache& cache, const std::string& source,
                                      models::ClipTextEncoderImpl& encoder, const text::Tokenizer& tokenizer,
                                      const SubtextSelectionOptions& options = {});

}  // namespace sfar::method
