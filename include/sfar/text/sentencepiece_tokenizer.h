// A SentencePiece model behind the Tokenizer interface, and training one from a text corpus,
// for text encoders trained on custom data. Models trained here use pad = 0, unk = 1, bos = 2,
// eos = 3, so tokenize()'s zero padding is the pad piece.
//
//   sfar::text::SentencePieceTrainOptions options;
//   options.model_prefix = "out/spm";  options.vocab_size = 8000;
//   sfar::text::train_sentencepiece("corpus.txt", options);      // writes out/spm.model, .vocab
//   sfar::text::SentencePieceTokenizer tok("out/spm.model");
//   tok.tokenize("a photo of a dog", 32);  // {2, ..., 3, 0, 0, ...}
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "sfar/core/config_archive.h"
#include "sfar/text/tokenizer.h"

namespace sfar::text {

class SentencePieceTokenizer : public Tokenizer {
 public:
  // Throws IoError when the file is missing, FormatError when it is not a SentencePiece model
  // or has no bos/eos piece (start/end ids are the model's bos/eos).
  explicit SentencePieceTokenizer(const std::string& model_path);
  ~SentencePieceTokenizer() override;

  std::vector<std::int64_t> encode(const std::string& text) const override;
  // Throws ArgumentError for an id outside the vocabulary.
  std::string decode(const std::vector<std::int64_t>& ids) const override;
  std::int64_t vocab_size() const override;
  std::int64_t start_id() const override;
  std::int64_t end_id() const override;
  // The model's pad id, or -1 when it has none.
  std::int64_t pad_id() const;
  // The piece (subword string) of an id; throws ArgumentError outside the vocabulary.
  std::string piece(std::int64_t id) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::string path_;
};

// SentencePiece's segmentation algorithm (its trainer's --model_type, by the same names).
enum class SentencePieceModelType { kUnigram, kBpe, kChar, kWord };
inline const cfg::NamedValues<SentencePieceModelType>& sentencepiece_model_type_names() {
  static const cfg::NamedValues<SentencePieceModelType> names = {
      {"unigram", SentencePieceModelType::kUnigram},
      {"bpe", SentencePieceModelType::kBpe},
      {"char", SentencePieceModelType::kChar},
      {"word", SentencePieceModelType::kWord},
  };
  return names;
}

struct SentencePieceTrainOptions {
  std::string model_prefix;             // writes <prefix>.model and <prefix>.vocab
  std::int64_t vocab_size = 8000;
  SentencePieceModelType model_type = SentencePieceModelType::kUnigram;
  double character_coverage = 1.0;      // < 1 drops the rarest characters (e.g. 0.9995 for CJK)
  bool hard_vocab_limit = true;         // false: a small corpus may give fewer pieces
  std::int64_t max_sentences = 0;       // > 0: sample this many lines of a large corpus
  std::int64_t threads = 1;
  std::uint32_t seed = 0;               // SentencePiece's random generator seed
};

// Trains on a text file (one sentence per line) and returns the path of the .model written.
// Errors name the corpus file or the model prefix.
std::string train_sentencepiece(const std::string& corpus_file, const SentencePieceTrainOptions& options);
// Trains on sentences held in memory.
std::string train_sentencepiece(const std::vector<std::string>& lines, const SentencePieceTrainOptions& options);

}  // namespace sfar::text
