// Evaluation metrics against numbers worked out by hand.
#include "sfar/eval/metrics.h"

#include <gtest/gtest.h>

#include <cmath>

#include "sfar/core/atomic_file.h"
#include "sfar/core/error.h"
#include "support/test_data.h"

namespace sfar::eval {
namespace {

torch::Tensor rows(std::vector<double> v, std::int64_t cols) {
  return torch::tensor(v, torch::kFloat64).view({-1, cols});
}

torch::Tensor ids(std::vector<std::int64_t> v) { return torch::tensor(v, torch::kInt64); }

// 4 videos, 3 classes: video 0 right, 1 wrong (predicted 0), 2 right, 3 wrong (predicted 0).
ClassificationResult four_videos() {
  return classify(rows({0.7, 0.2, 0.1, 0.5, 0.3, 0.2, 0.1, 0.1, 0.8, 0.6, 0.3, 0.1}, 3), ids({0, 1, 2, 2}));
}

TEST(Metrics, AccuracyAndConfusionByHand) {
  const auto r = four_videos();
  EXPECT_DOUBLE_EQ(r.top1, 50.0);
  EXPECT_DOUBLE_EQ(r.top5, 100.0);  // k capped at 3 classes
  EXPECT_EQ(r.class_count, (std::vector<std::int64_t>{1, 1, 2}));
  EXPECT_EQ(r.class_correct, (std::vector<std::int64_t>{1, 0, 1}));
  EXPECT_EQ(r.confusion, (std::vector<std::int64_t>{1, 0, 0,    // true 0
                                                    1, 0, 0,    // true 1
                                                    1, 0, 1})); // true 2
  EXPECT_DOUBLE_EQ(r.class_accuracy(2), 0.5);
  EXPECT_DOUBLE_EQ(r.mean_class_accuracy, 50.0);  // (100 + 0 + 50) / 3
  // Without video 1 class 1 is absent: top-1 2/3, mean class (100 + 50) / 2.
  const auto r2 = classify(rows({0.7, 0.2, 0.1, 0.1, 0.1, 0.8, 0.6, 0.3, 0.1}, 3), ids({0, 2, 2}));
  EXPECT_NEAR(r2.top1, 200.0 / 3, 1e-12);
  EXPECT_DOUBLE_EQ(r2.mean_class_accuracy, 75.0);
  EXPECT_TRUE(std::isnan(r2.class_accuracy(1)));
}

TEST(Metrics, TopFiveAndTiesByHand) {
  // 6 classes, scores falling with the index. Label 4 ranks 5th (top-5 hit), label 5 ranks
  // 6th (miss). The last video ties classes 0 and 1: the lower index wins, so label 1 misses
  // top-1 but is 2nd.
  const auto r = classify(rows({0.6, 0.5, 0.4, 0.3, 0.2, 0.1,  //
                                0.6, 0.5, 0.4, 0.3, 0.2, 0.1,  //
                                0.5, 0.5, 0.0, 0.0, 0.0, 0.0},
                               6),
                          ids({4, 5, 1}));
  EXPECT_DOUBLE_EQ(r.top1, 0.0);
  EXPECT_NEAR(r.top5, 200.0 / 3, 1e-12);
  EXPECT_EQ(r.confusion[1 * 6 + 0], 1);  // true 1 predicted 0
  // Ties with the true class below it rank it behind: all six equal, label 5 is 6th.
  EXPECT_DOUBLE_EQ(classify(torch::zeros({1, 6}), ids({5})).top5, 0.0);
  EXPECT_DOUBLE_EQ(classify(torch::zeros({1, 6}), ids({4})).top5, 100.0);
}

TEST(Metrics, BadInputNamesTheValue) {
  try {
    classify(rows({0.1, 0.9}, 2), ids({2}));
    FAIL() << "expected ArgumentError";
  } catch (const ArgumentError& e) {
    EXPECT_NE(e.where().find("video 0"), std::string::npos) << e.where();
    EXPECT_EQ(e.value(), "2");
  }
  EXPECT_THROW(classify(torch::zeros({2, 3}), ids({0})), ArgumentError);
  EXPECT_THROW(mean_average_precision(torch::zeros({2, 3}), torch::zeros({2, 3})), ArgumentError);
}

TEST(Metrics, AveragePrecisionByHand) {
  // Class 0: ranked pos, neg, pos, neg -> precisions 1 and 2/3 -> AP 5/6.
  // Class 1: ranked neg (0.8), pos (0.4), pos (0.35), neg -> precisions 1/2, 2/3 -> AP 7/12.
  // Class 2: no positives, left out.  mAP = (5/6 + 7/12) / 2 = 17/24.
  const auto scores = rows({0.9, 0.1, 0.3,  //
                            0.8, 0.4, 0.2,  //
                            0.7, 0.35, 0.1, //
                            0.6, 0.8, 0.9},
                           3);
  const auto targets = rows({1, 0, 0, 0, 1, 0, 1, 1, 0, 0, 0, 0}, 3);
  const auto ap = average_precision_per_class(scores, targets);
  EXPECT_NEAR(ap[0], 5.0 / 6, 1e-12);
  EXPECT_NEAR(ap[1], 7.0 / 12, 1e-12);
  EXPECT_TRUE(std::isnan(ap[2]));
  EXPECT_NEAR(mean_average_precision(scores, targets), 100.0 * 17 / 24, 1e-10);
}

TEST(Metrics, AveragePrecisionTiesFormOneThreshold) {
  // Scores 0.5, 0.5, 0.2 with one positive among the tied pair: the pair is one threshold
  // (precision 1/2, recall 1/2), then 0.2 (precision 2/3, recall 1): AP = 1/4 + 1/3 = 7/12,
  // whichever of the pair is the positive.
  EXPECT_NEAR(average_precision({0.5, 0.5, 0.2}, {false, true, true}), 7.0 / 12, 1e-12);
  EXPECT_NEAR(average_precision({0.5, 0.5, 0.2}, {true, false, true}), 7.0 / 12, 1e-12);
  EXPECT_DOUBLE_EQ(average_precision({0.3, 0.2}, {true, true}), 1.0);
  EXPECT_TRUE(std::isnan(average_precision({0.3}, {false})));
}

TEST(Metrics, CsvWriters) {
  test::TempDir dir;
  const auto r = four_videos();
  const std::vector<std::string> names = {"arm wrestling", "cleaning, pool", "applying \"eye\" makeup"};
  write_per_class_accuracy_csv(dir.file("sub/per_class_accuracy.csv"), r, names);
  EXPECT_EQ(read_file(dir.file("sub/per_class_accuracy.csv")),
            "id,name,count,accuracy\n0,arm wrestling,1,100\n1,\"cleaning, pool\",1,0\n"
            "2,\"applying \"\"eye\"\" makeup\",2,50\n");
  write_confusion_matrix_csv(dir.file("confusion_matrix.csv"), r, names);
  EXPECT_EQ(read_file(dir.file("confusion_matrix.csv")),
            "true\\pred,arm wrestling,\"cleaning, pool\",\"applying \"\"eye\"\" makeup\"\n"
            "arm wrestling,1,0,0\n\"cleaning, pool\",1,0,0\n\"applying \"\"eye\"\" makeup\",1,0,1\n");
  // A class without videos has an empty accuracy.
  const auto absent = classify(rows({0.9, 0.1}, 2), ids({0}));
  write_per_class_accuracy_csv(dir.file("a.csv"), absent, {"x", "y"});
  EXPECT_EQ(read_file(dir.file("a.csv")), "id,name,count,accuracy\n0,x,1,100\n1,y,0,\n");
  try {
    write_per_class_accuracy_csv(dir.file("b.csv"), absent, {"x"});
    FAIL() << "expected ArgumentError";
  } catch (const ArgumentError& e) {
    EXPECT_EQ(e.where(), dir.file("b.csv"));
    EXPECT_EQ(e.value(), "1");
  }
}

}  // namespace
}  // namespace sfar::eval
