// OpenAI CLIP's byte-level BPE tokenizer (simple_tokenizer.py), id for id: text cleaning and
// word split as in clip_pretokenizer.h, each word's UTF-8 bytes mapped through bytes_to_unicode,
// "</w>" on its last symbol, then the lowest-ranked adjacent pair merged until none is left.
//
//   auto tok = sfar::text::ClipBpeTokenizer::from_gzip("bpe_simple_vocab_16e6.txt.gz");
//   tok->encode("a photo of a dog")  // {320, 1125, 539, 320, 1929}
//   tok->tokenize("a photo of a dog")  // {49406, 320, 1125, 539, 320, 1929, 49407, 0, ...} (77)
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "sfar/text/clip_bpe_vocab.h"
#include "sfar/text/tokenizer.h"

namespace sfar::text {

class ClipBpeTokenizer : public Tokenizer {
 public:
  // Throws FormatError naming the source when a merge or a special token is not in the
  // vocabulary, or a symbol is not spelt in the bytes_to_unicode alphabet.
  explicit ClipBpeTokenizer(const ClipBpeVocab& vocab);

  static std::unique_ptr<ClipBpeTokenizer> from_gzip(const std::string& path);
  static std::unique_ptr<ClipBpeTokenizer> from_hugging_face(const std::string& vocab_json,
                                                             const std::string& merges_txt);

  std::vector<std::int64_t> encode(const std::string& text) const override;
  // Concatenated bytes of the symbols, invalid UTF-8 replaced by U+FFFD, "</w>" -> " ".
  // Throws ArgumentError for an id outside the vocabulary.
  std::string decode(const std::vector<std::int64_t>& ids) const override;
  std::int64_t vocab_size() const override { return static_cast<std::int64_t>(symbols_.size()); }
  std::int64_t start_id() const override { return start_id_; }
  std::int64_t end_id() const override { return end_id_; }

  // A symbol as vocab.json spells it; throws ArgumentError for an id outside the vocabulary.
  const std::string& symbol(std::int64_t id) const;
  // Merges in rank order.
  std::int64_t merge_count() const { return merge_count_; }

 private:
  struct Merge {
    std::int32_t rank;
    std::int32_t merged_id;
  };

  std::vector<std::int32_t> encode_word(const std::string& word) const;
  std::vector<std::int32_t> merge_word(std::vector<std::int32_t> word) const;
  const Merge* find_merge(std::int32_t left, std::int32_t right) const;

  std::vector<std::string> symbols_;     // id -> symbol (bytes_to_unicode spelling)
  std::vector<std::string> raw_bytes_;   // id -> the bytes it stands for
  std::int32_t byte_id_[256];            // byte -> id of its symbol
  std::int32_t word_end_byte_id_[256];   // byte -> id of its symbol + "</w>"
  std::unordered_map<std::uint64_t, Merge> merges_;
  std::int64_t merge_count_ = 0;
  std::int64_t start_id_ = 0;
  std::int64_t end_id_ = 0;

  // Words recur across texts (class names, prompt templates): their ids are kept.
  mutable std::mutex cache_mutex_;
  mutable std::unordered_map<std::string, std::vector<std::int32_t>> cache_;
};

}  // namespace sfar::text
