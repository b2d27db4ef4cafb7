// Reading CLIP's byte-level BPE vocabulary, either OpenAI's bpe_simple_vocab_16e6.txt.gz or the
// Hugging Face pair vocab.json + merges.txt. Symbols are spelt in the bytes_to_unicode alphabet:
// every byte maps to one printable code point, a word-final symbol ends in "</w>".
//
//   ClipBpeVocab v = read_clip_bpe_gzip("bpe_simple_vocab_16e6.txt.gz");
//   v.symbols.size() == 49408; v.merges.size() == 48894; v.symbols[49407] == "<|endoftext|>"
#pragma once

#include <array>
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

namespace sfar::text {

struct ClipBpeVocab {
  std::vector<std::string> symbols;                         // id -> symbol (UTF-8)
  std::vector<std::pair<std::string, std::string>> merges;  // rank -> (left, right)
  std::string source;                                       // the file(s), for error messages
};

// The number of merges OpenAI's SimpleTokenizer reads from the .gz file (lines 2..48,895).
inline constexpr std::size_t kClipMergeCount = 48894;

// GPT-2/CLIP's bytes_to_unicode: the code point that stands for each byte, index = byte.
const std::array<char32_t, 256>& clip_byte_to_unicode();
// The ids of the 256 byte symbols follow this byte order ('!'..'~', then the other printable
// Latin-1 bytes, then the bytes that were remapped).
std::array<unsigned char, 256> clip_byte_symbol_order();

// Whole contents of a gzip file. Throws IoError (cannot open) or FormatError (not gzip,
// truncated), both naming the file.
std::string read_gzip_file(const std::string& path);

// Vocabulary = 256 byte symbols + the same with "</w>" + one symbol per merge + the start and
// end tokens, as SimpleTokenizer builds it. Throws FormatError naming file:line for a merge line
// that is not two symbols.
ClipBpeVocab read_clip_bpe_gzip(const std::string& path, std::size_t merge_count = kClipMergeCount);

// vocab.json ({"symbol": id}, ids 0..N-1 each once) and merges.txt (optional "#version" line,
// then "left right" per line). Throws FormatError naming the file (and line).
ClipBpeVocab read_clip_bpe_hugging_face(const std::string& vocab_json, const std::string& merges_txt);

}  // namespace sfar::text
