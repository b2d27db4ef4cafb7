// A process group for multi-process training: rendezvous through rank 0's TCPStore, Gloo on
// the CPU and NCCL on CUDA (when sfar was built with NCCL), and the few collectives training
// needs. When another rank dies or stalls, every collective throws a NetworkError naming this
// rank, the collective and run.dist_timeout_s instead of hanging.
//
//   DistributedContext dist(read_distributed_env(), {.device = "cuda:0", .timeout_s = 600});
//   broadcast_module(dist, *model);          // rank 0's initial weights everywhere
//   auto all = dist.all_gather_rows(scores);  // [n_rank, C] -> [sum of n_rank, C], rank order
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "sfar/core/sfar_config.h"
#include "sfar/engine/distributed_env.h"

namespace sfar::engine {

struct DistributedOptions {
  DistBackend backend = DistBackend::kAuto;  // run.dist_backend
  std::string device = "cpu";               // this rank's training device
  double timeout_s = 600;        // rendezvous and each collective
  double bucket_mb = 25;         // gradient all-reduce bucket size
  // Form the group even for one process, so that a single GPU (NCCL) or CPU (Gloo) runs the
  // multi-process path for real: a smoke test of the backend, the reducer and the gathers.
  bool force_group = false;
};

// A collective in flight; wait() throws like the blocking collectives do.
class PendingCollective {
 public:
  PendingCollective() = default;
  explicit PendingCollective(std::function<void()> wait) : wait_(std::move(wait)) {}
  void wait() {
    auto w = std::move(wait_);
    wait_ = nullptr;
    if (w) w();
  }

 private:
  std::function<void()> wait_;
};

class DistributedContext {
 public:
  // Joins the group `env` describes, blocking until every rank has joined (NetworkError after
  // the time-out). A single-process env gives a context whose collectives do nothing, unless
  // options.force_group.
  DistributedContext(const DistributedEnv& env, const DistributedOptions& options);
  ~DistributedContext();
  DistributedContext(const DistributedContext&) = delete;
  DistributedContext& operator=(const DistributedContext&) = delete;

  int rank() const { return env_.rank; }
  int world_size() const { return env_.world_size; }
  int local_rank() const { return env_.local_rank; }
  bool is_main() const { return env_.rank == 0; }
  bool active() const { return group_ != nullptr; }  // a process group was formed
  std::string backend() const;  // gloo | nccl, or none without a group
  double timeout_s() const { return options_.timeout_s; }
  std::int64_t bucket_bytes() const { return static_cast<std::int64_t>(options_.bucket_mb * (1 << 20)); }

  // In place: rank `root`'s values. Packed per dtype, so many small tensors cost few calls.
  void broadcast(std::vector<torch::Tensor> tensors, int root = 0);
  // In place: the sum over ranks.
  void all_reduce_sum(torch::Tensor& tensor);
  PendingCollective all_reduce_sum_async(torch::Tensor tensor);
  std::vector<double> all_reduce_sum(const std::vector<double>& values);
  // Every rank's rows in rank order: [n_r, ...] -> [sum of n_r, ...]; n_r may differ by rank.
  torch::Tensor all_gather_rows(const torch::Tensor& rows);
  void barrier();

 private:
  struct Group;
  template <class F>
  auto guarded(const std::string& what, F&& f);
  torch::Tensor to_comm(const torch::Tensor& t) const;

  DistributedEnv env_;
  DistributedOptions options_;
  DistBackend backend_ = DistBackend::kAuto;  // gloo or nccl once a group is formed
  torch::Device comm_device_ = torch::kCPU;
  std::unique_ptr<Group> group_;
};

// all_gather_rows with autograd: every rank's rows in rank order, where this rank's rows are
// `rows` itself, so the backward pass hands this rank exactly its slice of the gradient (the
// other ranks' rows are constants here). Without an active group: `rows`.
torch::Tensor all_gather_rows_with_grad(DistributedContext& dist, const torch::Tensor& rows);

// Copies rank 0's parameters and buffers into `module` on every rank.
void broadcast_module(DistributedContext& dist, torch::nn::Module& module);

// NetworkError naming the first parameter whose values differ between ranks (they must stay
// bitwise equal: same start, same averaged gradients, same update).
void check_parameters_in_sync(DistributedContext& dist, const torch::nn::Module& module);

// The collective backends this build can form groups with, and NCCL's version ("" without it).
struct CollectiveSupport {
  bool gloo = false;
  bool nccl = false;
  std::string nccl_version;
};
CollectiveSupport collective_support();

}  // namespace sfar::engine
