#include "sfar/text/clip_bpe_vocab.h"

#include <zlib.h>

#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <sstream>

#include "sfar/core/error.h"
#include "sfar/text/unicode_text.h"

namespace sfar::text {
namespace {

bool is_printable_byte(int b) { return (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE); }

std::string read_binary_file(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) throw IoError(path, "cannot open file");
  return std::string(std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>());
}

std::string zlib_message(const z_stream& stream, int code) {
  return stream.msg != nullptr ? stream.msg : "zlib error " + std::to_string(code);
}

// Splits a merge line on whitespace like Python's str.split(); it must give two symbols.
std::pair<std::string, std::string> parse_merge(const std::string& line, const std::string& where) {
  std::istringstream fields(line);
  std::string left, right, extra;
  if (!(fields >> left >> right) || (fields >> extra)) {
    throw FormatError(where, "expected a merge \"left right\"", line);
  }
  return {left, right};
}

std::vector<std::string> byte_symbols() {
  std::vector<std::string> symbols;
  for (const unsigned char b : clip_byte_symbol_order()) {
    symbols.push_back(encode_utf8(clip_byte_to_unicode()[b]));
  }
  const std::size_t count = symbols.size();
  for (std::size_t i = 0; i < count; ++i) symbols.push_back(symbols[i] + "</w>");
  return symbols;
}

}  // namespace

const std::array<char32_t, 256>& clip_byte_to_unicode() {
  static const std::array<char32_t, 256> table = [] {
    std::array<char32_t, 256> t{};
    char32_t next = 256;
    for (int b = 0; b < 256; ++b) t[b] = is_printable_byte(b) ? static_cast<char32_t>(b) : next++;
    return t;
  }();
  return table;
}

std::array<unsigned char, 256> clip_byte_symbol_order() {
  std::array<unsigned char, 256> order{};
  std::size_t n = 0;
  for (int b = 0; b < 256; ++b) {
    if (is_printable_byte(b)) order[n++] = static_cast<unsigned char>(b);
  }
  for (int b = 0; b < 256; ++b) {
    if (!is_printable_byte(b)) order[n++] = static_cast<unsigned char>(b);
  }
  return order;
}

std::string read_gzip_file(const std::string& path) {
  std::string compressed = read_binary_file(path);
  z_stream stream{};
  if (inflateInit2(&stream, 16 + MAX_WBITS) != Z_OK) throw FormatError(path, "cannot start zlib");
  stream.next_in = reinterpret_cast<Bytef*>(compressed.data());
  stream.avail_in = static_cast<uInt>(compressed.size());
  std::string out;
  char buffer[1 << 16];
  int code = Z_OK;
  while (code != Z_STREAM_END) {
    stream.next_out = reinterpret_cast<Bytef*>(buffer);
    stream.avail_out = sizeof(buffer);
    code = inflate(&stream, Z_NO_FLUSH);
    if (code != Z_OK && code != Z_STREAM_END) {
      const std::string message = code == Z_BUF_ERROR ? "truncated gzip data" : zlib_message(stream, code);
      inflateEnd(&stream);
      throw FormatError(path, "not a valid gzip file: " + message);
    }
    out.append(buffer, sizeof(buffer) - stream.avail_out);
    // A gzip file may hold several members one after another.
    if (code == Z_STREAM_END && stream.avail_in > 0) {
      inflateReset(&stream);
      code = Z_OK;
    }
  }
  inflateEnd(&stream);
  return out;
}

ClipBpeVocab read_clip_bpe_gzip(const std::string& path, std::size_t merge_count) {
  const std::string text = read_gzip_file(path);
  ClipBpeVocab vocab;
  vocab.source = path;
  vocab.symbols = byte_symbols();
  std::size_t begin = text.find('\n');  // Line 1 is a header.
  for (std::size_t line_number = 2; begin != std::string::npos && vocab.merges.size() < merge_count;
       ++line_number) {
    const std::size_t end = text.find('\n', begin + 1);
    const std::string line = text.substr(begin + 1, end == std::string::npos ? end : end - begin - 1);
    begin = end;
    if (end == std::string::npos && line.empty()) break;  // The final newline.
    vocab.merges.push_back(parse_merge(line, path + ":" + std::to_string(line_number)));
  }
  for (const auto& [left, right] : vocab.merges) vocab.symbols.push_back(left + right);
  vocab.symbols.push_back("<|startoftext|>");
  vocab.symbols.push_back("<|endoftext|>");
  return vocab;
}

ClipBpeVocab read_clip_bpe_hugging_face(const std::string& vocab_json, const std::string& merges_txt) {
  nlohmann::json encoder;
  try {
    encoder = nlohmann::json::parse(read_binary_file(vocab_json));
  } catch (const nlohmann::json::exception& e) {  // parse_error, and out_of_range for huge numbers
    throw FormatError(vocab_json, std::string("invalid JSON: ") + e.what());
  }
  if (!encoder.is_object()) throw FormatError(vocab_json, "expected an object {\"symbol\": id}");
  ClipBpeVocab vocab;
  vocab.source = vocab_json + " + " + merges_txt;
  vocab.symbols.resize(encoder.size());
  std::vector<bool> seen(encoder.size(), false);
  for (const auto& [symbol, id] : encoder.items()) {
    if (!id.is_number_integer() || id.get<std::int64_t>() < 0 ||
        id.get<std::int64_t>() >= static_cast<std::int64_t>(encoder.size()) || seen[id.get<std::size_t>()]) {
      throw FormatError(vocab_json + ": " + symbol, "expected ids 0..N-1, each once", id.dump());
    }
    seen[id.get<std::size_t>()] = true;
    vocab.symbols[id.get<std::size_t>()] = symbol;
  }
  std::ifstream merges(merges_txt, std::ios::binary);
  if (!merges) throw IoError(merges_txt, "cannot open file");
  std::string line;
  for (std::size_t line_number = 1; std::getline(merges, line); ++line_number) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || (line_number == 1 && line.rfind("#version", 0) == 0)) continue;
    vocab.merges.push_back(parse_merge(line, merges_txt + ":" + std::to_string(line_number)));
  }
  return vocab;
}

}  // namespace sfar::text
