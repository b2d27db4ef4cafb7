// Configs that must be refused by name rather than crash sfar or read as something else:
// recursive aliases, runaway nesting and size, directories, empty overrides, non-finite numbers.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "sfar/core/atomic_file.h"
#include "sfar/core/config_archive.h"
#include "sfar/core/config_loader.h"
#include "sfar/core/error.h"
#include "support/error_text.h"
#include "support/test_data.h"

namespace sfar {
namespace {

struct Optim {
  double lr = 5e-5;
  double eps = 1e-8;
  std::vector<double> betas = {0.9, 0.999};
  std::string weights = "default.pt";
  template <class A>
  void visit(A& a) {
    a("lr", lr, cfg::positive());
    a("eps", eps);  // no constraint at all: still finite
    a("betas", betas, cfg::any());
    a("weights", weights);
  }
};

struct Root {
  Optim train;
  template <class A>
  void visit(A& a) { a("train", train); }
};

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

std::string load_error(const std::string& text) {
  test::TempDir dir;
  const std::string file = dir.file("c.yaml");
  write_file_atomic(file, text);
  const std::string error = test::thrown([&] { load_config({file}); });
  EXPECT_TRUE(contains(error, file)) << error;
  return error;
}

TEST(ConfigLimits, RecursiveAliasInAFileIsAnErrorNamingIt) {
  EXPECT_TRUE(contains(load_error("x: &a [*a]\n"), "recursive alias"));
  EXPECT_TRUE(contains(load_error("x: &a {k: [1, *a]}\n"), "recursive alias"));
  // An alias used twice side by side is no cycle.
  EXPECT_EQ(test::thrown([] { parse_config_text("a: &a [1, 2]\nb: [*a, *a]\n", "ok.yaml"); }), "(nothing thrown)");
}

TEST(ConfigLimits, RecursiveAliasThroughSetNamesTheOverride) {
  ConfigNode tree = parse_config_text("train: {lr: 1}", "c.yaml");
  const std::string error = test::thrown([&] { apply_config_override(tree, "train.lr=&a [*a]"); });
  EXPECT_TRUE(contains(error, "--set train.lr=&a [*a]")) << error;
  EXPECT_TRUE(contains(error, "recursive alias")) << error;
}

TEST(ConfigLimits, AliasBombAndDeepNestingAreBounded) {
  // Nine levels of ten aliases each would be 10^9 values.
  std::string bomb = "l0: &l0 [x, x, x, x, x, x, x, x, x, x]\n";
  for (int i = 1; i < 9; ++i) {
    const std::string prev = "*l" + std::to_string(i - 1);
    bomb += "l" + std::to_string(i) + ": &l" + std::to_string(i) + " [";
    for (int j = 0; j < 10; ++j) bomb += (j ? ", " : "") + prev;
    bomb += "]\n";
  }
  EXPECT_TRUE(contains(load_error(bomb), "more than 100000 values"));
  EXPECT_TRUE(contains(load_error("x: " + std::string(100, '[') + std::string(100, ']') + "\n"),
                       "nested deeper than 64 levels"));
  // yaml-cpp's own parser guard (2,000 levels) answers first for deeper text.
  EXPECT_TRUE(contains(load_error("x: " + std::string(5000, '[') + std::string(5000, ']') + "\n"), "invalid YAML"));
  ConfigNode tree = parse_config_text("train: {lr: 1}", "c.yaml");
  std::string path = "a";
  for (int i = 0; i < 5000; ++i) path += ".a";
  EXPECT_TRUE(contains(test::thrown([&] { apply_config_override(tree, path + "=1"); }), "deeper than 64 levels"));
}

TEST(ConfigLimits, HugeFileIsRefusedBeforeParsing) {
  std::string huge = "x: [";
  while (huge.size() < (5u << 20)) huge += "1234567, ";
  EXPECT_TRUE(contains(load_error(huge + "0]\n"), "larger than 4 MiB"));
}

TEST(ConfigLimits, DirectoryIsNotAConfig) {
  test::TempDir dir;
  std::filesystem::create_directories(dir.file("configs.d"));
  const std::string as_config = test::thrown([&] { load_config({dir.file("configs.d")}); });
  EXPECT_TRUE(contains(as_config, "is a directory")) << as_config;
  write_file_atomic(dir.file("run.yaml"), "_base_: configs.d\ntrain: {lr: 1}\n");
  const std::string as_base = test::thrown([&] { load_config({dir.file("run.yaml")}); });
  EXPECT_TRUE(contains(as_base, "run.yaml: _base_")) << as_base;
  EXPECT_TRUE(contains(as_base, "is a directory")) << as_base;
}

TEST(ConfigLimits, EmptyOverrideIsTheEmptyStringNeverTheDefault) {
  ConfigNode tree = parse_config_text("train: {lr: 1}", "c.yaml");
  apply_config_override(tree, "train.lr=");
  EXPECT_EQ(test::thrown([&] { read_config<Root>(&tree); }), "--set train.lr=: train.lr: expected a number, got \"\"");
  ConfigNode paths = parse_config_text("train: {weights: a.pt}", "c.yaml");
  apply_config_override(paths, "train.weights=");
  EXPECT_EQ(read_config<Root>(&paths).train.weights, "");
  apply_config_override(paths, "train.weights=null");  // the explicit way back to the default
  EXPECT_EQ(read_config<Root>(&paths).train.weights, "default.pt");
}

TEST(ConfigLimits, NonFiniteNumbersAreRefusedByName) {
  for (const std::string value : {".inf", "-.inf", ".nan", ".NaN", "inf", "nan"}) {
    for (const std::string key : {"lr", "eps"}) {
      const ConfigNode tree = parse_config_text("train: {" + key + ": " + value + "}", "n.yaml");
      EXPECT_EQ(test::thrown([&] { read_config<Root>(&tree); }),
                "n.yaml: train." + key + ": expected a finite number, got \"" + value + "\"");
    }
  }
  const ConfigNode betas = parse_config_text("train: {betas: [0.9, .inf]}", "n.yaml");
  EXPECT_TRUE(contains(test::thrown([&] { read_config<Root>(&betas); }), "train.betas: expected a finite number"));
  ConfigNode set = parse_config_text("train: {lr: 1}", "n.yaml");
  apply_config_override(set, "train.lr=.inf");
  EXPECT_EQ(test::thrown([&] { read_config<Root>(&set); }),
            "--set train.lr=.inf: train.lr: expected a finite number, got \".inf\"");
}

}  // namespace
}  // namespace sfar
