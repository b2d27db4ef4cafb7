#include <gtest/gtest.h>
#include <sys/wait.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "sfar/core/atomic_file.h"
#include "support/run_binary.h"
#include "support/test_data.h"

namespace {

using Json = nlohmann::json;

using Result = sfar::test::CommandResult;

// Runs `sfar ARGS` through the shell, capturing stdout and stderr.
Result run_sfar(const std::string& args, const sfar::test::TempDir& dir) {
  return sfar::test::run_binary(SFAR_BINARY, args, dir);
}

std::vector<Json> json_lines(const std::string& text) {
  std::vector<Json> lines;
  std::stringstream ss(text);
  for (std::string line; std::getline(ss, line);) {
    if (!line.empty()) lines.push_back(Json::parse(line));
  }
  return lines;
}

double max_abs_diff(const Json& a, const Json& b) {
  EXPECT_EQ(a.size(), b.size());
  double worst = 0;
  for (std::size_t i = 0; i < std::min(a.size(), b.size()); ++i) {
    worst = std::max(worst, std::fabs(a[i].get<double>() - b[i].get<double>()));
  }
  return worst;
}

std::string quoted(const std::string& s) { return "'" + s + "'"; }

TEST(Cli, InfoPrintsOpenAIsParameterCounts) {
  sfar::test::TempDir dir;
  const auto r = run_sfar("info --arch ViT-B/16", dir);
  ASSERT_EQ(r.status, 0) << r.err;
  const auto info = json_lines(r.out);
  ASSERT_EQ(info.size(), 1u);
  EXPECT_EQ(info[0]["parameters"].get<std::int64_t>(), 149620737);
}

TEST(Cli, TokenizeMatchesOpenAIsTokenizerOnEveryGoldenLine) {
  const std::string vocab = ::sfar::test::clip_vocab_path();
  const std::string golden = ::sfar::test::reference_path("clip/tokenizer_golden.jsonl");
  sfar::test::TempDir dir;
  const auto r = run_sfar("tokenize --vocab " + quoted(vocab) + " --input " + quoted(golden), dir);
  ASSERT_EQ(r.status, 0) << r.err;
  const auto got = json_lines(r.out);
  const auto want = json_lines(sfar::read_file(golden));
  ASSERT_EQ(got.size(), want.size());
  for (std::size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(got[i]["text"], want[i]["text"]);
    EXPECT_EQ(got[i]["ids"], want[i]["ids"]) << "line " << i + 1;
  }
}

TEST(Cli, EncodersMatchOpenAIsFeaturesFromBothWeightFormats) {
  const std::string vocab = ::sfar::test::clip_vocab_path();
  const std::string base = ::sfar::test::reference_path("clip/vit_tiny/");
  const Json golden = Json::parse(sfar::read_file(base + "golden.json"));
  sfar::test::TempDir dir;
  std::string texts;
  for (const auto& text : golden["texts"]) texts += Json{{"text", text}}.dump() + "\n";
  sfar::write_file_atomic(dir.file("texts.jsonl"), texts);
  std::string images;
  for (const auto& image : golden["images"]) images += " " + quoted(base + image.get<std::string>());

  for (const std::string weights : {"openai.pt", "openai_torchscript.pt", "model.safetensors"}) {
    // The TorchScript archive and the safetensors' config.json say QuickGELU; a torch.save
    // state_dict does not, so it is stated.
    const std::string model = quoted(base + weights) + (weights == "openai.pt" ? " --activation quick_gelu" : "");
    const auto text = run_sfar("encode-text --weights " + model + " --vocab " + quoted(vocab) +
                                   " --input " + quoted(dir.file("texts.jsonl")), dir);
    ASSERT_EQ(text.status, 0) << text.err;
    const auto t = json_lines(text.out);
    ASSERT_EQ(t.size(), golden["texts"].size());
    for (std::size_t i = 0; i < t.size(); ++i) {
      EXPECT_EQ(t[i]["tokens"], golden["text_tokens"][i]);
      EXPECT_LT(max_abs_diff(t[i]["embedding"], golden["text_features"][i]), 1e-4) << weights;
    }
    const auto image = run_sfar("encode-image --weights " + model + images, dir);
    ASSERT_EQ(image.status, 0) << image.err;
    const auto v = json_lines(image.out);
    ASSERT_EQ(v.size(), golden["images"].size());
    for (std::size_t i = 0; i < v.size(); ++i) {
      EXPECT_LT(max_abs_diff(v[i]["embedding"], golden["image_features"][i]), 1e-4) << weights;
    }
    const auto info = run_sfar("info --weights " + model, dir);
    ASSERT_EQ(info.status, 0) << info.err;
    EXPECT_EQ(json_lines(info.out)[0]["parameters"], golden["param_count"]);
    EXPECT_EQ(json_lines(info.out)[0]["activation"], "quick_gelu");
  }
  // Unstated, a state_dict's activation is an error naming the file and the switch, not a guess.
  const auto unstated = run_sfar("info --weights " + quoted(base + "openai.pt"), dir);
  EXPECT_EQ(unstated.status, 1);
  EXPECT_NE(unstated.err.find(base + "openai.pt"), std::string::npos) << unstated.err;
  EXPECT_NE(unstated.err.find("--activation"), std::string::npos) << unstated.err;
}

TEST(Cli, VideoProbeReportsTheExactFrameCount) {
  const std::string video = ::sfar::test::reference_path("videos/mpeg4_mp3.avi");
  sfar::test::TempDir dir;
  const auto r = run_sfar("video probe " + quoted(video), dir);
  ASSERT_EQ(r.status, 0) << r.err;
  const auto probe = json_lines(r.out).at(0);
  EXPECT_EQ(probe["frames"], 164);
  EXPECT_EQ(probe["width"], 320);
  EXPECT_EQ(probe["height"], 240);
}

TEST(Cli, ErrorsAreOneLineNamingFileKeyAndValueWithExitCodeOne) {
  sfar::test::TempDir dir;
  sfar::write_file_atomic(dir.file("x.yaml"), "run:\n  threads: many\n");
  auto r = run_sfar("config print --config " + quoted(dir.file("x.yaml")), dir);
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err, "sfar: error: " + dir.file("x.yaml") + ": run.threads: expected an integer, got \"many\"\n");

  sfar::write_file_atomic(dir.file("garbage.pt"), "not a checkpoint at all");
  r = run_sfar("info --weights " + quoted(dir.file("garbage.pt")), dir);
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_NE(r.err.find(dir.file("garbage.pt")), std::string::npos) << r.err;

  r = run_sfar("info --arch ViT-Z/99", dir);
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("ViT-Z/99"), std::string::npos) << r.err;
  EXPECT_EQ(r.out, "");
}

// A usage error is an error as any other (README, "Command line"): one `sfar: error:` line naming
// the command, exit 1, nothing on stdout; --help and --version still exit 0 (#32).
TEST(Cli, UsageErrorsAreOneLineWithExitCodeOne) {
  sfar::test::TempDir dir;
  for (const std::string args : {"train --config x.yaml --lr 1e-4", "train", "data check --no-such-flag",
                                 "no-such-command", "--threads two info --arch ViT-B/16"}) {
    const auto r = run_sfar(args, dir);
    EXPECT_EQ(r.status, 1) << args;
    EXPECT_EQ(r.err.rfind("sfar: error: sfar", 0), 0u) << args << ": " << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << args << ": " << r.err;
    EXPECT_EQ(r.out, "") << args;
  }
  const auto lr = run_sfar("train --config x.yaml --lr 1e-4", dir);
  EXPECT_NE(lr.err.find("sfar: error: sfar train: "), std::string::npos) << lr.err;
  EXPECT_NE(lr.err.find("--lr"), std::string::npos) << lr.err;
  EXPECT_NE(lr.err.find("(see 'sfar train --help')"), std::string::npos) << lr.err;
  EXPECT_EQ(run_sfar("train --help", dir).status, 0);
}

// --version names the commit, as `sfar env` and every run's environment.json do.
TEST(Cli, VersionNamesTheCommitAsEnvDoes) {
  sfar::test::TempDir dir;
  const auto version = run_sfar("--version", dir);
  ASSERT_EQ(version.status, 0) << version.err;
  const auto env = run_sfar("env", dir);
  ASSERT_EQ(env.status, 0) << env.err;
  const Json e = json_lines(env.out).at(0);
  EXPECT_EQ(version.out, "sfar " + e["sfar"].get<std::string>() + "\n");
  const std::string sfar = e["sfar"];
  const auto plus = sfar.find('+');
  ASSERT_NE(plus, std::string::npos) << sfar;
  EXPECT_EQ(sfar.size() - plus - 1, 12u) << sfar;  // a 12-digit short hash in a git checkout
  EXPECT_TRUE(e.contains("cpu")) << env.out;
}

// A SentencePiece model read as CLIP's gzipped vocabulary: the error says which switch picks
// the tokenizer's kind.
TEST(Cli, AVocabularyOfTheWrongKindPointsAtTheTokenizerSwitch) {
  sfar::test::TempDir dir;
  sfar::write_file_atomic(dir.file("tokenizer.model"), "not gzip data");
  sfar::write_file_atomic(dir.file("in.jsonl"), "{\"text\": \"a photo\"}\n");
  const auto r = run_sfar("tokenize --vocab " + quoted(dir.file("tokenizer.model")) + " --input " +
                              quoted(dir.file("in.jsonl")), dir);
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("not a valid gzip file"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("--tokenizer to sentencepiece"), std::string::npos) << r.err;
}

// An option taking a config enumeration reads the config's names and nothing else (not the
// enumerator's number), names the known ones when refused, and shows its default by name.
TEST(Cli, EnumOptionsTakeTheConfigsNames) {
  sfar::test::TempDir dir;
  sfar::write_file_atomic(dir.file("in.jsonl"), "{\"text\": \"a photo\"}\n");
  const std::string base = "tokenize --vocab " + quoted(::sfar::test::clip_vocab_path()) + " --input " +
                           quoted(dir.file("in.jsonl")) + " --tokenizer ";
  const auto ok = run_sfar(base + "clip_bpe", dir);
  ASSERT_EQ(ok.status, 0) << ok.err;
  EXPECT_EQ(json_lines(ok.out).at(0)["ids"], Json::parse("[320, 1125]"));
  for (const char* bad : {"wordpiece", "0"}) {
    const auto r = run_sfar(base + bad, dir);
    EXPECT_NE(r.status, 0) << bad;
    EXPECT_NE(r.err.find(std::string("unknown value '") + bad + "'; known: clip_bpe,sentencepiece"), std::string::npos)
        << r.err;
  }
  const auto help = run_sfar("bench train --help", dir);
  EXPECT_NE(help.out.find("{fused,math}=fused"), std::string::npos) << help.out;
}

// A run config prints every key the run reads, defaults included, e.g. the protocol switches;
// a bad enumeration fails at load, naming the key and the value.
TEST(Cli, ConfigPrintShowsARunConfigsProtocolKeys) {
  sfar::test::TempDir dir;
  const std::string config = quoted(sfar::test::source_dir() + "/configs/hmdb51/sfar_vit_b16_few_shot.yaml");
  auto r = run_sfar("config print --config " + config + " --set data.root=/x", dir);
  ASSERT_EQ(r.status, 0) << r.err;
  for (const char* line : {"report: \"best\"", "repeat_to_full: true", "full_length: 3570", "eval_lists: []",
                           "list_pattern: \"data/splits/vifi_clip/hmdb_splits/train1_few_shot_{K}.txt\""}) {
    EXPECT_NE(r.out.find(line), std::string::npos) << line << " missing from\n" << r.out;
  }
  r = run_sfar("config print --config " + config + " --set protocol.report=worst", dir);
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("protocol.report"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("worst"), std::string::npos) << r.err;
}

}  // namespace
