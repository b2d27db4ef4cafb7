// Where this process sits in a multi-process run, read from the launcher's environment, and
// what that means for the per-process settings. LibTorch-free, so that parsing is cheap to test.
//
//   torchrun --no-python --nproc-per-node=8 sfar train ...   RANK, WORLD_SIZE, LOCAL_RANK,
//                                                            MASTER_ADDR, MASTER_PORT
//   srun --ntasks-per-node=8 sfar train ...                  SLURM_PROCID, SLURM_NTASKS,
//                                                            SLURM_LOCALID, SLURM_JOB_NODELIST
//
//   DistributedEnv env = read_distributed_env();   // no variables: rank 0 of 1
//   if (env.distributed()) config.train = per_rank_train_options(config.train, env.world_size);
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "sfar/engine/train_options.h"

namespace sfar::engine {

struct DistributedEnv {
  int rank = 0;
  int world_size = 1;
  int local_rank = 0;                    // GPU index on this node
  std::string master_addr = "127.0.0.1"; // host of rank 0's TCPStore
  int master_port = 29500;
  std::string launcher = "none";         // none | torchrun | slurm
  // torchrun hosts the store itself (TORCHELASTIC_USE_AGENT_STORE=True): every rank, rank 0
  // included, joins it as a client, under a prefix of its own per restart
  // (TORCHELASTIC_RESTART_COUNT), since the agent keeps the store across restarts.
  bool agent_store = false;
  int restart_count = 0;

  bool distributed() const { return world_size > 1; }
};

// Returns the variable's value, or nullopt when it is unset.
using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;

// getenv.
EnvLookup process_environment();

// torchrun's variables when RANK or WORLD_SIZE is set (MASTER_ADDR and MASTER_PORT are then
// required when WORLD_SIZE > 1; TORCHELASTIC_USE_AGENT_STORE and TORCHELASTIC_RESTART_COUNT
// are read when set), else Slurm's when SLURM_PROCID and SLURM_NTASKS are set
// (MASTER_ADDR defaults to the first host of SLURM_JOB_NODELIST, MASTER_PORT to 29500), else
// a single process. A missing or malformed variable is a ConfigError naming it and its value.
DistributedEnv read_distributed_env(const EnvLookup& env = process_environment());

// The first host of a Slurm node list: "gpu[003-005,009],cpu1" -> "gpu003". ConfigError on
// an unbalanced bracket or an empty list.
std::string first_slurm_host(const std::string& nodelist);

// The device a rank trains on: "cuda" -> "cuda:<local_rank>" when distributed; an explicit
// "cuda:N" or "cpu" as given.
std::string rank_device(const std::string& device, const DistributedEnv& env);

// The settings one rank runs with: train.batch_size stays the global batch in configs, so
// each rank reads batch_size / world_size samples per step (in micro-batches of micro_batch,
// which must divide it). ConfigError naming train.batch_size / train.micro_batch otherwise.
TrainOptions per_rank_train_options(const TrainOptions& global, int world_size);

}  // namespace sfar::engine
