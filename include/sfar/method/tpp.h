// Text Prompt Perplexity (METHOD.md, "TPP"): how well a candidate set of sub-texts describes
// a class. For class embedding t and sub-text embeddings s_1..s_N:
//   sigma_n = cos(t, s_n)                         relevance to the global text
//   delta_n = mean_{n' != n} cos(s_n, s_n')       redundancy with the other sub-texts
//   TPP     = 100 * mean_n sigma_n * (1 - delta_n^2)
#pragma once

#include <torch/torch.h>

#include <vector>

namespace sfar::method {

struct TppScore {
  std::vector<double> sigma, delta;  // per sub-text
  double tpp = 0;
};

// global [D], subs [N, D] (N >= 2).
TppScore text_prompt_perplexity(const torch::Tensor& global, const torch::Tensor& subs);

// Per class, the index of the candidate set with the highest TPP. scores[c][s].
std::vector<std::size_t> select_per_class(const std::vector<std::vector<TppScore>>& scores);

// One set index for the whole dataset: the index whose mean TPP over classes is highest
// (every class must have a set at that index; ArgumentError otherwise).
std::size_t select_for_dataset(const std::vector<std::vector<TppScore>>& scores);

}  // namespace sfar::method
