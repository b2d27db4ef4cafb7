#include "sfar/engine/memory_estimate.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <thread>

#include <c10/core/CPUAllocator.h>

#include "sfar/core/torch_compat.h"

namespace sfar::engine {
namespace {

struct AllocationStats {
  std::atomic<std::int64_t> live{0};
  std::atomic<std::int64_t> peak{0};

  void add(std::int64_t bytes) {
    const std::int64_t now = live.fetch_add(bytes) + bytes;
    std::int64_t seen = peak.load();
    while (now > seen && !peak.compare_exchange_weak(seen, now)) {
    }
  }
};

// A counted allocation: the real one and where to report its free. DataPtrs handed out keep
// the data pointer as their context (Allocator::raw_allocate requires it), so the blocks are
// found again through this table.
struct CountedBlock {
  c10::DataPtr inner;
  std::int64_t bytes = 0;
  std::shared_ptr<AllocationStats> stats;
};

struct BlockTable {
  std::mutex mutex;
  std::unordered_map<void*, CountedBlock> blocks;
  c10::Allocator* base = nullptr;  // frees what was not counted (raw_deallocate)
};

BlockTable& block_table() {
  static auto* table = new BlockTable();  // outlives every tensor, like the allocator
  return *table;
}

void release_block(void* data) {
  auto& table = block_table();
  CountedBlock block;
  {
    std::lock_guard<std::mutex> lock(table.mutex);
    const auto it = table.blocks.find(data);
    if (it == table.blocks.end()) {
      table.base->raw_deleter()(data);  // an allocation of another thread, made by the base
      return;
    }
    block = std::move(it->second);
    table.blocks.erase(it);
  }
  block.stats->live.fetch_sub(block.bytes);
}  // block.inner frees the memory through the wrapped allocator's deleter

// Forwards to the allocator it wraps; counts the allocations of one thread. Never destroyed:
// storages keep a pointer to the allocator that made them (for resizing).
class CountingCpuAllocator final : public c10::Allocator {
 public:
  void start(c10::Allocator* base) {
    base_ = base;
    {
      std::lock_guard<std::mutex> lock(block_table().mutex);
      block_table().base = base;
    }
    stats_ = std::make_shared<AllocationStats>();
    thread_ = std::this_thread::get_id();
    counting_ = true;
  }
  void stop() { counting_ = false; }
  std::shared_ptr<AllocationStats> stats() const { return stats_; }

  c10::DataPtr allocate(size_t n) override { return counted(n); }
  void copy_data(void* dest, const void* src, std::size_t count) const override { default_copy_data(dest, src, count); }
  c10::DeleterFnPtr raw_deleter() const override { return &release_block; }

 private:
  c10::DataPtr counted(size_t n) const {
    c10::DataPtr inner = base_->allocate(n);
    void* data = inner.get();
    if (!counting_ || std::this_thread::get_id() != thread_ || data == nullptr) return inner;
    {
      std::lock_guard<std::mutex> lock(block_table().mutex);
      block_table().blocks[data] = CountedBlock{std::move(inner), static_cast<std::int64_t>(n), stats_};
    }
    stats_->add(static_cast<std::int64_t>(n));
    return c10::DataPtr(data, data, &release_block, c10::Device(c10::DeviceType::CPU));
  }

  c10::Allocator* base_ = nullptr;
  std::shared_ptr<AllocationStats> stats_;
  std::thread::id thread_;
  std::atomic<bool> counting_{false};
};

std::int64_t tensor_bytes(const torch::Tensor& t) {
  return static_cast<std::int64_t>(t.numel()) * static_cast<std::int64_t>(t.element_size());
}

}  // namespace

ActivationMeasurement measure_activations(const std::function<torch::Tensor()>& forward) {
  static auto* counter = new CountingCpuAllocator();  // see the class comment
  c10::Allocator* base = c10::GetCPUAllocator();
  ActivationMeasurement m;
  counter->start(base);
  c10::SetCPUAllocator(counter, /*priority=*/0);
  if (c10::GetCPUAllocator() != counter) {  // an allocator of higher priority is installed
    counter->stop();
    torch::Tensor loss = forward();
    loss.backward();
    return m;
  }
  struct Restore {
    c10::Allocator* base;
    CountingCpuAllocator* counter;
    ~Restore() {
      counter->stop();
      c10::SetCPUAllocator(base, 0);
    }
  } restore{base, counter};
  const auto stats = counter->stats();
  torch::Tensor loss = forward();
  m.saved_bytes = stats->live.load();
  loss.backward();
  m.peak_bytes = stats->peak.load();
  m.measured = loss.device().is_cpu();
  return m;
}

MemoryEstimate estimate_training_memory(const torch::nn::Module& model, const ActivationMeasurement& per_clip,
                                        std::int64_t micro_batch) {
  MemoryEstimate e;
  for (const auto& p : model.parameters()) {
    e.parameter_bytes += tensor_bytes(p);
    if (p.requires_grad()) {
      e.gradient_bytes += tensor_bytes(p);
      e.optimizer_bytes += 2 * p.numel() * static_cast<std::int64_t>(sizeof(float));  // fp32 moments
    }
  }
  e.micro_batch = micro_batch;
  e.per_clip = per_clip;
  e.activation_bytes = per_clip.saved_bytes * micro_batch;
  e.total_bytes = e.parameter_bytes + e.gradient_bytes + e.optimizer_bytes + e.activation_bytes;
  return e;
}

std::string human_bytes(std::int64_t bytes) {
  static const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double value = static_cast<double>(bytes);
  int unit = 0;
  while (std::abs(value) >= 1024 && unit < 4) {
    value /= 1024;
    ++unit;
  }
  char buf[32];
  if (unit == 0) {
    std::snprintf(buf, sizeof(buf), "%lld B", static_cast<long long>(bytes));
  } else {
    std::snprintf(buf, sizeof(buf), "%.2f %s", value, units[unit]);
  }
  return buf;
}

}  // namespace sfar::engine
