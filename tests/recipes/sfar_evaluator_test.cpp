// recipes::evaluate_checkpoint and SfarEvaluator (sfar_runner.h, sfar_evaluator.h) in-process:
// an evaluation needs neither an optimizer nor the training list, and the weights of a
// training run's last checkpoint give exactly the evaluation that run logged after its last
// epoch, for a single-label set (top-1, tables) and a multi-label one (mAP, a continuous score).
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "sfar/core/atomic_file.h"
#include "sfar/core/error.h"
#include "sfar/engine/checkpoint.h"
#include "sfar/recipes/sfar_run_config.h"
#include "sfar/recipes/sfar_runner.h"
#include "support/test_data.h"
#include "support/tiny_run.h"

namespace sfar::recipes {
namespace {

namespace fs = std::filesystem;

class SfarEvaluation : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::vector<std::string> names = {"a.mp4", "b.mp4", "c.avi", "d.mp4", "e.mp4", "f.avi"};
    root_ = test::make_tiny_videos(dir_, test::reference_path("videos"), names, "train.txt");
    write_file_atomic(root_ + "/val.txt", "a.mp4 0\ne.mp4 1\nf.avi 2\n");
    write_file_atomic(root_ + "/ml_train.txt", "a.mp4 0,2\nb.mp4 1\nc.avi 2\nd.mp4 0\ne.mp4 1,0\nf.avi 2,1\n");
    write_file_atomic(root_ + "/ml_val.txt", "a.mp4 0\ne.mp4 1,2\nf.avi 2\n");
    path_ = test::TinyRun(root_, "train.txt", dir_.file("labels.csv")).work_dir(dir_.file("run")).seed(7).epochs(2)
                .write(dir_.file("tiny.yaml"));
  }

  SfarRunConfig config(const std::vector<std::string>& overrides) const {
    return load_sfar_run_config({path_}, overrides);
  }

  test::TempDir dir_;
  std::string root_, path_;
};

TEST_F(SfarEvaluation, ACheckpointEvaluatesAsTheRunDidWithoutTheTrainingList) {
  RunTrainingOptions train;
  train.record_epochs = true;
  const TrainingResult run = run_training(config({"eval.list=val.txt"}), train);
  ASSERT_EQ(run.evals.size(), 2u);
  ASSERT_TRUE(run.last_result);
  const std::string checkpoint = engine::CheckpointDir(run.checkpoint_dir, 3).path_for_step(run.steps);

  // data.list names no file: evaluation must never open it.
  const SfarRunConfig no_train_list = config({"eval.list=val.txt", "data.list=" + dir_.file("missing.txt")});
  EvaluateOptions options;
  options.checkpoint = checkpoint;
  options.work_dir = dir_.file("eval");
  fs::create_directories(options.work_dir);
  const EvaluationResult e = evaluate_checkpoint(no_train_list, options);
  EXPECT_EQ(e.step, run.steps);
  EXPECT_EQ(e.step, 4);
  const auto& logged = run.evals.back().metrics;
  for (const char* key : {"top1", "top5", "mean_class_accuracy", "videos"}) {
    ASSERT_TRUE(e.metrics.count(key)) << key;
    EXPECT_DOUBLE_EQ(e.metrics.at(key), logged.at(key)) << key;
  }
  // The tables are the ones the run's last evaluation gives.
  const EvalTables expected = write_eval_tables(run.last_result, run.class_names, run.work_dir);
  EXPECT_EQ(e.per_class_accuracy, options.work_dir + "/per_class_accuracy.csv");
  EXPECT_EQ(read_file(e.per_class_accuracy), read_file(expected.per_class_accuracy));
  EXPECT_EQ(read_file(e.confusion_matrix), read_file(expected.confusion_matrix));

  // Without a checkpoint: model.weights as loaded, step 0.
  EvaluateOptions weights_only = options;
  weights_only.checkpoint.clear();
  EXPECT_EQ(evaluate_checkpoint(no_train_list, weights_only).step, 0);
}

TEST_F(SfarEvaluation, AMultiLabelCheckpointGivesTheLoggedMap) {
  const std::vector<std::string> ml = {"data.multi_label=true", "data.list=ml_train.txt", "eval.list=ml_val.txt",
                                       "loss.type=infonce"};
  RunTrainingOptions train;
  train.record_epochs = true;
  const TrainingResult run = run_training(config(ml), train);
  ASSERT_EQ(run.evals.size(), 2u);
  EXPECT_FALSE(run.last_result);  // mAP only

  auto overrides = ml;
  overrides.push_back("data.list=" + dir_.file("missing.txt"));
  EvaluateOptions options;
  options.checkpoint = engine::CheckpointDir(run.checkpoint_dir, 3).path_for_step(run.steps);
  options.work_dir = dir_.file("eval");
  options.run_dir = true;  // as a protocol's evaluation-only run: the evaluation in metrics.jsonl
  const EvaluationResult e = evaluate_checkpoint(config(overrides), options);
  ASSERT_TRUE(e.metrics.count("mAP"));
  EXPECT_FALSE(e.metrics.count("top1"));
  EXPECT_DOUBLE_EQ(e.metrics.at("mAP"), run.evals.back().metrics.at("mAP"));
  EXPECT_TRUE(e.per_class_accuracy.empty());
  EXPECT_NE(read_file(options.work_dir + "/metrics.jsonl").find("\"mAP\""), std::string::npos);
}

TEST_F(SfarEvaluation, NoEvaluationListIsAConfigErrorNamingIt) {
  try {
    evaluate_checkpoint(config({}));
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.where(), "eval.list");
  }
}

}  // namespace
}  // namespace sfar::recipes
