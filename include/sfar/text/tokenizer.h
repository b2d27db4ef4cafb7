// The interface every text tokenizer implements, so that text encoders work with CLIP's BPE
// or a SentencePiece model trained on custom data alike.
//
//   auto tok = sfar::text::load_tokenizer({TokenizerKind::kClipBpe, "bpe_simple_vocab_16e6.txt.gz", ""});
//   std::vector<std::int64_t> ids = tok->tokenize("a photo of a dog");  // 77 ids
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "sfar/core/sfar_config.h"

namespace sfar::text {

class Tokenizer {
 public:
  virtual ~Tokenizer() = default;

  // Ids of the text alone (no start/end tokens).
  virtual std::vector<std::int64_t> encode(const std::string& text) const = 0;
  virtual std::string decode(const std::vector<std::int64_t>& ids) const = 0;
  virtual std::int64_t vocab_size() const = 0;
  virtual std::int64_t start_id() const = 0;
  virtual std::int64_t end_id() const = 0;

  // [start] + encode(text) + [end], zero-padded to context_length. A text that is too long
  // is truncated so that the end token stays last, as text encoders pool at its position.
  std::vector<std::int64_t> tokenize(const std::string& text,
                                     std::int64_t context_length = 77) const;
};

struct TokenizerSpec {
  TokenizerKind kind = TokenizerKind::kClipBpe;  // text.tokenizer
  std::string vocab;   // bpe_simple_vocab_16e6.txt.gz, vocab.json, or a .model file
  std::string merges;  // merges.txt beside a Hugging Face vocab.json
};

// Loads the tokenizer a spec names; errors name the file.
std::unique_ptr<Tokenizer> load_tokenizer(const TokenizerSpec& spec);

}  // namespace sfar::text
