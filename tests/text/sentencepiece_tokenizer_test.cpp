// SentencePiece: train a small model on a generated corpus, load it, and check ids/layout.
#include <gtest/gtest.h>

#include <fstream>
#include <random>

#include "sfar/core/error.h"
#include "sfar/text/sentencepiece_tokenizer.h"
#include "support/test_data.h"

namespace sfar::text {
namespace {

// Action-like sentences from a fixed vocabulary, reproducible from the seed.
std::vector<std::string> make_corpus(std::size_t count) {
  const std::vector<std::string> subjects = {"a person", "the athlete", "someone", "a child", "the dancer"};
  const std::vector<std::string> verbs = {"is jumping over", "lifts", "throws", "is pushing", "kicks",
                                          "is pulling", "catches", "spins around"};
  const std::vector<std::string> objects = {"a barbell", "the ball", "a box", "the javelin", "a rope",
                                            "something heavy", "the hurdle"};
  std::mt19937 random(7);
  std::vector<std::string> lines;
  for (std::size_t i = 0; i < count; ++i) {
    lines.push_back(subjects[random() % subjects.size()] + " " + verbs[random() % verbs.size()] + " " +
                    objects[random() % objects.size()]);
  }
  return lines;
}

class SentencePieceTokenizerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    corpus_ = make_corpus(2000);
    std::ofstream file(dir_.file("corpus.txt"));
    for (const auto& line : corpus_) file << line << "\n";
  }
  test::TempDir dir_;
  std::vector<std::string> corpus_;
};

TEST_F(SentencePieceTokenizerTest, TrainsLoadsAndRoundTrips) {
  SentencePieceTrainOptions options;
  options.model_prefix = dir_.file("spm");
  options.vocab_size = 60;
  const std::string model = train_sentencepiece(dir_.file("corpus.txt"), options);
  EXPECT_EQ(model, dir_.file("spm.model"));
  const auto tok = load_tokenizer({TokenizerKind::kSentencePiece, model, ""});
  EXPECT_EQ(tok->vocab_size(), 60);
  EXPECT_EQ(tok->start_id(), 2);
  EXPECT_EQ(tok->end_id(), 3);
  const auto& sp = dynamic_cast<const SentencePieceTokenizer&>(*tok);
  EXPECT_EQ(sp.pad_id(), 0);
  EXPECT_EQ(sp.piece(0), "<pad>");
  EXPECT_EQ(sp.piece(1), "<unk>");
  EXPECT_EQ(sp.piece(2), "<s>");
  EXPECT_EQ(sp.piece(3), "</s>");
  for (std::size_t i = 0; i < 50; ++i) {
    const auto ids = tok->encode(corpus_[i]);
    ASSERT_FALSE(ids.empty());
    for (const auto id : ids) {
      EXPECT_GE(id, 4);  // No special pieces inside a text.
      EXPECT_LT(id, 60);
    }
    EXPECT_EQ(tok->decode(ids), corpus_[i]);
  }
  // Frequent words merge into multi-character pieces: far fewer ids than the 24 characters.
  EXPECT_LT(tok->encode("a person throws the ball").size(), 16u);
  EXPECT_THROW(tok->decode({60}), ArgumentError);
}

TEST_F(SentencePieceTokenizerTest, TokenizeLayout) {
  SentencePieceTrainOptions options;
  options.model_prefix = dir_.file("bpe");
  options.vocab_size = 80;
  options.model_type = SentencePieceModelType::kBpe;
  SentencePieceTokenizer tok(train_sentencepiece(corpus_, options));
  const auto ids = tok.encode("the dancer spins around");
  const auto tokens = tok.tokenize("the dancer spins around", 16);
  ASSERT_EQ(tokens.size(), 16u);
  ASSERT_LT(ids.size() + 2, 16u);
  EXPECT_EQ(tokens[0], 2);
  EXPECT_EQ(std::vector<std::int64_t>(tokens.begin() + 1, tokens.begin() + 1 + ids.size()), ids);
  EXPECT_EQ(tokens[ids.size() + 1], 3);
  for (std::size_t i = ids.size() + 2; i < tokens.size(); ++i) EXPECT_EQ(tokens[i], tok.pad_id());
  const auto truncated = tok.tokenize("the dancer spins around", 3);
  EXPECT_EQ(truncated, (std::vector<std::int64_t>{2, ids[0], 3}));
}

TEST_F(SentencePieceTokenizerTest, ErrorsNameTheFile) {
  SentencePieceTrainOptions options;
  options.model_prefix = dir_.file("spm");
  try {
    train_sentencepiece(dir_.file("missing.txt"), options);
    FAIL() << "expected IoError";
  } catch (const IoError& e) {
    EXPECT_EQ(e.where(), dir_.file("missing.txt"));
  }
  options.vocab_size = 100000;  // More pieces than the corpus can give.
  EXPECT_THROW(train_sentencepiece(dir_.file("corpus.txt"), options), FormatError);
  try {
    SentencePieceTokenizer tok(dir_.file("corpus.txt"));
    FAIL() << "expected FormatError";
  } catch (const FormatError& e) {
    EXPECT_EQ(e.where(), dir_.file("corpus.txt"));
  }
  try {
    load_tokenizer({TokenizerKind::kSentencePiece, dir_.file("none.model"), ""});
    FAIL() << "expected IoError";
  } catch (const IoError& e) {
    EXPECT_EQ(e.where(), dir_.file("none.model"));
  }
}

}  // namespace
}  // namespace sfar::text
