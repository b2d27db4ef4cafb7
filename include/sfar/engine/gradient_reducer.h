// Averages gradients over the ranks of a DistributedContext, in buckets of about
// run.dist_bucket_mb, overlapped with the backward pass: a hook on every parameter copies its
// gradient into its bucket's flat buffer as autograd produces it, and a full bucket's
// all-reduce starts at once (buckets start in index order on every rank, so the collectives
// match). Only the last micro-batch of an optimizer step reduces; earlier ones accumulate
// locally, as with DDP's no_sync().
//
//   GradientReducer reducer(dist, params);
//   for (micro : step) { reducer.prepare_backward(micro == last); loss.backward(); }
//   reducer.finish();  // param.grad() = mean over ranks of the accumulated gradients
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <mutex>
#include <vector>

#include "sfar/engine/distributed.h"

namespace sfar::engine {

class GradientReducer {
 public:
  // `params` are the trainable parameters, in the same order on every rank. Buckets fill in
  // reverse order, since backward produces the last layers' gradients first.
  GradientReducer(DistributedContext& dist, std::vector<torch::Tensor> params, std::int64_t bucket_bytes);
  ~GradientReducer();  // removes the hooks
  GradientReducer(const GradientReducer&) = delete;
  GradientReducer& operator=(const GradientReducer&) = delete;

  // Before each backward pass of a step: `reduce` on the last micro-batch only.
  void prepare_backward(bool reduce);
  // After the step's backward passes (also when a rank stopped early for a non-finite loss):
  // starts the buckets still waiting, waits for all and writes the averages into grad().
  void finish();

  std::int64_t num_buckets() const { return static_cast<std::int64_t>(buckets_.size()); }
  // Buckets whose all-reduce started during the last backward pass (the overlap achieved).
  std::int64_t overlapped_buckets() const { return overlapped_; }

 private:
  struct Bucket {
    std::vector<std::size_t> params;   // indices into params_
    std::vector<std::int64_t> offsets; // element offset of each in `flat`
    torch::Tensor flat;
    std::size_t waiting = 0;           // parameters not yet copied this step
    bool started = false;
    PendingCollective pending;
  };

  void reset_step();
  void on_gradient(std::size_t param, const torch::Tensor& grad);
  void copy_into_bucket(std::size_t param, const torch::Tensor& grad);
  void start_ready_buckets(bool during_backward);

  DistributedContext& dist_;
  std::vector<torch::Tensor> params_;
  std::vector<unsigned> hook_ids_;
  std::vector<std::size_t> bucket_of_, slot_of_;
  std::vector<bool> copied_;
  std::vector<Bucket> buckets_;
  std::size_t next_start_ = 0;
  bool reducing_ = false;  // the current backward pass is the step's last
  bool armed_ = false;     // step state reset since the last finish()
  std::int64_t overlapped_ = 0;
  std::mutex mutex_;  // hooks may run on autograd's device threads
};

}  // namespace sfar::engine
