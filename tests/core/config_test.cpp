#include <gtest/gtest.h>

#include <fstream>

#include "sfar/core/atomic_file.h"
#include "sfar/core/config_loader.h"
#include "sfar/core/error.h"
#include "sfar/core/sfar_config.h"
#include "support/test_data.h"

namespace sfar {
namespace {

struct Optim {
  double lr = 5e-5;
  std::int64_t warmup = 5;
  std::string name = "adamw";
  std::vector<double> betas = {0.9, 0.999};
  template <class A>
  void visit(A& a) {
    a("lr", lr, cfg::positive());
    a("warmup", warmup, cfg::non_negative());
    a("name", name, cfg::one_of({"adamw", "sgd"}));
    a("betas", betas, cfg::in_range(0, 1));
  }
};

struct Train {
  Optim optimizer;
  bool amp = false;
  template <class A>
  void visit(A& a) {
    a("optimizer", optimizer);
    a("amp", amp);
  }
};

struct Root {
  Train train;
  template <class A>
  void visit(A& a) { a("train", train); }
};

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "<no error>";
}

TEST(Config, ReadsTypedValuesAndKeepsDefaults) {
  const ConfigNode tree = parse_config_text("train:\n  optimizer:\n    lr: 1e-4\n", "x.yaml");
  const Root root = read_config<Root>(&tree);
  EXPECT_DOUBLE_EQ(root.train.optimizer.lr, 1e-4);
  EXPECT_EQ(root.train.optimizer.warmup, 5);
  EXPECT_FALSE(root.train.amp);
}

TEST(Config, WrongTypeNamesFileKeyAndValue) {
  const ConfigNode tree =
      parse_config_text("train:\n  optimizer:\n    lr: fast\n", "configs/x.yaml");
  EXPECT_EQ(error_of([&] { read_config<Root>(&tree); }),
            "configs/x.yaml: train.optimizer.lr: expected a number, got \"fast\"");
}

TEST(Config, UnknownKeyIsAnErrorWithSuggestion) {
  const ConfigNode tree = parse_config_text("train:\n  optimiser:\n    lr: 1\n", "a.yaml");
  EXPECT_EQ(error_of([&] { read_config<Root>(&tree); }),
            "a.yaml: train.optimiser: unknown key (did you mean 'optimizer'?)");
}

TEST(Config, OutOfRangeAndChoices) {
  const ConfigNode neg = parse_config_text("train: {optimizer: {lr: -1}}", "b.yaml");
  EXPECT_EQ(error_of([&] { read_config<Root>(&neg); }),
            "b.yaml: train.optimizer.lr: expected a value greater than 0.0, got \"-1\"");
  const ConfigNode bad = parse_config_text("train: {optimizer: {name: lamb}}", "b.yaml");
  EXPECT_EQ(error_of([&] { read_config<Root>(&bad); }),
            "b.yaml: train.optimizer.name: expected one of: adamw, sgd, got \"lamb\"");
  const ConfigNode beta = parse_config_text("train: {optimizer: {betas: [0.9, 2]}}", "b.yaml");
  EXPECT_NE(error_of([&] { read_config<Root>(&beta); }).find("between 0.0 and 1.0"),
            std::string::npos);
  const ConfigNode intf = parse_config_text("train: {optimizer: {warmup: 2.5}}", "b.yaml");
  EXPECT_EQ(error_of([&] { read_config<Root>(&intf); }),
            "b.yaml: train.optimizer.warmup: expected an integer, got \"2.5\"");
  const ConfigNode quoted = parse_config_text("train: {optimizer: {lr: '1e-4'}}", "b.yaml");
  EXPECT_NE(error_of([&] { read_config<Root>(&quoted); }).find("expected a number"),
            std::string::npos);
}

TEST(Config, OverridesAreTypedAndNameTheirOrigin) {
  ConfigNode tree = parse_config_text("train: {optimizer: {lr: 1}}", "c.yaml");
  apply_config_override(tree, "train.optimizer.lr=3e-5");
  apply_config_override(tree, "train.optimizer.betas=[0.5, 0.6]");
  apply_config_override(tree, "train.amp=true");
  const Root root = read_config<Root>(&tree);
  EXPECT_DOUBLE_EQ(root.train.optimizer.lr, 3e-5);
  EXPECT_EQ(root.train.optimizer.betas, (std::vector<double>{0.5, 0.6}));
  EXPECT_TRUE(root.train.amp);

  apply_config_override(tree, "train.optimizer.lr=fast");
  EXPECT_EQ(error_of([&] { read_config<Root>(&tree); }),
            "--set train.optimizer.lr=fast: train.optimizer.lr: expected a number, got \"fast\"");
  EXPECT_THROW(apply_config_override(tree, "novalue"), ConfigError);
  EXPECT_THROW(apply_config_override(tree, "a..b=1"), ConfigError);
}

TEST(Config, BaseInheritanceMergesInOrderAndDetectsCycles) {
  test::TempDir dir;
  write_file_atomic(dir.file("a.yaml"), "train:\n  optimizer: {lr: 1, warmup: 1}\n  amp: true\n");
  write_file_atomic(dir.file("b.yaml"), "train:\n  optimizer: {warmup: 2}\n");
  write_file_atomic(dir.file("sub/c.yaml"),
                    "_base_: [../a.yaml, ../b.yaml]\ntrain:\n  optimizer: {name: sgd}\n");
  const ConfigNode tree = load_config({dir.file("sub/c.yaml")}, {"train.amp=false"});
  const Root root = read_config<Root>(&tree);
  EXPECT_DOUBLE_EQ(root.train.optimizer.lr, 1);
  EXPECT_EQ(root.train.optimizer.warmup, 2);
  EXPECT_EQ(root.train.optimizer.name, "sgd");
  EXPECT_FALSE(root.train.amp);

  // An error in an inherited file names that file, not the child.
  write_file_atomic(dir.file("bad.yaml"), "train:\n  amp: maybe\n");
  write_file_atomic(dir.file("child.yaml"), "_base_: bad.yaml\n");
  const ConfigNode child = load_config({dir.file("child.yaml")});
  EXPECT_NE(error_of([&] { read_config<Root>(&child); }).find(dir.file("bad.yaml")),
            std::string::npos);

  write_file_atomic(dir.file("x.yaml"), "_base_: y.yaml\n");
  write_file_atomic(dir.file("y.yaml"), "_base_: x.yaml\n");
  EXPECT_NE(error_of([&] { load_config_file(dir.file("x.yaml")); }).find("cycle"),
            std::string::npos);
  EXPECT_NE(error_of([&] { load_config_file(dir.file("missing.yaml")); }).find("cannot open"),
            std::string::npos);
  write_file_atomic(dir.file("broken.yaml"), "train: [1, 2\n");
  EXPECT_NE(error_of([&] { load_config_file(dir.file("broken.yaml")); }).find("invalid YAML"),
            std::string::npos);
}

TEST(Config, RoundTripThroughYaml) {
  Root root;
  root.train.optimizer.lr = 1.0 / 3.0;
  root.train.optimizer.betas = {0.1, 0.25};
  root.train.amp = true;
  const std::string yaml = config_to_yaml(write_config(root));
  const ConfigNode tree = parse_config_text(yaml, "roundtrip");
  const Root back = read_config<Root>(&tree);
  EXPECT_EQ(back.train.optimizer.lr, root.train.optimizer.lr);  // exact, not approximate
  EXPECT_EQ(back.train.optimizer.betas, root.train.optimizer.betas);
  EXPECT_TRUE(back.train.amp);
  EXPECT_EQ(config_to_yaml(write_config(back)), yaml);
}

TEST(Config, ShippedConfigsAreValid) {
  const std::string root = test::source_dir() + "/configs";
  int checked = 0;
  // Only the top level holds configs of the run/model/text sections alone. The folders hold
  // fragments (_base_/), LLM prompt sets (describe/, checked by the describe tests) and full
  // run or pre-training configs (checked by the train tests, which know their sections).
  for (const auto& entry : std::filesystem::directory_iterator(root)) {
    if (entry.path().extension() != ".yaml") continue;
    EXPECT_NO_THROW(load_sfar_config({entry.path().string()}, {})) << entry.path();
    ++checked;
  }
  EXPECT_GT(checked, 0);
}

TEST(Config, SavesResolvedConfigIntoWorkDir) {
  test::TempDir dir;
  SfarConfig config = load_sfar_config({}, {"run.work_dir=" + dir.file("run"), "run.seed=7"});
  const std::string path = save_resolved_config(config);
  const SfarConfig back = load_sfar_config({path}, {});
  EXPECT_EQ(back.run.seed, 7);
  EXPECT_EQ(back.run.work_dir, dir.file("run"));
}

}  // namespace
}  // namespace sfar
