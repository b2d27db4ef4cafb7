// The shared Tokenizer behaviour: tokenize()'s layout and load_tokenizer's dispatch and errors.
#include <gtest/gtest.h>

#include <fstream>

#include "sfar/core/error.h"
#include "sfar/text/tokenizer.h"
#include "support/test_data.h"

namespace sfar::text {
namespace {

// One id per character, start 1, end 2: enough to check tokenize() on its own.
class CharTokenizer : public Tokenizer {
 public:
  std::vector<std::int64_t> encode(const std::string& text) const override {
    return std::vector<std::int64_t>(text.begin(), text.end());
  }
  std::string decode(const std::vector<std::int64_t>& ids) const override {
    return std::string(ids.begin(), ids.end());
  }
  std::int64_t vocab_size() const override { return 256; }
  std::int64_t start_id() const override { return 1; }
  std::int64_t end_id() const override { return 2; }
};

using Ids = std::vector<std::int64_t>;

TEST(Tokenizer, PadsWithZeros) {
  const CharTokenizer tok;
  EXPECT_EQ(tok.tokenize("ab", 6), (Ids{1, 'a', 'b', 2, 0, 0}));
  EXPECT_EQ(tok.tokenize("", 3), (Ids{1, 2, 0}));
  EXPECT_EQ(tok.tokenize("abc").size(), 77u);
}

TEST(Tokenizer, TruncatesKeepingTheEndTokenLast) {
  const CharTokenizer tok;
  EXPECT_EQ(tok.tokenize("abc", 5), (Ids{1, 'a', 'b', 'c', 2}));
  EXPECT_EQ(tok.tokenize("abcdef", 5), (Ids{1, 'a', 'b', 'c', 2}));
  EXPECT_EQ(tok.tokenize("abcdef", 2), (Ids{1, 2}));
  try {
    tok.tokenize("abc", 0);
    FAIL() << "expected ArgumentError";
  } catch (const ArgumentError& e) {
    EXPECT_EQ(e.where(), "context_length");
    EXPECT_EQ(e.value(), "0");
  }
}

TEST(LoadTokenizer, RejectsUnknownKindsAndMissingFiles) {
  test::TempDir dir;
  try {
    cfg::parse_enum<TokenizerKind>("wordpiece", tokenizer_kind_names(), "--tokenizer");
    FAIL() << "expected ArgumentError";
  } catch (const ArgumentError& e) {
    EXPECT_EQ(e.where(), "--tokenizer");
    EXPECT_EQ(e.value(), "wordpiece");
    EXPECT_NE(std::string(e.what()).find("known: clip_bpe, sentencepiece"), std::string::npos) << e.what();
  }
  try {
    load_tokenizer({TokenizerKind::kClipBpe, dir.file("bpe.txt.gz"), ""});
    FAIL() << "expected IoError";
  } catch (const IoError& e) {
    EXPECT_EQ(e.where(), dir.file("bpe.txt.gz"));
  }
  std::ofstream(dir.file("vocab.json")) << "{}";
  try {
    load_tokenizer({TokenizerKind::kClipBpe, dir.file("vocab.json"), ""});
    FAIL() << "expected ArgumentError";
  } catch (const ArgumentError& e) {
    EXPECT_EQ(e.where(), dir.file("vocab.json"));
  }
  try {
    load_tokenizer({TokenizerKind::kClipBpe, dir.file("vocab.json"), dir.file("merges.txt")});
    FAIL() << "expected IoError";
  } catch (const IoError& e) {
    EXPECT_EQ(e.where(), dir.file("merges.txt"));
  }
  EXPECT_THROW(load_tokenizer({TokenizerKind::kSentencePiece, dir.file("m.model"), dir.file("merges.txt")}),
               ArgumentError);
  EXPECT_THROW(load_tokenizer({TokenizerKind::kClipBpe, "", ""}), ArgumentError);
}

}  // namespace
}  // namespace sfar::text
