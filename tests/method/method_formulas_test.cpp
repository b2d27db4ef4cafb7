// SFAR's equations (docs/method.md) written out one class, one video and one word at a
// time with plain tensor ops, on small random inputs in float64, against sfar's batched code:
// the coarse branch with live attention, the FFN fusion of both branches with the class logits,
// and the multi-label InfoNCE loss with overlapping label sets. Padding tokens carry large
// values, so any mask that stops working changes the result.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "sfar/method/alignment_loss.h"
#include "sfar/method/video_head.h"

namespace sfar::method {
namespace {

using torch::indexing::Slice;

constexpr std::int64_t kDim = 16;
const auto kF64 = torch::TensorOptions().dtype(torch::kFloat64);

// C classes, N sub-texts; each text has its own number of real tokens, the rest is padding.
TextBank random_bank(std::int64_t C, std::int64_t N) {
  const std::int64_t Lg = 5, Ls = 4;
  TextBank bank;
  bank.global_tokens = 2.0 * torch::randn({C, Lg, kDim}, kF64);
  bank.sub_tokens = 2.0 * torch::randn({C, N, Ls, kDim}, kF64);
  bank.global_mask = torch::zeros({C, Lg}, torch::kBool);
  bank.sub_mask = torch::zeros({C, N, Ls}, torch::kBool);
  for (std::int64_t c = 0; c < C; ++c) {
    bank.global_mask[c].narrow(0, 0, 2 + c % (Lg - 1)).fill_(true);
    for (std::int64_t n = 0; n < N; ++n) bank.sub_mask[c][n].narrow(0, 0, 1 + (c + n) % Ls).fill_(true);
  }
  // Padding that would dominate any sum or softmax it leaked into.
  bank.global_tokens.masked_fill_(bank.global_mask.logical_not().unsqueeze(-1), 50.0);
  bank.sub_tokens.masked_fill_(bank.sub_mask.logical_not().unsqueeze(-1), -50.0);
  bank.global_embed = torch::randn({C, kDim}, kF64);
  bank.sub_embed = torch::randn({C, N, kDim}, kF64);
  return bank;
}

// The rows of `tokens` [L, D] that `mask` [L] marks real.
torch::Tensor real_rows(const torch::Tensor& tokens, const torch::Tensor& mask) {
  return tokens.index({mask});
}

double cosine(const torch::Tensor& a, const torch::Tensor& b) {
  return (a.dot(b) / (a.norm() * b.norm())).item<double>();
}

// softmax over a std::vector of scores, written out.
std::vector<double> softmax_of(const std::vector<double>& x) {
  double m = x[0];
  for (double v : x) m = std::max(m, v);
  double sum = 0;
  std::vector<double> e(x.size());
  for (std::size_t i = 0; i < x.size(); ++i) sum += (e[i] = std::exp(x[i] - m));
  for (auto& v : e) v /= sum;
  return e;
}

// The attention inside the coarse branch for class c: T^_c = T_c + softmax(Q K^T / sqrt(d)) V,
// over the class's real global tokens and every real token of its sub-texts.
torch::Tensor reference_augmented(const CoarseBranchImpl& coarse, const TextBank& bank, std::int64_t c) {
  const auto global = real_rows(bank.global_tokens[c], bank.global_mask[c]);  // [Wc, D]
  std::vector<torch::Tensor> sub_rows;
  for (std::int64_t n = 0; n < bank.num_subtexts(); ++n) {
    sub_rows.push_back(real_rows(bank.sub_tokens[c][n], bank.sub_mask[c][n]));
  }
  const auto subs = torch::cat(sub_rows, 0);  // [K, D]
  const auto q = torch::mm(global, coarse.w_q->weight.t());
  const auto k = torch::mm(subs, coarse.w_k->weight.t());
  const auto v = torch::mm(subs, coarse.w_v->weight.t());
  auto augmented = global.clone();
  for (std::int64_t w = 0; w < global.size(0); ++w) {
    std::vector<double> scores;
    for (std::int64_t j = 0; j < subs.size(0); ++j) {
      scores.push_back(q[w].dot(k[j]).item<double>() / std::sqrt(static_cast<double>(kDim)));
    }
    const auto a = softmax_of(scores);
    for (std::int64_t j = 0; j < subs.size(0); ++j) augmented[w] += a[j] * v[j];
  }
  return augmented;
}

// a^coarse_l = mean over words w of softmax_l(cos(w, v_l) / tau); o = sum_l a_l v_l.
// frames [T, D] -> (weights [T], video [D]) for class c.
std::pair<torch::Tensor, torch::Tensor> reference_coarse(const CoarseBranchImpl& coarse, const TextBank& bank,
                                                         std::int64_t c, const torch::Tensor& frames, double tau) {
  const auto words = reference_augmented(coarse, bank, c);
  const auto T = frames.size(0);
  auto weights = torch::zeros({T}, kF64);
  for (std::int64_t w = 0; w < words.size(0); ++w) {
    std::vector<double> sims;
    for (std::int64_t l = 0; l < T; ++l) sims.push_back(cosine(words[w], frames[l]) / tau);
    const auto a = softmax_of(sims);
    for (std::int64_t l = 0; l < T; ++l) weights[l] += a[l] / static_cast<double>(words.size(0));
  }
  auto video = torch::zeros({kDim}, kF64);
  for (std::int64_t l = 0; l < T; ++l) video += weights[l] * frames[l];
  return {weights, video};
}

// m_{l,n} = mean over the words s of sub-text n of cos(v_l, s); a_l = softmax_l(max_n m_{l,n} / tau).
torch::Tensor reference_fine_video(const TextBank& bank, std::int64_t c, const torch::Tensor& frames, double tau) {
  const auto T = frames.size(0);
  std::vector<double> best(T, -1e300);
  for (std::int64_t n = 0; n < bank.num_subtexts(); ++n) {
    const auto words = real_rows(bank.sub_tokens[c][n], bank.sub_mask[c][n]);
    for (std::int64_t l = 0; l < T; ++l) {
      double m = 0;
      for (std::int64_t s = 0; s < words.size(0); ++s) m += cosine(frames[l], words[s]);
      best[l] = std::max(best[l], m / static_cast<double>(words.size(0)));
    }
  }
  for (auto& b : best) b /= tau;
  const auto a = softmax_of(best);
  auto video = torch::zeros({kDim}, kF64);
  for (std::int64_t l = 0; l < T; ++l) video += a[l] * frames[l];
  return video;
}

// FFN(x) = x + W2 GELU(W1 x + b1) + b2, GELU(z) = z Phi(z) with the exact normal CDF.
torch::Tensor reference_ffn(const ResidualFfnImpl& ffn, const torch::Tensor& x) {
  const auto z = torch::mv(ffn.fc1->weight, x) + ffn.fc1->bias;
  const auto gelu = z * 0.5 * (1.0 + torch::erf(z / std::sqrt(2.0)));
  return x + torch::mv(ffn.fc2->weight, gelu) + ffn.fc2->bias;
}

TEST(MethodFormulas, CoarseBranchWithLiveAttentionMatchesTheWrittenOutEquation) {
  torch::manual_seed(11);
  const auto bank = random_bank(3, 2);
  const double tau = 0.3;
  CoarseBranch coarse(kDim, tau, /*residual=*/true);
  coarse->to(torch::kFloat64);
  const auto frames = torch::randn({2, 5, kDim}, kF64);
  const auto out = coarse->forward(frames, bank);
  ASSERT_EQ(out.weights.sizes(), (std::vector<std::int64_t>{2, 3, 5}));

  // The attention is live: the sub-texts move the global tokens, by a weighting that is neither
  // uniform nor concentrated on one token.
  const auto moved = (reference_augmented(*coarse, bank, 0) - real_rows(bank.global_tokens[0], bank.global_mask[0]));
  EXPECT_GT(moved.abs().max().item<double>(), 0.1);
  for (std::int64_t c = 0; c < 3; ++c) {
    for (std::int64_t b = 0; b < 2; ++b) {
      const auto [weights, video] = reference_coarse(*coarse, bank, c, frames[b], tau);
      EXPECT_TRUE(torch::allclose(out.weights[b][c], weights, 1e-10, 1e-12)) << "class " << c << " video " << b;
      EXPECT_TRUE(torch::allclose(out.video[b][c], video, 1e-10, 1e-12)) << "class " << c << " video " << b;
    }
  }
}

TEST(MethodFormulas, CoarseAttentionWeightsAreNeitherUniformNorOneHot) {
  // Guards the test above: with these inputs a softmax on the wrong axis or without the
  // 1/sqrt(d) scale gives other numbers, which it could not if the attention were degenerate.
  torch::manual_seed(11);
  const auto bank = random_bank(3, 2);
  CoarseBranch coarse(kDim, 0.3, true);
  coarse->to(torch::kFloat64);
  const auto global = real_rows(bank.global_tokens[1], bank.global_mask[1]);
  std::vector<torch::Tensor> rows;
  for (std::int64_t n = 0; n < 2; ++n) rows.push_back(real_rows(bank.sub_tokens[1][n], bank.sub_mask[1][n]));
  const auto subs = torch::cat(rows, 0);
  const auto scores = torch::mm(torch::mm(global, coarse->w_q->weight.t()),
                                torch::mm(subs, coarse->w_k->weight.t()).t()) / std::sqrt(double(kDim));
  const auto a = torch::softmax(scores, -1);
  EXPECT_GT(a.max().item<double>(), 1.5 / static_cast<double>(subs.size(0)));
  EXPECT_LT(a.max().item<double>(), 0.95);
}

TEST(MethodFormulas, FfnFusionAndClassLogitsMatchTheWrittenOutEquation) {
  torch::manual_seed(12);
  const auto bank = random_bank(3, 2);
  for (const HeadFusion fusion : {HeadFusion::kSum, HeadFusion::kConcat}) {
    HeadOptions options;
    options.type = HeadType::kSfar;
    options.fusion = fusion;
    options.tau_coarse = 0.3;
    options.tau_fine = 0.2;
    VideoHead head(options, kDim);
    head->to(torch::kFloat64);
    {
      // fc2 starts at zero (an identity FFN); give every FFN weight a value.
      torch::NoGradGuard no_grad;
      for (auto& p : head->parameters()) p.normal_(0.0, 0.3);
    }
    const auto frames = torch::randn({2, 4, kDim}, kF64);
    const auto out = head->forward(frames, bank);
    const auto logit_scale = torch::tensor(std::log(20.0), kF64);
    const auto logits = class_logits(out.video, bank.global_embed, logit_scale);
    for (std::int64_t b = 0; b < 2; ++b) {
      for (std::int64_t c = 0; c < 3; ++c) {
        const auto coarse_video = reference_coarse(*head->coarse, bank, c, frames[b], options.tau_coarse).second;
        const auto fine_video = reference_fine_video(bank, c, frames[b], options.tau_fine);
        const auto oc = reference_ffn(*head->ffn_coarse, coarse_video);
        const auto of = reference_ffn(*head->ffn_fine, fine_video);
        const auto o = fusion == HeadFusion::kSum
                           ? oc + of
                           : torch::mv(head->fuse->weight, torch::cat({oc, of})) + head->fuse->bias;
        EXPECT_TRUE(torch::allclose(out.video[b][c], o, 1e-10, 1e-12)) << static_cast<int>(fusion) << " class " << c << " video " << b;
        // y_c = s cos(o_c, t_c), s = exp(logit_scale) = 20 here (below the cap of 100).
        EXPECT_NEAR(logits[b][c].item<double>(), 20.0 * cosine(o, bank.global_embed[c]), 1e-10) << static_cast<int>(fusion);
      }
    }
  }
}

TEST(MethodFormulas, LogitScaleIsCappedAtOneHundred) {
  const auto video = torch::tensor({{{1.0, 0.0}}}, kF64);  // [1, 1, 2]
  const auto text = torch::tensor({{1.0, 1.0}}, kF64);      // cos = 1/sqrt(2)
  const auto logits = class_logits(video, text, torch::tensor(std::log(500.0), kF64));
  EXPECT_NEAR(logits.item<double>(), 100.0 / std::sqrt(2.0), 1e-12);
}

// METHOD.md's loss for multi-label sets, written out: texts are the classes present in the
// batch; video b's positives are its labels, text k's positives are the videos carrying k.
double reference_multi_label(const torch::Tensor& logits, const torch::Tensor& targets, double lambda) {
  const auto B = logits.size(0), C = logits.size(1);
  std::vector<std::int64_t> texts;
  for (std::int64_t k = 0; k < C; ++k) {
    if (targets.select(1, k).sum().item<double>() > 0) texts.push_back(k);
  }
  auto y = [&](std::int64_t b, std::int64_t k) { return logits[b][k].item<double>(); };
  auto positive = [&](std::int64_t b, std::int64_t k) { return targets[b][k].item<double>() > 0; };
  double v2t = 0;
  int videos = 0;
  for (std::int64_t b = 0; b < B; ++b) {
    double norm = 0, sum = 0;
    int n = 0;
    for (auto k : texts) norm += std::exp(y(b, k));
    for (auto k : texts) {
      if (!positive(b, k)) continue;
      sum += std::log(std::exp(y(b, k)) / norm);
      ++n;
    }
    if (n == 0) continue;  // a video without labels has no positive: left out
    v2t -= sum / n;
    ++videos;
  }
  double t2v = 0;
  for (auto k : texts) {
    double norm = 0, sum = 0;
    int n = 0;
    for (std::int64_t b = 0; b < B; ++b) norm += std::exp(y(b, k));
    for (std::int64_t b = 0; b < B; ++b) {
      if (!positive(b, k)) continue;
      sum += std::log(std::exp(y(b, k)) / norm);
      ++n;
    }
    t2v -= sum / n;
  }
  return v2t / videos + lambda * t2v / static_cast<double>(texts.size());
}

TEST(MethodFormulas, MultiLabelLossWithOverlappingLabelSetsMatchesTheWrittenOutFormula) {
  torch::manual_seed(13);
  const auto logits = 3.0 * torch::randn({5, 7}, kF64);
  // Videos share labels (class 1 in three videos, class 4 in two), one video has no label, and
  // classes 0 and 6 appear in no video (not among the batch's texts).
  const auto targets = torch::tensor({{0, 1, 0, 0, 1, 0, 0},
                                      {0, 1, 1, 0, 0, 0, 0},
                                      {0, 0, 0, 0, 0, 0, 0},
                                      {0, 1, 0, 1, 1, 1, 0},
                                      {0, 0, 1, 0, 0, 0, 0}}, kF64);
  for (double lambda : {1.0, 0.3}) {
    const auto parts = multi_label_info_nce_loss(logits, targets, lambda);
    EXPECT_NEAR(parts.total.item<double>(), reference_multi_label(logits, targets, lambda), 1e-10) << lambda;
  }
  // The label sets overlap, so the single-label loss of any one label per video differs.
  const auto first_label = targets.argmax(1);
  EXPECT_GT(std::abs(info_nce_loss(logits, first_label).total.item<double>() -
                     multi_label_info_nce_loss(logits, targets).total.item<double>()),
            1e-3);
}

}  // namespace
}  // namespace sfar::method
