#include "sfar/engine/fused_adamw.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define SFAR_ADAMW_AVX2 1
#else
#define SFAR_ADAMW_AVX2 0
#endif

#include "sfar/core/torch_compat_optim.h"

namespace sfar::engine {
namespace {

constexpr std::int64_t kGrain = 32768;       // elements per thread chunk at least
constexpr std::int64_t kNormBlock = 65536;   // elements per partial sum of the grad norm

bool plain_cpu_float(const torch::Tensor& t) {
  return t.defined() && t.device().is_cpu() && t.scalar_type() == torch::kFloat32 && t.is_contiguous() &&
         t.layout() == torch::kStrided;
}

// Calls fn(i, lo, hi) for the parts of tensors i (of sizes[i] elements, laid end to end) that
// fall in [begin, end).
template <typename Fn>
void for_parts(const std::vector<std::int64_t>& offsets, std::int64_t begin, std::int64_t end, const Fn& fn) {
  std::size_t i = static_cast<std::size_t>(std::upper_bound(offsets.begin(), offsets.end(), begin) -
                                           offsets.begin()) - 1;
  for (std::int64_t pos = begin; pos < end && i + 1 < offsets.size(); ++i) {
    const std::int64_t hi = std::min(end, offsets[i + 1]);
    if (hi > pos) fn(i, pos - offsets[i], hi - offsets[i]);
    pos = std::max(pos, hi);
  }
}

std::vector<std::int64_t> prefix_offsets(const std::vector<std::int64_t>& sizes) {
  std::vector<std::int64_t> offsets(sizes.size() + 1, 0);
  for (std::size_t i = 0; i < sizes.size(); ++i) offsets[i + 1] = offsets[i] + sizes[i];
  return offsets;
}

// Sum of squares of the elements [lo, hi) of x, in double with eight running sums.
double sum_squares(const float* x, std::int64_t lo, std::int64_t hi) {
  double s[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  std::int64_t j = lo;
  for (; j + 8 <= hi; j += 8) {
    for (int k = 0; k < 8; ++k) s[k] += static_cast<double>(x[j + k]) * static_cast<double>(x[j + k]);
  }
  for (; j < hi; ++j) s[0] += static_cast<double>(x[j]) * static_cast<double>(x[j]);
  return ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
}

// One parameter's update: pointers and the scalars torch::optim::AdamW computes for it.
struct Slot {
  float* param;
  const float* grad;
  float* exp_avg;
  float* exp_avg_sq;
  float decay;            // 1 - lr * weight_decay (1 when weight_decay is 0: no multiply)
  bool has_decay;
  float beta1, one_minus_beta1, beta2, one_minus_beta2;
  float sqrt_bias_correction2, eps, neg_step_size;
};

// Per element j in [lo, hi), in torch::optim::AdamW's order: p *= 1 - lr*wd;
// m = beta1*m + (1-beta1)*g; v = beta2*v + (1-beta2)*g*g; p += -step_size * m / (sqrt(v) / sqrt(bc2) + eps).
void adamw_scalar(const Slot& s, std::int64_t lo, std::int64_t hi) {
  float* __restrict p = s.param;
  const float* __restrict g = s.grad;
  float* __restrict m = s.exp_avg;
  float* __restrict v = s.exp_avg_sq;
  for (std::int64_t j = lo; j < hi; ++j) {
    float pj = s.has_decay ? p[j] * s.decay : p[j];
    const float mj = m[j] * s.beta1 + s.one_minus_beta1 * g[j];
    const float vj = v[j] * s.beta2 + s.one_minus_beta2 * g[j] * g[j];
    const float denom = std::sqrt(vj) / s.sqrt_bias_correction2 + s.eps;
    pj += s.neg_step_size * mj / denom;
    p[j] = pj;
    m[j] = mj;
    v[j] = vj;
  }
}

#if SFAR_ADAMW_AVX2
// adamw_scalar eight elements at a time. The compiler cannot vectorise the scalar loop itself:
// std::sqrt may set errno, and the build targets baseline x86-64. Same operations in the same
// order, no fused multiply-add, and IEEE sqrt and division are exact, so each element comes out
// bit for bit as from adamw_scalar. Returns the first element left for the scalar loop.
__attribute__((target("avx2"))) std::int64_t adamw_avx2(const Slot& s, std::int64_t lo, std::int64_t hi) {
  const __m256 decay = _mm256_set1_ps(s.decay), beta1 = _mm256_set1_ps(s.beta1),
               one_minus_beta1 = _mm256_set1_ps(s.one_minus_beta1), beta2 = _mm256_set1_ps(s.beta2),
               one_minus_beta2 = _mm256_set1_ps(s.one_minus_beta2),
               sqrt_bc2 = _mm256_set1_ps(s.sqrt_bias_correction2), eps = _mm256_set1_ps(s.eps),
               neg_step_size = _mm256_set1_ps(s.neg_step_size);
  std::int64_t j = lo;
  for (; j + 8 <= hi; j += 8) {
    __m256 p = _mm256_loadu_ps(s.param + j);
    const __m256 g = _mm256_loadu_ps(s.grad + j);
    if (s.has_decay) p = _mm256_mul_ps(p, decay);
    const __m256 m = _mm256_add_ps(_mm256_mul_ps(_mm256_loadu_ps(s.exp_avg + j), beta1),
                                   _mm256_mul_ps(one_minus_beta1, g));
    const __m256 v = _mm256_add_ps(_mm256_mul_ps(_mm256_loadu_ps(s.exp_avg_sq + j), beta2),
                                   _mm256_mul_ps(_mm256_mul_ps(one_minus_beta2, g), g));
    const __m256 denom = _mm256_add_ps(_mm256_div_ps(_mm256_sqrt_ps(v), sqrt_bc2), eps);
    p = _mm256_add_ps(p, _mm256_div_ps(_mm256_mul_ps(neg_step_size, m), denom));
    _mm256_storeu_ps(s.param + j, p);
    _mm256_storeu_ps(s.exp_avg + j, m);
    _mm256_storeu_ps(s.exp_avg_sq + j, v);
  }
  return j;
}

bool cpu_has_avx2() {
  static const bool has = __builtin_cpu_supports("avx2");
  return has;
}
#endif

void adamw_update(const Slot& s, std::int64_t lo, std::int64_t hi) {
#if SFAR_ADAMW_AVX2
  if (cpu_has_avx2()) lo = adamw_avx2(s, lo, hi);
#endif
  adamw_scalar(s, lo, hi);
}

}  // namespace

FusedAdamW::FusedAdamW(std::vector<torch::optim::OptimizerParamGroup> groups, torch::optim::AdamWOptions defaults)
    : torch::optim::AdamW(std::move(groups), std::move(defaults)) {}

bool FusedAdamW::fusable_groups() const {
  for (const auto& group : param_groups_) {
    if (static_cast<const torch::optim::AdamWOptions&>(group.options()).amsgrad()) return false;
  }
  return true;
}

bool FusedAdamW::gradient_slots(std::vector<float*>& grads, std::vector<std::int64_t>& sizes) const {
  for (const auto& group : param_groups_) {
    for (const auto& p : group.params()) {
      const auto& g = p.grad();
      if (!g.defined()) continue;
      if (!plain_cpu_float(g)) return false;
      grads.push_back(g.data_ptr<float>());
      sizes.push_back(g.numel());
    }
  }
  return true;
}

void FusedAdamW::zero_grad() {
  std::vector<float*> grads;
  std::vector<std::int64_t> sizes;
  const bool fused = gradient_slots(grads, sizes);
  for (const auto& group : param_groups_) {
    for (const auto& p : group.params()) {
      if (!p.grad().defined()) continue;
      if (p.grad().requires_grad()) p.mutable_grad().detach_();
      // Not Optimizer::zero_grad, which sets gradients to undefined from LibTorch 2.0 on.
      if (!fused) p.mutable_grad().zero_();
    }
  }
  if (!fused) return;
  const auto offsets = prefix_offsets(sizes);
  at::parallel_for(0, offsets.back(), kGrain, [&](std::int64_t begin, std::int64_t end) {
    for_parts(offsets, begin, end, [&](std::size_t i, std::int64_t lo, std::int64_t hi) {
      std::memset(grads[i] + lo, 0, static_cast<std::size_t>(hi - lo) * sizeof(float));
    });
  });
}

double FusedAdamW::clip_grad_norm_(double max_norm) {
  std::vector<float*> grads;
  std::vector<std::int64_t> sizes;
  if (!gradient_slots(grads, sizes)) {
    std::vector<torch::Tensor> params;
    for (const auto& group : param_groups_) params.insert(params.end(), group.params().begin(), group.params().end());
    return torch::nn::utils::clip_grad_norm_(params, max_norm);
  }
  if (grads.empty()) return 0.0;
  const auto offsets = prefix_offsets(sizes);
  const std::int64_t total = offsets.back();
  const std::int64_t blocks = (total + kNormBlock - 1) / kNormBlock;
  std::vector<double> partial(static_cast<std::size_t>(blocks), 0.0);
  at::parallel_for(0, blocks, 1, [&](std::int64_t b0, std::int64_t b1) {
    for (std::int64_t b = b0; b < b1; ++b) {
      double s = 0;
      for_parts(offsets, b * kNormBlock, std::min(total, (b + 1) * kNormBlock),
                [&](std::size_t i, std::int64_t lo, std::int64_t hi) { s += sum_squares(grads[i], lo, hi); });
      partial[static_cast<std::size_t>(b)] = s;
    }
  });
  double sum = 0;
  for (double s : partial) sum += s;
  // The coefficient as clip_grad_norm_ forms it, in float; NaN clips to NaN as there.
  const float norm = static_cast<float>(std::sqrt(sum));
  float coef = static_cast<float>(max_norm) / (norm + 1e-6f);
  if (coef > 1.0f) coef = 1.0f;
  if (!(coef >= 1.0f)) {
    at::parallel_for(0, total, kGrain, [&](std::int64_t begin, std::int64_t end) {
      for_parts(offsets, begin, end, [&](std::size_t i, std::int64_t lo, std::int64_t hi) {
        float* g = grads[i];
        for (std::int64_t j = lo; j < hi; ++j) g[j] *= coef;
      });
    });
  }
  return static_cast<double>(norm);
}

torch::Tensor FusedAdamW::step(LossClosure closure) {
  if (closure != nullptr || !fusable_groups()) return torch::optim::AdamW::step(std::move(closure));
  // Check every parameter first, so a fall-back step starts from untouched state.
  for (const auto& group : param_groups_) {
    for (const auto& p : group.params()) {
      if (!p.grad().defined()) continue;
      if (!plain_cpu_float(p) || !plain_cpu_float(p.grad()) || p.grad().numel() != p.numel()) {
        return torch::optim::AdamW::step();
      }
      auto it = state_.find(compat::optimizer_state_key(state_, p));
      if (it == state_.end()) continue;
      const auto& s = static_cast<const torch::optim::AdamWParamState&>(*it->second);
      if (!plain_cpu_float(s.exp_avg()) || !plain_cpu_float(s.exp_avg_sq()) || s.exp_avg().numel() != p.numel() ||
          s.exp_avg_sq().numel() != p.numel()) {
        return torch::optim::AdamW::step();
      }
    }
  }
  fused_step();
  return {};
}

void FusedAdamW::fused_step() {
  torch::NoGradGuard no_grad;
  std::vector<Slot> slots;
  std::vector<std::int64_t> sizes;
  for (auto& group : param_groups_) {
    const auto& o = static_cast<const torch::optim::AdamWOptions&>(group.options());
    const double beta1 = std::get<0>(o.betas()), beta2 = std::get<1>(o.betas());
    for (auto& p : group.params()) {
      if (!p.grad().defined()) continue;
      const auto key = compat::optimizer_state_key(state_, p);
      auto it = state_.find(key);
      if (it == state_.end()) {
        auto fresh = std::make_unique<torch::optim::AdamWParamState>();
        fresh->step(0);
        fresh->exp_avg(torch::zeros_like(p, torch::MemoryFormat::Preserve));
        fresh->exp_avg_sq(torch::zeros_like(p, torch::MemoryFormat::Preserve));
        it = state_.emplace(key, std::move(fresh)).first;
      }
      auto& s = static_cast<torch::optim::AdamWParamState&>(*it->second);
      s.step(s.step() + 1);
      const double bias_correction1 = 1 - std::pow(beta1, s.step());
      const double bias_correction2 = 1 - std::pow(beta2, s.step());
      Slot slot{};
      slot.param = p.data_ptr<float>();
      slot.grad = p.grad().data_ptr<float>();
      slot.exp_avg = s.exp_avg().data_ptr<float>();
      slot.exp_avg_sq = s.exp_avg_sq().data_ptr<float>();
      slot.has_decay = o.weight_decay() != 0;
      slot.decay = static_cast<float>(1 - o.lr() * o.weight_decay());
      slot.beta1 = static_cast<float>(beta1);
      slot.one_minus_beta1 = static_cast<float>(1 - beta1);
      slot.beta2 = static_cast<float>(beta2);
      slot.one_minus_beta2 = static_cast<float>(1 - beta2);
      slot.sqrt_bias_correction2 = static_cast<float>(std::sqrt(bias_correction2));
      slot.eps = static_cast<float>(o.eps());
      slot.neg_step_size = static_cast<float>(-(o.lr() / bias_correction1));
      slots.push_back(slot);
      sizes.push_back(p.numel());
    }
  }
  const auto offsets = prefix_offsets(sizes);
  at::parallel_for(0, offsets.back(), kGrain, [&](std::int64_t begin, std::int64_t end) {
    for_parts(offsets, begin, end,
              [&](std::size_t i, std::int64_t lo, std::int64_t hi) { adamw_update(slots[i], lo, hi); });
  });
}

}  // namespace sfar::engine
