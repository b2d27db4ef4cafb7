#include <gtest/gtest.h>

#include <cmath>

#include "sfar/method/alignment_loss.h"

namespace sfar::method {
namespace {

// The METHOD.md formula written out with loops, as the reference.
double reference_loss(const torch::Tensor& logits, const std::vector<std::int64_t>& labels, double lambda) {
  const auto B = static_cast<std::int64_t>(labels.size());
  auto y = [&](std::int64_t b, std::int64_t j) { return logits[b][labels[j]].item<double>(); };
  double v2t = 0, t2v = 0;
  for (std::int64_t b = 0; b < B; ++b) {
    double row = 0, col = 0;
    for (std::int64_t j = 0; j < B; ++j) {
      row += std::exp(y(b, j));
      col += std::exp(y(j, b));
    }
    double pv = 0, pt = 0;
    int n = 0;
    for (std::int64_t j = 0; j < B; ++j) {
      if (labels[j] != labels[b]) continue;
      pv += std::log(std::exp(y(b, j)) / row);
      pt += std::log(std::exp(y(j, b)) / col);
      ++n;
    }
    v2t -= pv / n;
    t2v -= pt / n;
  }
  return v2t / B + lambda * t2v / B;
}

TEST(AlignmentLoss, MatchesTheWrittenOutFormulaWithSameClassPositives) {
  torch::manual_seed(0);
  const auto logits = torch::randn({5, 4}, torch::kFloat64) * 3;
  const std::vector<std::int64_t> labels = {2, 0, 2, 3, 0};
  for (double lambda : {1.0, 0.5}) {
    const auto parts = info_nce_loss(logits, torch::tensor(labels), lambda);
    EXPECT_NEAR(parts.total.item<double>(), reference_loss(logits, labels, lambda), 1e-10);
  }
}

TEST(AlignmentLoss, DistinctLabelsGiveClipsSymmetricLoss) {
  const auto logits = torch::tensor({{5.0, 1.0, 0.0}, {0.5, 4.0, 1.0}}, torch::kFloat64);
  const auto labels = torch::tensor({0, 1});
  const auto parts = info_nce_loss(logits, labels);
  const auto m = logits.index_select(1, labels);
  const auto target = torch::arange(2);
  const double expected = torch::nn::functional::cross_entropy(m, target).item<double>() +
                          torch::nn::functional::cross_entropy(m.t(), target).item<double>();
  EXPECT_NEAR(parts.total.item<double>(), expected, 1e-12);
  EXPECT_LT(info_nce_loss(logits * 10, labels).total.item<double>(), parts.total.item<double>());
}

TEST(AlignmentLoss, MultiLabelReducesToSingleLabelForOneHotTargets) {
  torch::manual_seed(3);
  const auto logits = torch::randn({4, 6}, torch::kFloat64);
  const auto labels = torch::tensor({1, 4, 2, 5});  // distinct: both formulations agree
  const auto targets = torch::zeros({4, 6}, torch::kFloat64).scatter_(1, labels.unsqueeze(1), 1.0);
  EXPECT_NEAR(multi_label_info_nce_loss(logits, targets).total.item<double>(),
              info_nce_loss(logits, labels).total.item<double>(), 1e-12);
  EXPECT_NEAR(class_cross_entropy(logits, labels).item<double>(),
              torch::nn::functional::cross_entropy(logits, labels).item<double>(), 1e-12);
}

}  // namespace
}  // namespace sfar::method
