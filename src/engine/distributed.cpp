#include "sfar/engine/distributed.h"

#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>

#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdlib>
#include <sstream>

#ifndef SFAR_WITH_GLOO
#define SFAR_WITH_GLOO 0
#endif
#ifndef SFAR_WITH_NCCL
#define SFAR_WITH_NCCL 0
#endif

#if SFAR_WITH_GLOO
#ifndef USE_C10D_GLOO
#define USE_C10D_GLOO 1
#endif
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#endif
#if SFAR_WITH_NCCL
#ifndef USE_C10D_NCCL
#define USE_C10D_NCCL 1
#endif
#include <c10/cuda/CUDAFunctions.h>
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif

#include "sfar/core/error.h"
#include "sfar/core/logging.h"
#include "sfar/core/torch_compat.h"
#include "sfar/core/torch_compat_c10d.h"

namespace sfar::engine {

struct DistributedContext::Group {
  c10::intrusive_ptr<c10d::Store> store;
  c10::intrusive_ptr<compat::CollectiveBackend> backend;
};

namespace {

std::string first_line(const std::exception& e) {
  const auto* c10_error = dynamic_cast<const c10::Error*>(&e);
  std::string text = c10_error ? compat::error_message(*c10_error) : e.what();
  const auto end = text.find('\n');
  return end == std::string::npos ? text : text.substr(0, end);
}

bool is_loopback(const std::string& host) {
  return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

DistBackend choose_backend(const DistributedOptions& o) {
  const bool cuda = o.device.rfind("cuda", 0) == 0;
  if (o.backend == DistBackend::kAuto) return cuda && SFAR_WITH_NCCL ? DistBackend::kNccl : DistBackend::kGloo;
  if (o.backend == DistBackend::kNccl && !cuda) {
    throw ConfigError("run.dist_backend", "nccl needs a CUDA device (run.device is " + o.device + ")", "nccl");
  }
  return o.backend;
}

[[maybe_unused]] void set_env_default(const char* name, const char* value) { setenv(name, value, /*overwrite=*/0); }

}  // namespace

template <class F>
auto DistributedContext::guarded(const std::string& what, F&& f) {
  try {
    return f();
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    std::ostringstream timeout;
    timeout << options_.timeout_s;
    throw NetworkError("rank " + std::to_string(rank()) + " of " + std::to_string(world_size()) + ", " +
                           backend() + " " + what,
                       "failed: another rank exited, crashed or did not take part within run.dist_timeout_s = " +
                           timeout.str() + " s",
                       first_line(e));
  }
}

DistributedContext::DistributedContext(const DistributedEnv& env, const DistributedOptions& options)
    : env_(env), options_(options) {
  if (!(options_.timeout_s > 0)) {
    throw ConfigError("run.dist_timeout_s", "must be positive", std::to_string(options_.timeout_s));
  }
  if (!(options_.bucket_mb > 0)) {
    throw ConfigError("run.dist_bucket_mb", "must be positive", std::to_string(options_.bucket_mb));
  }
  if (env_.world_size == 1 && !options_.force_group) return;
  backend_ = choose_backend(options_);
  // A rank that exits closes its sockets; the next write to one of them would kill this process
  // with SIGPIPE before the collective could fail with an error naming itself. (Python ignores
  // SIGPIPE at start-up, which is why PyTorch users never meet this.)
  std::signal(SIGPIPE, SIG_IGN);
  const auto timeout = std::chrono::milliseconds(static_cast<std::int64_t>(options_.timeout_s * 1000));
  group_ = std::make_unique<Group>();
  const std::string where = "rendezvous at " + env_.master_addr + ":" + std::to_string(env_.master_port);
  guarded(where, [&] {
    c10d::TCPStoreOptions store_options;
    store_options.port = static_cast<std::uint16_t>(env_.master_port);
    // Under torchrun's agent store the port is the agent's: rank 0 too is a client there.
    store_options.isServer = env_.rank == 0 && !env_.agent_store;
    store_options.numWorkers = static_cast<std::size_t>(env_.world_size);
    store_options.waitWorkers = true;  // a client counts itself in; the server waits for all
    store_options.timeout = timeout;
    auto tcp = c10::make_intrusive<c10d::TCPStore>(env_.master_addr, store_options);
    // The agent's store outlives a restart: each attempt rendezvouses under its own keys.
    const std::string prefix =
        env_.agent_store ? "sfar/train/attempt_" + std::to_string(env_.restart_count) : "sfar/train";
    group_->store = c10::make_intrusive<c10d::PrefixStore>(prefix, tcp);
    return 0;
  });
  if (backend_ == DistBackend::kNccl) {
#if SFAR_WITH_NCCL
    // Blocking waits make a stalled collective throw here (and name itself) after the time-out
    // rather than leave the process hanging on the GPU stream.
    set_env_default(compat::kNcclBlockingWaitVariable, "1");
    comm_device_ = torch::Device(options_.device);
    c10::cuda::set_device(comm_device_.has_index() ? comm_device_.index()
                                                   : static_cast<c10::DeviceIndex>(env_.local_rank));
    auto nccl_options = c10d::ProcessGroupNCCL::Options::create();
    nccl_options->timeout = timeout;
    guarded(where, [&] {
      group_->backend = c10::make_intrusive<c10d::ProcessGroupNCCL>(group_->store, rank(), world_size(), nccl_options);
      return 0;
    });
#else
    throw ConfigError("run.dist_backend", "this sfar was built without NCCL (LibTorch without CUDA, or no nccl.h)",
                      "nccl");
#endif
  } else {
#if SFAR_WITH_GLOO
    auto gloo_options = c10d::ProcessGroupGloo::Options::create(timeout);
    const char* interface = std::getenv("GLOO_SOCKET_IFNAME");
    if (interface && *interface) {
      gloo_options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForInterface(interface));
    } else if (is_loopback(env_.master_addr)) {
      gloo_options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1"));
    } else {
      gloo_options->devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice());
    }
    guarded(where, [&] {
      group_->backend = c10::make_intrusive<c10d::ProcessGroupGloo>(group_->store, rank(), world_size(), gloo_options);
      return 0;
    });
#else
    throw ConfigError("run.dist_backend", "this sfar was built without Gloo (no gloo headers found)", "gloo");
#endif
  }
  SFAR_LOG_INFO("distributed: rank {} of {} (local rank {}), {} via {}:{}, time-out {} s", rank(), world_size(),
                local_rank(), backend(), env_.master_addr, env_.master_port, options_.timeout_s);
}

DistributedContext::~DistributedContext() = default;

std::string DistributedContext::backend() const {
  return active() ? cfg::enum_name(backend_, dist_backend_names()) : "none";
}

torch::Tensor DistributedContext::to_comm(const torch::Tensor& t) const {
  return t.device() == comm_device_ ? t.contiguous() : t.to(comm_device_).contiguous();
}

void DistributedContext::broadcast(std::vector<torch::Tensor> tensors, int root) {
  if (!active() || tensors.empty()) return;
  torch::NoGradGuard no_grad;
  // One flat buffer per dtype, in the order given (the same on every rank).
  std::map<c10::ScalarType, std::vector<torch::Tensor>> by_dtype;
  for (auto& t : tensors) by_dtype[t.scalar_type()].push_back(t);
  for (auto& [dtype, group] : by_dtype) {
    std::vector<torch::Tensor> flat_parts;
    for (const auto& t : group) flat_parts.push_back(to_comm(t).reshape(-1));
    std::vector<torch::Tensor> flat{torch::cat(flat_parts)};
    c10d::BroadcastOptions opts;
    opts.rootRank = root;
    guarded("broadcast", [&] {
      group_->backend->broadcast(flat, opts)->wait();
      return 0;
    });
    std::int64_t offset = 0;
    for (auto& t : group) {
      t.copy_(flat[0].narrow(0, offset, t.numel()).view_as(t));
      offset += t.numel();
    }
  }
}

PendingCollective DistributedContext::all_reduce_sum_async(torch::Tensor tensor) {
  if (!active()) return {};
  auto work = guarded("all_reduce", [&] {
    std::vector<torch::Tensor> list{tensor};
    return group_->backend->allreduce(list, c10d::AllreduceOptions());
  });
  return PendingCollective([this, work] {
    guarded("all_reduce", [&] {
      work->wait();
      return 0;
    });
  });
}

void DistributedContext::all_reduce_sum(torch::Tensor& tensor) {
  if (!active()) return;
  auto comm = to_comm(tensor);
  all_reduce_sum_async(comm).wait();
  if (!comm.is_same(tensor)) tensor.copy_(comm);
}

std::vector<double> DistributedContext::all_reduce_sum(const std::vector<double>& values) {
  if (!active() || values.empty()) return values;
  auto t = torch::tensor(values, torch::kFloat64).to(comm_device_);
  all_reduce_sum(t);
  t = t.cpu();
  return std::vector<double>(t.data_ptr<double>(), t.data_ptr<double>() + t.numel());
}

torch::Tensor DistributedContext::all_gather_rows(const torch::Tensor& rows) {
  if (!active()) return rows;
  TORCH_CHECK(rows.dim() >= 1, "all_gather_rows needs at least one dimension");
  const auto gather = [&](const torch::Tensor& local) {
    std::vector<std::vector<torch::Tensor>> out(1);
    for (int r = 0; r < world_size(); ++r) out[0].push_back(torch::empty_like(local));
    std::vector<torch::Tensor> in{local};
    guarded("all_gather", [&] {
      group_->backend->allgather(out, in, c10d::AllgatherOptions())->wait();
      return 0;
    });
    return out[0];
  };
  // Row counts first; then every rank pads to the largest count and the padding is cut off.
  const auto counts = gather(torch::tensor({rows.size(0)}, torch::kInt64).to(comm_device_));
  std::vector<std::int64_t> n;
  for (const auto& c : counts) n.push_back(c.cpu().item<std::int64_t>());
  const std::int64_t most = *std::max_element(n.begin(), n.end());
  auto shape = rows.sizes().vec();
  shape[0] = most;
  auto padded = torch::zeros(shape, rows.options().device(comm_device_));
  if (rows.size(0) > 0) padded.narrow(0, 0, rows.size(0)).copy_(rows);
  const auto parts = gather(padded);
  std::vector<torch::Tensor> kept;
  for (int r = 0; r < world_size(); ++r) kept.push_back(parts[static_cast<std::size_t>(r)].narrow(0, 0, n[r]));
  return torch::cat(kept).to(rows.device());
}

void DistributedContext::barrier() {
  if (!active()) return;
  if (backend_ == DistBackend::kNccl) {  // NCCL's barrier guesses a device; an all-reduce on ours does not
    auto t = torch::zeros({1}, torch::TensorOptions().device(comm_device_));
    all_reduce_sum(t);
    return;
  }
  guarded("barrier", [&] {
    group_->backend->barrier(c10d::BarrierOptions())->wait();
    return 0;
  });
}

torch::Tensor all_gather_rows_with_grad(DistributedContext& dist, const torch::Tensor& rows) {
  if (!dist.active()) return rows;
  const auto counts = dist.all_gather_rows(torch::tensor({rows.size(0)}, torch::kInt64));
  const auto offset = counts.narrow(0, 0, dist.rank()).sum().item<std::int64_t>();
  const auto all = dist.all_gather_rows(rows.detach());
  const auto n = rows.size(0), after = all.size(0) - offset - n;
  // cat's backward gives each input its rows of the gradient: `rows` gets this rank's slice.
  return torch::cat({all.narrow(0, 0, offset), rows, all.narrow(0, offset + n, after)});
}

void broadcast_module(DistributedContext& dist, torch::nn::Module& module) {
  std::vector<torch::Tensor> tensors;
  for (const auto& p : module.parameters()) tensors.push_back(p);
  for (const auto& b : module.buffers()) tensors.push_back(b);
  dist.broadcast(tensors, 0);
}

void check_parameters_in_sync(DistributedContext& dist, const torch::nn::Module& module) {
  if (!dist.active()) return;
  torch::NoGradGuard no_grad;
  const auto named = module.named_parameters();
  std::vector<torch::Tensor> sums;
  for (const auto& item : named) {
    const auto v = item.value().detach().to(torch::kFloat64);
    sums.push_back(torch::stack({v.sum(), v.abs().sum()}));
  }
  if (sums.empty()) return;
  const auto local = torch::stack(sums).unsqueeze(0).cpu();  // [1, P, 2]
  const auto all = dist.all_gather_rows(local);             // [world, P, 2]
  for (int r = 1; r < dist.world_size(); ++r) {
    const auto differs = (all[r] != all[0]).any(1);
    if (!differs.any().item<bool>()) continue;
    const auto p = differs.nonzero()[0][0].item<std::int64_t>();
    std::ostringstream values;
    values << "rank 0 sum " << all[0][p][0].item<double>() << ", rank " << r << " sum " << all[r][p][0].item<double>();
    throw NetworkError("parameter " + named[static_cast<std::size_t>(p)].key(),
                       "differs between ranks: a non-deterministic operation or a collective out of order",
                       values.str());
  }
}

CollectiveSupport collective_support() {
  CollectiveSupport support;
  support.gloo = SFAR_WITH_GLOO;
  support.nccl = SFAR_WITH_NCCL;
#if SFAR_WITH_NCCL
  support.nccl_version = c10d::getNcclVersion();
#endif
  return support;
}

}  // namespace sfar::engine
