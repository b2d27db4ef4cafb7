// CLIP's BPE tokenizer against ids of the SimpleTokenizer that open_clip ships (OpenAI's
// simple_tokenizer.py), computed at test time by support/make_references.py; the extra suite
// (*RealData*) also checks the 436-line golden made with OpenAI's own code.
#include <gtest/gtest.h>
#include <zlib.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "sfar/core/error.h"
#include "sfar/text/clip_bpe_tokenizer.h"
#include "support/test_data.h"

namespace sfar::text {
namespace {

// Loading the vocabulary takes ~0.1 s; share it across tests.
const ClipBpeTokenizer& clip_tokenizer(const std::string& path) {
  static const std::unique_ptr<ClipBpeTokenizer> tokenizer = ClipBpeTokenizer::from_gzip(path);
  return *tokenizer;
}

std::vector<std::int64_t> ids_of(const nlohmann::json& array) { return array.get<std::vector<std::int64_t>>(); }

void write_file(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

void write_gzip(const std::string& path, const std::string& text) {
  gzFile file = gzopen(path.c_str(), "wb");
  ASSERT_NE(file, nullptr);
  ASSERT_EQ(gzwrite(file, text.data(), static_cast<unsigned>(text.size())), static_cast<int>(text.size()));
  gzclose(file);
}

TEST(ClipBpeTokenizer, VocabularyLayout) {
  const std::string vocab = test::clip_vocab_path();
  const auto& tok = clip_tokenizer(vocab);
  EXPECT_EQ(tok.vocab_size(), 49408);
  EXPECT_EQ(tok.merge_count(), 48894);
  EXPECT_EQ(tok.start_id(), 49406);
  EXPECT_EQ(tok.end_id(), 49407);
  EXPECT_EQ(tok.symbol(0), "!");
  EXPECT_EQ(tok.symbol(256), "!</w>");
  EXPECT_EQ(tok.symbol(49405), "jekyll</w>");  // The last merge: "jeky ll</w>".
  EXPECT_EQ(tok.symbol(320), "a</w>");
}

// Checks every line of a {"text", "ids"} JSON Lines golden; returns the number of lines.
int expect_matches_golden_lines(const ClipBpeTokenizer& tok, const std::string& golden) {
  std::ifstream file(golden);
  EXPECT_TRUE(file.is_open()) << golden;
  std::string line;
  int checked = 0;
  for (int number = 1; std::getline(file, line); ++number) {
    if (line.empty()) continue;
    const auto record = nlohmann::json::parse(line);
    const std::string text = record.at("text").get<std::string>();
    EXPECT_EQ(tok.encode(text), ids_of(record.at("ids"))) << golden << ":" << number << " " << text;
    ++checked;
  }
  return checked;
}

TEST(ClipBpeTokenizer, MatchesEveryGoldenLine) {
  const auto& tok = clip_tokenizer(test::clip_vocab_path());
  EXPECT_GE(expect_matches_golden_lines(tok, test::reference_path("clip/tokenizer_golden.jsonl")), 40);
}

TEST(ClipBpeTokenizerRealData, MatchesEveryLineOfOpenAIsGolden) {
  SFAR_REQUIRE_DATA(golden, "golden/clip_public/tokenizer_golden.jsonl");
  const auto& tok = clip_tokenizer(test::clip_vocab_path());
  EXPECT_EQ(expect_matches_golden_lines(tok, golden), 436);
}

TEST(ClipBpeTokenizer, TokenizeMatchesOpenAiTokenize) {
  const std::string vocab = test::clip_vocab_path();
  const std::string golden = test::reference_path("clip/vit_tiny/golden.json");
  const auto& tok = clip_tokenizer(vocab);
  const auto record = nlohmann::json::parse(std::ifstream(golden));
  const auto& texts = record.at("texts");
  ASSERT_EQ(texts.size(), record.at("text_tokens").size());
  ASSERT_FALSE(texts.empty());
  for (std::size_t i = 0; i < texts.size(); ++i) {
    const auto expected = ids_of(record.at("text_tokens")[i]);
    ASSERT_EQ(expected.size(), 77u);
    EXPECT_EQ(tok.tokenize(texts[i].get<std::string>()), expected) << texts[i];
  }
}

TEST(ClipBpeTokenizer, TruncatesKeepingEndTokenLast) {
  const std::string vocab = test::clip_vocab_path();
  const auto& tok = clip_tokenizer(vocab);
  std::string text;
  for (int i = 0; i < 100; ++i) text += "long ";
  const auto tokens = tok.tokenize(text);
  ASSERT_EQ(tokens.size(), 77u);
  EXPECT_EQ(tokens.front(), 49406);
  EXPECT_EQ(tokens.back(), 49407);
  EXPECT_EQ(tokens[75], 1538);  // "long</w>"
  const auto exact = tok.tokenize("a photo of a dog", 7);  // Fits exactly: no truncation.
  EXPECT_EQ(exact, (std::vector<std::int64_t>{49406, 320, 1125, 539, 320, 1929, 49407}));
  EXPECT_EQ(tok.tokenize("a photo of a dog", 4), (std::vector<std::int64_t>{49406, 320, 1125, 49407}));
  EXPECT_THROW(tok.tokenize("x", 1), ArgumentError);
}

TEST(ClipBpeTokenizer, DecodeRoundTrips) {
  const std::string vocab = test::clip_vocab_path();
  const auto& tok = clip_tokenizer(vocab);
  // decode gives the cleaned, lower-cased words, each followed by a space.
  EXPECT_EQ(tok.decode(tok.encode("A photo of a DOG")), "a photo of a dog ");
  EXPECT_EQ(tok.decode(tok.encode("café naïve 日本語")), "café naïve 日本語 ");
  EXPECT_EQ(tok.decode(tok.encode("don't")), "don 't ");
  EXPECT_EQ(tok.decode({49406, 320, 49407}), "<|startoftext|>a <|endoftext|>");
  for (const std::string text : {"pushing something from left to right", "emoji 😀🎉 test", "ελληνικά"}) {
    const auto ids = tok.encode(text);
    EXPECT_EQ(tok.encode(tok.decode(ids)), ids) << text;
  }
  // A lone continuation byte decodes to U+FFFD, as Python's errors="replace".
  EXPECT_EQ(tok.decode({94}), "\xEF\xBF\xBD");
  try {
    tok.decode({320, 49408});
    FAIL() << "expected ArgumentError";
  } catch (const ArgumentError& e) {
    EXPECT_EQ(e.value(), "49408");
  }
}

TEST(ClipBpeTokenizer, HuggingFacePairGivesTheSameIds) {
  const std::string vocab = test::clip_vocab_path();
  const std::string golden = test::reference_path("clip/tokenizer_golden.jsonl");
  // Build vocab.json + merges.txt the way Hugging Face ships CLIP's, from the .gz file.
  const auto& tok = clip_tokenizer(vocab);
  test::TempDir dir;
  nlohmann::json encoder = nlohmann::json::object();
  for (std::int64_t id = 0; id < tok.vocab_size(); ++id) encoder[tok.symbol(id)] = id;
  write_file(dir.file("vocab.json"), encoder.dump());
  const std::string merges_text = read_gzip_file(vocab);
  std::string merges = "#version: 0.2\n";
  std::size_t begin = merges_text.find('\n') + 1;
  for (std::size_t i = 0; i < kClipMergeCount; ++i) {
    const std::size_t end = merges_text.find('\n', begin);
    merges += merges_text.substr(begin, end - begin) + "\n";
    begin = end + 1;
  }
  write_file(dir.file("merges.txt"), merges);

  const auto hf = load_tokenizer({TokenizerKind::kClipBpe, dir.file("vocab.json"), dir.file("merges.txt")});
  EXPECT_EQ(hf->vocab_size(), 49408);
  EXPECT_EQ(hf->start_id(), 49406);
  EXPECT_EQ(hf->end_id(), 49407);
  std::ifstream file(golden);
  std::string line;
  while (std::getline(file, line)) {
    const auto record = nlohmann::json::parse(line);
    EXPECT_EQ(hf->encode(record.at("text").get<std::string>()), ids_of(record.at("ids")));
  }
}

TEST(ClipBpeTokenizer, ErrorsNameTheFile) {
  test::TempDir dir;
  try {
    ClipBpeTokenizer::from_gzip(dir.file("missing.txt.gz"));
    FAIL() << "expected IoError";
  } catch (const IoError& e) {
    EXPECT_EQ(e.where(), dir.file("missing.txt.gz"));
  }
  write_file(dir.file("plain.gz"), "header\na b\n");
  try {
    ClipBpeTokenizer::from_gzip(dir.file("plain.gz"));
    FAIL() << "expected FormatError";
  } catch (const FormatError& e) {
    EXPECT_EQ(e.where(), dir.file("plain.gz"));
    EXPECT_NE(e.message().find("gzip"), std::string::npos) << e.what();
  }
  write_gzip(dir.file("bad_merge.txt.gz"), "header\nh e\nhe llo extra\n");
  try {
    ClipBpeTokenizer::from_gzip(dir.file("bad_merge.txt.gz"));
    FAIL() << "expected FormatError";
  } catch (const FormatError& e) {
    EXPECT_EQ(e.where(), dir.file("bad_merge.txt.gz") + ":3");
    EXPECT_EQ(e.value(), "he llo extra");
  }
  write_file(dir.file("vocab.json"), "{\"a\": 0, \"b\": 0}");
  write_file(dir.file("merges.txt"), "#version: 0.2\na b\n");
  try {
    ClipBpeTokenizer::from_hugging_face(dir.file("vocab.json"), dir.file("merges.txt"));
    FAIL() << "expected FormatError";
  } catch (const FormatError& e) {
    EXPECT_NE(std::string(e.what()).find(dir.file("vocab.json")), std::string::npos) << e.what();
  }
}

TEST(ClipBpeTokenizer, SmallVocabularyFromGzip) {
  // A hand-made vocabulary: merges apply by rank, not by position in the word.
  test::TempDir dir;
  write_gzip(dir.file("tiny.txt.gz"), "#version\nl o\nlo w</w>\nh e\n");
  const auto tok = ClipBpeTokenizer::from_gzip(dir.file("tiny.txt.gz"));
  ASSERT_EQ(tok->vocab_size(), 512 + 3 + 2);
  EXPECT_EQ(tok->symbol(512), "lo");
  EXPECT_EQ(tok->symbol(513), "low</w>");
  EXPECT_EQ(tok->end_id(), 516);
  // "hellow" -> h e l l o w</w> -> h e l lo w</w> -> h e l low</w> -> he l low</w>
  EXPECT_EQ(tok->encode("hellow"), (std::vector<std::int64_t>{514, 'l' - '!', 513}));
  EXPECT_EQ(tok->decode(tok->encode("hellow")), "hellow ");
}

}  // namespace
}  // namespace sfar::text
