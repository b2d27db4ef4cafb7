// SFAR's video-text alignment losses over a batch (docs/method.md, "Loss").
//
// InfoNCE with same-class positives: the batch's texts are the classes of its videos
// (duplicates included). With logits y_b(c) [B, C] and labels c_b,
//   L_v2t = -1/B sum_b 1/|P_b| sum_{j in P_b} log softmax_j y_b(c_j)     (over the batch's texts)
//   L_t2v = the same with the softmax over videos for each text,
//   L = L_v2t + lambda * L_t2v.
// Multi-label batches (Charades) take each video's label set as its positives and the union of
// the batch's classes as texts. Cross-entropy over all C classes is the alternative target.
#pragma once

#include <torch/torch.h>

namespace sfar::method {

struct LossParts {
  torch::Tensor total, video_to_text, text_to_video;
};

// logits [B, C], labels [B] int64.
LossParts info_nce_loss(const torch::Tensor& logits, const torch::Tensor& labels, double lambda = 1.0);

// logits [B, C], targets [B, C] multi-hot (0/1). Videos with no positive are ignored.
LossParts multi_label_info_nce_loss(const torch::Tensor& logits, const torch::Tensor& targets,
                                    double lambda = 1.0);

// Plain cross-entropy over all classes: logits [B, C], labels [B].
torch::Tensor class_cross_entropy(const torch::Tensor& logits, const torch::Tensor& labels);

}  // namespace sfar::method
