#include "sfar/engine/gradient_cache.h"

#include <mutex>

#include "sfar/core/error.h"

namespace sfar::engine {

namespace {

at::Generator device_generator(const torch::Device& device) {
  return at::globalContext().defaultGenerator(torch::Device(device.type(), device.has_index() ? device.index() : 0));
}

void set_state(at::Generator generator, const torch::Tensor& state) {
  std::lock_guard<std::mutex> lock(generator.mutex());
  generator.set_state(state);
}

}  // namespace

GradientCache::RngState GradientCache::save_rng() const {
  RngState s;
  s.cpu = at::detail::getDefaultCPUGenerator().get_state();
  if (!device_.is_cpu()) s.device = device_generator(device_).get_state();
  return s;
}

void GradientCache::restore_rng(const RngState& s) const {
  set_state(at::detail::getDefaultCPUGenerator(), s.cpu);
  if (s.device.defined()) set_state(device_generator(device_), s.device);
}

torch::Tensor GradientCache::embed(std::int64_t micro_batches, const Encode& encode, const StepPasses& passes,
                                   const torch::Device& device) {
  if (micro_batches < 1) throw ArgumentError("gradient cache", "needs at least one micro-batch", std::to_string(micro_batches));
  device_ = device;
  entries_.clear();
  std::vector<torch::Tensor> leaves;
  for (std::int64_t i = 0; i < micro_batches; ++i) {
    Entry e;
    e.rng = save_rng();
    torch::Tensor embeddings;
    {
      torch::NoGradGuard no_grad;
      embeddings = passes.autocast([&] { return encode(i); });
    }
    e.leaf = embeddings.detach().requires_grad_(true);
    leaves.push_back(e.leaf);
    entries_.push_back(std::move(e));
  }
  const auto local = leaves.size() == 1 ? leaves.front() : torch::cat(leaves);
  return dist_ ? all_gather_rows_with_grad(*dist_, local) : local;
}

void GradientCache::backward(const Encode& encode, const StepPasses& passes) {
  const RngState after = save_rng();
  const double world = dist_ ? static_cast<double>(dist_->world_size()) : 1.0;
  for (std::size_t i = 0; i < entries_.size(); ++i) {
    const Entry& e = entries_[i];
    const torch::Tensor grad = e.leaf.grad();
    if (!grad.defined()) continue;  // the loss did not reach these samples
    restore_rng(e.rng);
    const torch::Tensor embeddings = passes.autocast([&] { return encode(static_cast<std::int64_t>(i)); });
    if (!embeddings.requires_grad()) continue;  // a frozen backbone
    passes.before_backward(i + 1 == entries_.size());
    embeddings.backward(world == 1.0 ? grad : grad * world);
  }
  restore_rng(after);
  entries_.clear();
}

}  // namespace sfar::engine
