#include "sfar/text/tokenizer.h"

#include "sfar/core/error.h"
#include "sfar/text/clip_bpe_tokenizer.h"
#include "sfar/text/sentencepiece_tokenizer.h"

namespace sfar::text {
namespace {

bool ends_with(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() && text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

std::vector<std::int64_t> Tokenizer::tokenize(const std::string& text, std::int64_t context_length) const {
  if (context_length < 2) {
    throw ArgumentError("context_length", "must be at least 2 (start and end tokens)",
                        std::to_string(context_length));
  }
  const std::vector<std::int64_t> ids = encode(text);
  std::vector<std::int64_t> tokens;
  tokens.reserve(static_cast<std::size_t>(context_length));
  tokens.push_back(start_id());
  tokens.insert(tokens.end(), ids.begin(), ids.end());
  tokens.push_back(end_id());
  // OpenAI's tokenize(truncate=True): keep the first context_length ids, end token last.
  if (static_cast<std::int64_t>(tokens.size()) > context_length) {
    tokens.resize(static_cast<std::size_t>(context_length));
    tokens.back() = end_id();
  }
  tokens.resize(static_cast<std::size_t>(context_length), 0);
  return tokens;
}

std::unique_ptr<Tokenizer> load_tokenizer(const TokenizerSpec& spec) {
  if (spec.vocab.empty()) throw ArgumentError("tokenizer.vocab", "no vocabulary file given");
  if (spec.kind == TokenizerKind::kClipBpe) {
    if (spec.merges.empty() && !ends_with(spec.vocab, ".json")) {
      try {
        return ClipBpeTokenizer::from_gzip(spec.vocab);
      } catch (const FormatError& e) {
        // Most often a SentencePiece .model read as CLIP's vocabulary: say which switch picks the kind.
        throw FormatError(e.where(), e.message() + " (read as a clip_bpe vocabulary; for a SentencePiece model set "
                                                   "text.tokenizer or --tokenizer to sentencepiece)");
      }
    }
    if (spec.merges.empty()) {
      throw ArgumentError(spec.vocab, "a Hugging Face vocab.json needs its merges.txt (tokenizer.merges)");
    }
    return ClipBpeTokenizer::from_hugging_face(spec.vocab, spec.merges);
  }
  if (!spec.merges.empty()) {
    throw ArgumentError("tokenizer.merges", "a SentencePiece model takes no merges file", spec.merges);
  }
  return std::make_unique<SentencePieceTokenizer>(spec.vocab);
}

}  // namespace sfar::text
