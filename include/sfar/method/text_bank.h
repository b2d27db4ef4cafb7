// The frozen text side of SFAR for one label space: per class the global text ("a video of a
// person {name}") and its N sub-texts, encoded once by CLIP's text encoder and kept as token
// features (every position from start-of-text to end-of-text inclusive) and class embeddings
// (the end-of-text position). Shapes (C classes, N sub-texts, D embedding):
//   global_tokens [C, Lg, D] + global_mask [C, Lg] (true = a real token)
//   global_embed  [C, D]
//   sub_tokens    [C, N, Ls, D] + sub_mask [C, N, Ls]
//   sub_embed     [C, N, D]
// A bank is built from the class texts (make_class_texts, build_class_text_bank) and kept on disk
// under a key of everything it depends on (text_bank_key, load_or_build_text_bank).
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <string>
#include <vector>

#include "sfar/describe/description_cache.h"
#include "sfar/models/clip_config.h"
#include "sfar/models/clip_text.h"
#include "sfar/text/tokenizer.h"

namespace sfar::method {

struct TextBank {
  torch::Tensor global_tokens, global_mask, global_embed;
  torch::Tensor sub_tokens, sub_mask, sub_embed;

  std::int64_t num_classes() const { return global_embed.size(0); }
  std::int64_t num_subtexts() const { return sub_embed.size(1); }
  TextBank to(const torch::Device& device) const;
};

// Encodes token ids without gradients: global [C, L] and sub-texts [C, N, L] int64 (rows
// padded with zeros after the end token, as Tokenizer::tokenize gives them). Texts are sent
// through the encoder in chunks of `batch_size` rows.
TextBank encode_text_bank(models::ClipTextEncoderImpl& encoder, const torch::Tensor& global_ids,
                          const torch::Tensor& sub_ids, std::int64_t batch_size = 256);

// Token features trimmed to the longest text: features [R, L, D], end index [R] ->
// ([R, Lmax, D], mask [R, Lmax]) with positions 0..end inclusive marked valid.
std::pair<torch::Tensor, torch::Tensor> trim_token_features(const torch::Tensor& features,
                                                            const torch::Tensor& end_index);

// The texts of one label space: global[c] for class c, and sub[c] its N sub-texts (sub is
// empty when the run has no description cache).
struct ClassTexts {
  std::vector<std::string> global;
  std::vector<std::vector<std::string>> sub;
};

// Global texts from `global_template` ("{name}" replaced); sub-texts from each class's set
// chosen by `choice`, padded by repeating the last sentence or truncated to `num_subtexts`.
// `cache` may be null (no sub-texts). Throws ConfigError naming `cache_path` and the class
// when a class is missing, has no sentences or (kSelected) has no selected set.
ClassTexts make_class_texts(const std::vector<std::string>& class_names, const std::string& global_template,
                            const describe::DescriptionCache* cache, const std::string& cache_path,
                            std::int64_t num_subtexts, describe::SubtextChoice choice);

// Tokenizes and encodes the texts with the (frozen) text tower. Without sub-texts, each class
// holds its global text as its only sub-text (heads mean/temporal never read them).
TextBank build_class_text_bank(models::ClipTextEncoderImpl& encoder, const text::Tokenizer& tokenizer,
                               const ClassTexts& texts, std::int64_t context_length);

// What identifies a text bank on disk: the weights file (path, size, modification time; "random"
// for random initialisation with `seed`) and the activation it is run with (the same file gives
// other features under GELU), the tokenizer and every text.
std::string text_bank_key(const std::string& weights, models::ClipActivation activation, std::uint64_t seed,
                          const text::TokenizerSpec& tokenizer, std::int64_t context_length,
                          const ClassTexts& texts);

// `dir`/text_bank_<key>.pt when it exists and loads (hit = true), otherwise build_class_text_bank
// saved there atomically (hit = false). The bank stays on the CPU.
TextBank load_or_build_text_bank(const std::string& dir, const std::string& key,
                                 models::ClipTextEncoderImpl& encoder, const text::Tokenizer& tokenizer,
                                 const ClassTexts& texts, std::int64_t context_length, bool* hit = nullptr);

}  // namespace sfar::method
