#include "sfar/method/tpp.h"

#include "sfar/core/error.h"

namespace F = torch::nn::functional;

namespace sfar::method {

TppScore text_prompt_perplexity(const torch::Tensor& global, const torch::Tensor& subs) {
  if (global.dim() != 1 || subs.dim() != 2 || subs.size(1) != global.size(0)) {
    throw ArgumentError("tpp", "expected a global embedding [D] and sub-text embeddings [N, D]");
  }
  const auto N = subs.size(0);
  if (N < 2) throw ArgumentError("tpp", "needs at least two sub-texts", std::to_string(N));
  const auto t = F::normalize(global.to(torch::kFloat64), F::NormalizeFuncOptions().dim(0));
  const auto s = F::normalize(subs.to(torch::kFloat64), F::NormalizeFuncOptions().dim(1));
  const auto sigma = s.matmul(t);                                     // [N]
  const auto pair = s.matmul(s.t());                                  // [N, N]
  const auto delta = (pair.sum(1) - pair.diagonal()) / static_cast<double>(N - 1);
  const auto tpp = 100.0 * (sigma * (1 - delta * delta)).mean();
  TppScore score;
  for (std::int64_t n = 0; n < N; ++n) {
    score.sigma.push_back(sigma[n].item<double>());
    score.delta.push_back(delta[n].item<double>());
  }
  score.tpp = tpp.item<double>();
  return score;
}

std::vector<std::size_t> select_per_class(const std::vector<std::vector<TppScore>>& scores) {
  std::vector<std::size_t> chosen;
  for (std::size_t c = 0; c < scores.size(); ++c) {
    if (scores[c].empty()) throw ArgumentError("tpp", "class without candidate sets", std::to_string(c));
    std::size_t best = 0;
    for (std::size_t s = 1; s < scores[c].size(); ++s) {
      if (scores[c][s].tpp > scores[c][best].tpp) best = s;
    }
    chosen.push_back(best);
  }
  return chosen;
}

std::size_t select_for_dataset(const std::vector<std::vector<TppScore>>& scores) {
  if (scores.empty()) throw ArgumentError("tpp", "no classes");
  std::size_t sets = scores[0].size();
  for (const auto& per_class : scores) sets = std::min(sets, per_class.size());
  for (std::size_t c = 0; c < scores.size(); ++c) {
    if (scores[c].size() != scores[0].size()) {
      throw ArgumentError("tpp", "dataset-wide selection needs the same number of sets for every class",
                          "class " + std::to_string(c));
    }
  }
  std::size_t best = 0;
  double best_mean = -1e300;
  for (std::size_t s = 0; s < sets; ++s) {
    double sum = 0;
    for (const auto& per_class : scores) sum += per_class[s].tpp;
    const double mean = sum / static_cast<double>(scores.size());
    if (mean > best_mean) {
      best_mean = mean;
      best = s;
    }
  }
  return best;
}

}  // namespace sfar::method
