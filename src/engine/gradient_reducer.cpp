#include "sfar/engine/gradient_reducer.h"

#include "sfar/core/error.h"
#include "sfar/core/logging.h"

namespace sfar::engine {

GradientReducer::GradientReducer(DistributedContext& dist, std::vector<torch::Tensor> params,
                                 std::int64_t bucket_bytes)
    : dist_(dist), params_(std::move(params)) {
  if (bucket_bytes <= 0) throw ArgumentError("bucket size", "must be positive", std::to_string(bucket_bytes));
  const std::size_t n = params_.size();
  bucket_of_.assign(n, 0);
  slot_of_.assign(n, 0);
  copied_.assign(n, false);
  std::int64_t bytes = 0;
  for (std::size_t k = n; k-- > 0;) {
    const auto& p = params_[k];
    const bool fits = !buckets_.empty() && bytes + static_cast<std::int64_t>(p.nbytes()) <= bucket_bytes &&
                      buckets_.back().flat.scalar_type() == p.scalar_type() &&
                      buckets_.back().flat.device() == p.device();
    if (!fits) {
      buckets_.emplace_back();
      buckets_.back().flat = torch::empty({0}, p.options());  // dtype and device; sized below
      bytes = 0;
    }
    Bucket& b = buckets_.back();
    const std::int64_t offset = b.offsets.empty() ? 0 : b.offsets.back() + params_[b.params.back()].numel();
    bucket_of_[k] = buckets_.size() - 1;
    slot_of_[k] = b.params.size();
    b.params.push_back(k);
    b.offsets.push_back(offset);
    bytes += static_cast<std::int64_t>(p.nbytes());
  }
  for (auto& b : buckets_) {
    const auto last = b.params.back();
    b.flat = torch::zeros({b.offsets.back() + params_[last].numel()}, b.flat.options());
  }
  for (std::size_t k = 0; k < n; ++k) {
    hook_ids_.push_back(params_[k].register_hook([this, k](torch::Tensor grad) { on_gradient(k, grad); }));
  }
  SFAR_LOG_DEBUG("gradient all-reduce: {} parameters in {} buckets of at most {} MiB", n, buckets_.size(),
                 bucket_bytes >> 20);
}

GradientReducer::~GradientReducer() {
  for (std::size_t k = 0; k < hook_ids_.size(); ++k) params_[k].remove_hook(hook_ids_[k]);
}

void GradientReducer::reset_step() {
  for (auto& b : buckets_) {
    b.waiting = b.params.size();
    b.started = false;
  }
  std::fill(copied_.begin(), copied_.end(), false);
  next_start_ = 0;
  overlapped_ = 0;
  armed_ = true;
}

void GradientReducer::prepare_backward(bool reduce) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (reduce && !armed_) reset_step();
  reducing_ = reduce;
}

void GradientReducer::on_gradient(std::size_t k, const torch::Tensor& grad) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!reducing_ || copied_[k] || !grad.defined()) return;
  // The hook sees this pass's gradient before autograd adds it to grad(), which holds the
  // step's earlier micro-batches.
  const auto& held = params_[k].grad();
  copy_into_bucket(k, held.defined() ? held + grad : grad);
  start_ready_buckets(/*during_backward=*/true);
}

void GradientReducer::copy_into_bucket(std::size_t k, const torch::Tensor& grad) {
  torch::NoGradGuard no_grad;
  Bucket& b = buckets_[bucket_of_[k]];
  const auto slot = slot_of_[k];
  auto dst = b.flat.narrow(0, b.offsets[slot], params_[k].numel());
  if (grad.defined()) {
    dst.copy_(grad.reshape(-1));
  } else {
    dst.zero_();  // unused on this rank: contributes zero, as DDP does
  }
  copied_[k] = true;
  --b.waiting;
}

void GradientReducer::start_ready_buckets(bool during_backward) {
  // Strict index order: every rank issues the same collectives in the same sequence.
  while (next_start_ < buckets_.size() && buckets_[next_start_].waiting == 0) {
    Bucket& b = buckets_[next_start_++];
    b.pending = dist_.all_reduce_sum_async(b.flat);
    b.started = true;
    if (during_backward) ++overlapped_;
  }
}

void GradientReducer::finish() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!armed_) reset_step();  // no reducing pass this step (a rank stopped early)
  reducing_ = false;
  armed_ = false;
  for (std::size_t k = 0; k < params_.size(); ++k) {
    if (!copied_[k]) copy_into_bucket(k, params_[k].grad());
  }
  start_ready_buckets(/*during_backward=*/false);
  torch::NoGradGuard no_grad;
  const double world = static_cast<double>(dist_.world_size());
  for (auto& b : buckets_) {
    b.pending.wait();
    b.flat.div_(world);
    for (std::size_t s = 0; s < b.params.size(); ++s) {
      auto& p = params_[b.params[s]];
      const auto mean = b.flat.narrow(0, b.offsets[s], p.numel()).view_as(p);
      if (p.grad().defined()) {
        p.mutable_grad().copy_(mean);
      } else {
        p.mutable_grad() = mean.clone();
      }
    }
  }
}

}  // namespace sfar::engine
