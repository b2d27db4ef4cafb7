#include "sfar/method/alignment_loss.h"

#include "sfar/core/error.h"

namespace sfar::method {
namespace {

// Mean over rows of -(sum of log-probabilities at positives / number of positives), rows
// without positives left out. log_prob and positive: [R, K].
torch::Tensor mean_positive_nll(const torch::Tensor& log_prob, const torch::Tensor& positive) {
  const auto pos = positive.to(log_prob.dtype());
  const auto count = pos.sum(1);
  const auto has = count > 0;
  const auto per_row = -(log_prob * pos).sum(1) / count.clamp_min(1);
  return per_row.masked_select(has).mean();
}

LossParts combine(const torch::Tensor& matrix, const torch::Tensor& positive, double lambda) {
  LossParts parts;
  parts.video_to_text = mean_positive_nll(torch::log_softmax(matrix, 1), positive);
  parts.text_to_video = mean_positive_nll(torch::log_softmax(matrix, 0).t(), positive.t());
  parts.total = parts.video_to_text + lambda * parts.text_to_video;
  return parts;
}

}  // namespace

LossParts info_nce_loss(const torch::Tensor& logits, const torch::Tensor& labels, double lambda) {
  if (logits.dim() != 2 || labels.dim() != 1 || labels.size(0) != logits.size(0)) {
    throw ArgumentError("info_nce_loss", "expected logits [B, C] and labels [B]");
  }
  // matrix[b, j] = y_b(c_j): video b scored against the class text of video j.
  const auto matrix = logits.index_select(1, labels);
  const auto positive = labels.unsqueeze(1) == labels.unsqueeze(0);
  return combine(matrix, positive, lambda);
}

LossParts multi_label_info_nce_loss(const torch::Tensor& logits, const torch::Tensor& targets,
                                    double lambda) {
  if (logits.sizes() != targets.sizes()) {
    throw ArgumentError("multi_label_info_nce_loss", "logits and targets must both be [B, C]");
  }
  const auto present = targets.sum(0).nonzero().squeeze(1);  // the batch's classes
  const auto matrix = logits.index_select(1, present);
  const auto positive = targets.index_select(1, present) > 0;
  return combine(matrix, positive, lambda);
}

torch::Tensor class_cross_entropy(const torch::Tensor& logits, const torch::Tensor& labels) {
  return torch::nn::functional::cross_entropy(logits, labels);
}

}  // namespace sfar::method
