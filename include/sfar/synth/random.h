// A small seeded random source whose numbers are the same on every platform and standard
// library (std::uniform_*_distribution are not), so that a benchmark generated from a seed
// is byte-identical everywhere. SplitMix64; streams derived from (seed, name, index).
//
//   Rng rng = Rng::derive(seed, "clip", 17);
//   int x = rng.uniform_int(0, 63);
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace sfar::synth {

class Rng {
 public:
  explicit Rng(std::uint64_t seed) : state_(seed) {}
  // An independent stream for one named purpose and index (a clip, a class, a split).
  static Rng derive(std::uint64_t seed, const std::string& purpose, std::uint64_t index = 0);

  std::uint64_t next();
  // Uniform in [lo, hi] (inclusive); lo <= hi.
  int uniform_int(int lo, int hi);
  // Uniform in [lo, hi).
  double uniform(double lo, double hi);
  // True with probability p.
  bool chance(double p) { return uniform(0.0, 1.0) < p; }
  // Approximately normal (sum of four uniforms), mean 0, standard deviation `sigma`.
  double normal(double sigma);
  // Fisher-Yates shuffle.
  template <typename T>
  void shuffle(std::vector<T>& items) {
    for (std::size_t i = items.size(); i > 1; --i) {
      std::swap(items[i - 1], items[static_cast<std::size_t>(uniform_int(0, static_cast<int>(i) - 1))]);
    }
  }
  template <typename T>
  const T& pick(const std::vector<T>& items) {
    return items[static_cast<std::size_t>(uniform_int(0, static_cast<int>(items.size()) - 1))];
  }

 private:
  std::uint64_t state_;
};

}  // namespace sfar::synth
