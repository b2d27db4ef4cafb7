// The process settings a run section asks for, applied in one place: every command that trains,
// evaluates or runs a model on a config (train, eval, protocol runs, pretrain, infer, bench
// train) calls this once per run instead of setting threads, seeds and the device by hand.
//
//   const std::string device = apply_runtime(config.run, env);   // "cuda:3" on local rank 3
#pragma once

#include <string>

#include "sfar/core/sfar_config.h"
#include "sfar/engine/distributed_env.h"

namespace sfar::engine {

// Sets LibTorch's intra-op threads when run.threads > 0 (0 keeps the --threads global), seeds
// LibTorch's generators with run.seed and returns the resolved run.device: "auto" picks CUDA
// when it is available, CUDA asked for without it is an ArgumentError naming run.device, and a
// plain "cuda" becomes "cuda:<local_rank>" on a rank of a multi-process run (rank_device).
std::string apply_runtime(const RunConfig& run, const DistributedEnv& env = {});

}  // namespace sfar::engine
