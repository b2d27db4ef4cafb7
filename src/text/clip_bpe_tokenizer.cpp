#include "sfar/text/clip_bpe_tokenizer.h"

#include "sfar/core/error.h"
#include "sfar/text/clip_pretokenizer.h"
#include "sfar/text/unicode_text.h"

namespace sfar::text {
namespace {

constexpr const char* kStartToken = "<|startoftext|>";
constexpr const char* kEndToken = "<|endoftext|>";
constexpr const char* kWordEnd = "</w>";
// Bounds the word cache: a stream of unique words (e.g. a large corpus) cannot grow it forever.
constexpr std::size_t kCacheLimit = 1 << 18;

std::uint64_t pair_key(std::int32_t left, std::int32_t right) {
  return (static_cast<std::uint64_t>(static_cast<std::uint32_t>(left)) << 32) |
         static_cast<std::uint32_t>(right);
}

std::int32_t lookup(const std::unordered_map<std::string, std::int32_t>& encoder, const std::string& symbol,
                    const std::string& where, const std::string& what) {
  const auto it = encoder.find(symbol);
  if (it == encoder.end()) throw FormatError(where, what + " is not in the vocabulary", symbol);
  return it->second;
}

// The bytes a symbol stands for: each code point of its spelling is one byte.
std::string symbol_bytes(const std::string& symbol, const std::string& where) {
  static const std::unordered_map<char32_t, char> byte_of = [] {
    std::unordered_map<char32_t, char> map;
    for (int b = 0; b < 256; ++b) map[clip_byte_to_unicode()[b]] = static_cast<char>(b);
    return map;
  }();
  std::string bytes;
  for (const char32_t c : decode_utf8(symbol)) {
    const auto it = byte_of.find(c);
    if (it == byte_of.end()) {
      throw FormatError(where, "symbol is not spelt in the bytes_to_unicode alphabet", symbol);
    }
    bytes.push_back(it->second);
  }
  return bytes;
}

}  // namespace

ClipBpeTokenizer::ClipBpeTokenizer(const ClipBpeVocab& vocab) : symbols_(vocab.symbols) {
  if (symbols_.size() > static_cast<std::size_t>(INT32_MAX)) {
    throw FormatError(vocab.source, "vocabulary too large", std::to_string(symbols_.size()));
  }
  std::unordered_map<std::string, std::int32_t> encoder;
  raw_bytes_.reserve(symbols_.size());
  for (std::size_t id = 0; id < symbols_.size(); ++id) {
    encoder.insert_or_assign(symbols_[id], static_cast<std::int32_t>(id));  // Later ids win, as in Python.
    raw_bytes_.push_back(symbol_bytes(symbols_[id], vocab.source));
  }
  for (int b = 0; b < 256; ++b) {
    const std::string symbol = encode_utf8(clip_byte_to_unicode()[b]);
    byte_id_[b] = lookup(encoder, symbol, vocab.source, "byte symbol");
    word_end_byte_id_[b] = lookup(encoder, symbol + kWordEnd, vocab.source, "byte symbol");
  }
  merges_.reserve(vocab.merges.size());
  for (std::size_t rank = 0; rank < vocab.merges.size(); ++rank) {
    const auto& [left, right] = vocab.merges[rank];
    const std::string where = vocab.source + ": merge " + std::to_string(rank + 1);
    const Merge merge{static_cast<std::int32_t>(rank), lookup(encoder, left + right, where, "merged symbol")};
    merges_.insert_or_assign(pair_key(lookup(encoder, left, where, "left symbol"),
                                      lookup(encoder, right, where, "right symbol")),
                             merge);
  }
  merge_count_ = static_cast<std::int64_t>(vocab.merges.size());
  start_id_ = lookup(encoder, kStartToken, vocab.source, "start token");
  end_id_ = lookup(encoder, kEndToken, vocab.source, "end token");
}

std::unique_ptr<ClipBpeTokenizer> ClipBpeTokenizer::from_gzip(const std::string& path) {
  return std::make_unique<ClipBpeTokenizer>(read_clip_bpe_gzip(path));
}

std::unique_ptr<ClipBpeTokenizer> ClipBpeTokenizer::from_hugging_face(const std::string& vocab_json,
                                                                      const std::string& merges_txt) {
  return std::make_unique<ClipBpeTokenizer>(read_clip_bpe_hugging_face(vocab_json, merges_txt));
}

const ClipBpeTokenizer::Merge* ClipBpeTokenizer::find_merge(std::int32_t left, std::int32_t right) const {
  const auto it = merges_.find(pair_key(left, right));
  return it == merges_.end() ? nullptr : &it->second;
}

// SimpleTokenizer.bpe over ids: merge every occurrence (left to right) of the adjacent pair with
// the lowest rank, until no adjacent pair is a merge.
std::vector<std::int32_t> ClipBpeTokenizer::merge_word(std::vector<std::int32_t> word) const {
  std::vector<std::int32_t> merged;
  while (word.size() > 1) {
    const Merge* best = nullptr;
    std::int32_t first = 0;
    std::int32_t second = 0;
    for (std::size_t i = 0; i + 1 < word.size(); ++i) {
      const Merge* merge = find_merge(word[i], word[i + 1]);
      if (merge != nullptr && (best == nullptr || merge->rank < best->rank)) {
        best = merge;
        first = word[i];
        second = word[i + 1];
      }
    }
    if (best == nullptr) break;
    merged.clear();
    for (std::size_t i = 0; i < word.size();) {
      if (i + 1 < word.size() && word[i] == first && word[i + 1] == second) {
        merged.push_back(best->merged_id);
        i += 2;
      } else {
        merged.push_back(word[i++]);
      }
    }
    word.swap(merged);
  }
  return word;
}

std::vector<std::int32_t> ClipBpeTokenizer::encode_word(const std::string& word) const {
  {
    std::lock_guard<std::mutex> lock(cache_mutex_);
    const auto it = cache_.find(word);
    if (it != cache_.end()) return it->second;
  }
  std::vector<std::int32_t> ids(word.size());
  for (std::size_t i = 0; i < word.size(); ++i) {
    const auto b = static_cast<unsigned char>(word[i]);
    ids[i] = i + 1 < word.size() ? byte_id_[b] : word_end_byte_id_[b];
  }
  ids = merge_word(std::move(ids));
  std::lock_guard<std::mutex> lock(cache_mutex_);
  if (cache_.size() >= kCacheLimit) cache_.clear();
  cache_.emplace(word, ids);
  return ids;
}

std::vector<std::int64_t> ClipBpeTokenizer::encode(const std::string& text) const {
  std::vector<std::int64_t> ids;
  for (const std::string& word : clip_pretokenize(text)) {
    if (word == kStartToken) {
      ids.push_back(start_id_);
    } else if (word == kEndToken) {
      ids.push_back(end_id_);
    } else {
      for (const std::int32_t id : encode_word(word)) ids.push_back(id);
    }
  }
  return ids;
}

const std::string& ClipBpeTokenizer::symbol(std::int64_t id) const {
  if (id < 0 || id >= vocab_size()) {
    throw ArgumentError("clip_bpe token id", "outside the vocabulary of " + std::to_string(vocab_size()),
                        std::to_string(id));
  }
  return symbols_[static_cast<std::size_t>(id)];
}

std::string ClipBpeTokenizer::decode(const std::vector<std::int64_t>& ids) const {
  std::string bytes;
  for (const std::int64_t id : ids) {
    symbol(id);  // Range check.
    bytes += raw_bytes_[static_cast<std::size_t>(id)];
  }
  std::string text = encode_utf8(decode_utf8(bytes));
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    if (text.compare(i, 4, kWordEnd) == 0) {
      out.push_back(' ');
      i += 4;
    } else {
      out.push_back(text[i++]);
    }
  }
  return out;
}

}  // namespace sfar::text
