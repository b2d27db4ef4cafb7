// The training target of a batch and the scores evaluation ranks, for single-label sets
// (labels [B]) and multi-label sets such as Charades (data.multi_label: labels [B, C] multi-hot).
//
//   loss.type   single-label labels [B]             multi-label targets [B, C]
//   infonce     same-class positives (METHOD.md)     every true class of a video is a positive
//   ce          cross-entropy over all classes       (rejected when the config is loaded)
//   bce         binary cross-entropy, one-hot        binary cross-entropy per class
//
//   const auto loss = training_loss(out.logits, batch.labels, config.loss);
//   const auto scores = class_scores(out.logits, config.loss.type);      // [B, C]
//   const auto metrics = multi_label_metrics(scores, targets);          // {"mAP": ...}
#pragma once

#include <torch/torch.h>

#include <map>
#include <string>

#include "sfar/recipes/sfar_run_config.h"

namespace sfar::recipes {

// logits [B, C]; labels [B] int64 or [B, C] multi-hot (any floating type). A scalar loss.
// Throws ArgumentError for mismatched shapes or ce with multi-hot targets.
torch::Tensor training_loss(const torch::Tensor& logits, const torch::Tensor& labels, const LossConfig& loss);

// Per-class scores of logits [B, C]: sigmoid for bce (each class judged alone, as trained),
// softmax otherwise. Both keep each video's class ranking.
torch::Tensor class_scores(const torch::Tensor& logits, LossType loss_type);

// {"mAP": mean over classes with positives of the per-class average precision, in percent}
// of scores [N, C] against multi-hot targets [N, C] (eval::mean_average_precision).
std::map<std::string, double> multi_label_metrics(const torch::Tensor& scores, const torch::Tensor& targets);

}  // namespace sfar::recipes
