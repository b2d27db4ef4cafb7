// The distributed (c10d) section of torch_compat.h, kept in its own file so that the many
// translation units including torch_compat.h do not rebuild for it. Only src/train/distributed.cpp
// includes it, after the c10d headers.
//
// LibTorch 2.0 turned c10d::ProcessGroup into a front over per-device c10d::Backend objects:
// ProcessGroupGloo and ProcessGroupNCCL derive from Backend there, from ProcessGroup in 1.x.
// Both bases expose broadcast / allreduce / allgather / barrier with the signatures sfar uses,
// so sfar holds the concrete group through CollectiveBackend.
#pragma once

#include <torch/version.h>

namespace c10d {
class Backend;
class ProcessGroup;
}  // namespace c10d

namespace sfar::compat {

#if TORCH_VERSION_MAJOR >= 2
using CollectiveBackend = c10d::Backend;
#else
using CollectiveBackend = c10d::ProcessGroup;
#endif

// The variable that makes NCCL collectives wait on the host, so a stalled one times out:
// LibTorch 2.2 renamed NCCL_BLOCKING_WAIT to TORCH_NCCL_BLOCKING_WAIT and warns on the old name.
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 2)
inline constexpr const char* kNcclBlockingWaitVariable = "TORCH_NCCL_BLOCKING_WAIT";
#else
inline constexpr const char* kNcclBlockingWaitVariable = "NCCL_BLOCKING_WAIT";
#endif

}  // namespace sfar::compat
