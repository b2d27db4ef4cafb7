#include "sfar/recipes/loss_targets.h"

#include "sfar/core/error.h"
#include "sfar/eval/metrics.h"
#include "sfar/method/alignment_loss.h"

namespace sfar::recipes {

torch::Tensor training_loss(const torch::Tensor& logits, const torch::Tensor& labels, const LossConfig& loss) {
  if (logits.dim() != 2) throw ArgumentError("training loss", "expected logits [B, C]", c10::str(logits.sizes()));
  const bool multi_hot = labels.dim() == 2;
  if (multi_hot && labels.sizes() != logits.sizes()) {
    throw ArgumentError("training loss", "multi-hot targets must match the logits " + c10::str(logits.sizes()),
                        c10::str(labels.sizes()));
  }
  if (!multi_hot && (labels.dim() != 1 || labels.size(0) != logits.size(0))) {
    throw ArgumentError("training loss", "expected labels [B] or multi-hot targets [B, C]", c10::str(labels.sizes()));
  }
  if (loss.type == LossType::kBce) {
    const auto targets = multi_hot ? labels.to(logits.scalar_type())
                                   : torch::one_hot(labels, logits.size(1)).to(logits.scalar_type());
    return torch::binary_cross_entropy_with_logits(logits, targets);
  }
  if (loss.type == LossType::kCe) {
    if (multi_hot) throw ArgumentError("loss.type", "ce needs one label per video; use infonce or bce", "ce");
    return method::class_cross_entropy(logits, labels);
  }
  if (multi_hot) return method::multi_label_info_nce_loss(logits, labels, loss.lambda).total;
  return method::info_nce_loss(logits, labels, loss.lambda).total;
}

torch::Tensor class_scores(const torch::Tensor& logits, LossType loss_type) {
  return loss_type == LossType::kBce ? logits.sigmoid() : logits.softmax(-1);
}

std::map<std::string, double> multi_label_metrics(const torch::Tensor& scores, const torch::Tensor& targets) {
  return {{"mAP", eval::mean_average_precision(scores, targets)}};
}

}  // namespace sfar::recipes
