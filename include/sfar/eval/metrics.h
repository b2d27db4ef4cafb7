// Evaluation metrics of video classification: top-1/top-5, mean class accuracy, per-class
// accuracy and the confusion matrix from scores [N, C] and labels [N]; mean average precision
// (mAP) of multi-label targets [N, C]; CSV writers for the per-class table and the matrix.
//
//   const auto r = eval::classify(scores, labels);   // r.top1 in percent
//   eval::write_per_class_accuracy_csv(dir + "/per_class_accuracy.csv", r, class_names);
//
// Ties are broken deterministically: among equal scores the lower class index ranks first.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace sfar::eval {

struct ClassificationResult {
  std::int64_t num_classes = 0;
  std::int64_t num_videos = 0;
  double top1 = 0;                           // percent of videos
  double top5 = 0;                           // percent; k capped at the class count
  double mean_class_accuracy = 0;            // percent, over classes present in the labels
  std::vector<std::int64_t> class_count;     // [C] videos per true class
  std::vector<std::int64_t> class_correct;   // [C] of them predicted right (top-1)
  std::vector<std::int64_t> confusion;       // [C * C] row-major: [true class][predicted class]

  // Top-1 accuracy of class c as a fraction; NaN when the class has no videos.
  double class_accuracy(std::int64_t c) const;
  // {"top1", "top5", "mean_class_accuracy"}, in percent.
  std::map<std::string, double> summary() const;
};

// scores [N, C] (any floating type) against labels [N] (integers in [0, C)). Throws
// ArgumentError naming the bad shape or label.
ClassificationResult classify(const torch::Tensor& scores, const torch::Tensor& labels);

// Average precision of one class (as sklearn's average_precision_score): the precision at
// each distinct score threshold, weighted by the recall it adds; tied scores form one
// threshold. NaN when there are no positives.
double average_precision(const std::vector<double>& scores, const std::vector<bool>& positive);

// Per-class AP of scores [N, C] against 0/1 targets [N, C]; NaN for classes without positives.
std::vector<double> average_precision_per_class(const torch::Tensor& scores, const torch::Tensor& targets);

// Mean of the per-class APs over classes that have positives, in percent. Throws
// ArgumentError when no class has a positive.
double mean_average_precision(const torch::Tensor& scores, const torch::Tensor& targets);

// `id,name,count,accuracy` per class (accuracy in percent, empty for classes without videos).
// `class_names` must hold num_classes names. Written atomically; throws IoError/ArgumentError.
void write_per_class_accuracy_csv(const std::string& path, const ClassificationResult& result,
                                  const std::vector<std::string>& class_names);

// Header `true\pred,<name 0>,...`, then one row per true class: its name and its counts.
void write_confusion_matrix_csv(const std::string& path, const ClassificationResult& result,
                                const std::vector<std::string>& class_names);

}  // namespace sfar::eval
