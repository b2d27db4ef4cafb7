#include <gtest/gtest.h>

#include <cmath>

#include "sfar/core/error.h"
#include "sfar/method/tpp.h"

namespace sfar::method {
namespace {

TEST(Tpp, HandCheckedExample) {
  // Global text t = e0. Sub-texts at 60 degrees from t, and 90 degrees apart from each other
  // in the plane orthogonal to t: s_n = cos60 e0 + sin60 u_n with u_n orthonormal.
  // sigma_n = 0.5; cos(s_n, s_m) = 0.25 -> delta_n = 0.25; TPP = 100 * 0.5 * (1 - 0.0625) = 46.875.
  const double c = 0.5, s = std::sqrt(0.75);
  const auto global = torch::tensor({1.0, 0.0, 0.0, 0.0});
  const auto subs = torch::tensor({{c, s, 0.0, 0.0}, {c, 0.0, s, 0.0}, {c, 0.0, 0.0, s}});
  const auto score = text_prompt_perplexity(global, subs * 3.0);  // scale must not matter
  EXPECT_NEAR(score.tpp, 46.875, 1e-5);  // inputs are float32
  for (int n = 0; n < 3; ++n) {
    EXPECT_NEAR(score.sigma[n], 0.5, 1e-6);
    EXPECT_NEAR(score.delta[n], 0.25, 1e-6);
  }
  // Repetitive sub-texts (all equal to each other) score lower than diverse ones.
  const auto same = torch::tensor({{c, s, 0.0, 0.0}, {c, s, 0.0, 0.0}, {c, s, 0.0, 0.0}});
  EXPECT_NEAR(text_prompt_perplexity(global, same).tpp, 0.0, 1e-5);  // delta = 1
  EXPECT_THROW(text_prompt_perplexity(global, subs.narrow(0, 0, 1)), ArgumentError);
}

TEST(Tpp, SelectionPerClassAndForTheDataset) {
  auto score = [](double tpp) {
    TppScore s;
    s.tpp = tpp;
    return s;
  };
  const std::vector<std::vector<TppScore>> scores = {{score(10), score(30), score(20)},
                                                     {score(50), score(5), score(45)}};
  EXPECT_EQ(select_per_class(scores), (std::vector<std::size_t>{1, 0}));
  EXPECT_EQ(select_for_dataset(scores), 2u);  // means over classes: 30, 17.5, 32.5
}

}  // namespace
}  // namespace sfar::method
