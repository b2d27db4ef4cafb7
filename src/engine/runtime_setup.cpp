#include "sfar/engine/runtime_setup.h"

#include "sfar/core/runtime.h"

namespace sfar::engine {

std::string apply_runtime(const RunConfig& run, const DistributedEnv& env) {
  if (run.threads > 0) set_compute_threads(run.threads);
  seed_everything(static_cast<std::uint64_t>(run.seed));
  return rank_device(resolve_device(run.device, "run.device"), env);
}

}  // namespace sfar::engine
