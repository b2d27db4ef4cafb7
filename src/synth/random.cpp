#include "sfar/synth/random.h"

#include "sfar/core/error.h"

namespace sfar::synth {
namespace {

std::uint64_t mix(std::uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// FNV-1a: a fixed hash of the purpose name (std::hash differs between libraries).
std::uint64_t fnv1a(const std::string& text) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (const unsigned char c : text) h = (h ^ c) * 0x100000001b3ULL;
  return h;
}

}  // namespace

Rng Rng::derive(std::uint64_t seed, const std::string& purpose, std::uint64_t index) {
  return Rng(mix(mix(seed ^ fnv1a(purpose)) + index * 0x9e3779b97f4a7c15ULL));
}

std::uint64_t Rng::next() {
  state_ += 0x9e3779b97f4a7c15ULL;
  return mix(state_);
}

int Rng::uniform_int(int lo, int hi) {
  SFAR_ASSERT(lo <= hi, "uniform_int with an empty range");
  const std::uint64_t span = static_cast<std::uint64_t>(static_cast<std::int64_t>(hi) - lo) + 1;
  return lo + static_cast<int>(next() % span);  // the bias is below 2^-32 for small spans
}

double Rng::uniform(double lo, double hi) {
  return lo + (hi - lo) * (static_cast<double>(next() >> 11) / 9007199254740992.0);
}

double Rng::normal(double sigma) {
  double sum = 0;
  for (int i = 0; i < 4; ++i) sum += uniform(-1.0, 1.0);
  return sum * sigma * 0.8660254037844386;  // sum of 4 U(-1,1) has variance 4/3
}

}  // namespace sfar::synth
