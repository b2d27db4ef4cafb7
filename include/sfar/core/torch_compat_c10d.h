// The distributed (c10d) section of torch_compat.h, kept in its own file so that the many
// translation units including torch_compat.h do not rebuild for it. Only src/engine/distributed.cpp
// includes it, after the c10d headers.
//
// In LibTorch 2.x c10d::ProcessGroup is a front over per-device c10d::Backend objects;
// ProcessGroupGloo and ProcessGroupNCCL are Backends, and sfar holds the concrete one.
#pragma once

namespace c10d {
class Backend;
}  // namespace c10d

namespace sfar::compat {

using CollectiveBackend = c10d::Backend;

// The variable that makes NCCL collectives wait on the host, so a stalled one times out
// (LibTorch 2.2 renamed NCCL_BLOCKING_WAIT to this and warns on the old name).
inline constexpr const char* kNcclBlockingWaitVariable = "TORCH_NCCL_BLOCKING_WAIT";

}  // namespace sfar::compat
