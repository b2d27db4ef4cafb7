// The launcher environment (torchrun, Slurm) and, in one process with a thread per rank, the
// Gloo group: exact gathers, broadcast, bucketed gradient averaging against one big batch,
// and a rank that never joins a collective failing the others after the time-out.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <thread>

#include "sfar/core/error.h"
#include "sfar/engine/distributed.h"
#include "sfar/engine/gradient_reducer.h"
#include "support/run_binary.h"

namespace sfar::engine {
namespace {

EnvLookup env_of(std::map<std::string, std::string> vars) {
  return [vars](const std::string& name) -> std::optional<std::string> {
    const auto it = vars.find(name);
    return it == vars.end() ? std::nullopt : std::optional<std::string>(it->second);
  };
}

void expect_config_error(const std::map<std::string, std::string>& vars, const std::string& variable,
                         const std::string& value) {
  try {
    read_distributed_env(env_of(vars));
    FAIL() << "expected ConfigError naming " << variable;
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.where(), "environment variable " + variable) << e.what();
    EXPECT_EQ(e.value(), value) << e.what();
  }
}

TEST(DistributedEnv, NoVariablesIsOneProcess) {
  const auto env = read_distributed_env(env_of({}));
  EXPECT_EQ(env.world_size, 1);
  EXPECT_EQ(env.rank, 0);
  EXPECT_FALSE(env.distributed());
  EXPECT_EQ(env.launcher, "none");
}

TEST(DistributedEnv, Torchrun) {
  const auto env = read_distributed_env(env_of({{"RANK", "3"}, {"WORLD_SIZE", "8"}, {"LOCAL_RANK", "1"},
                                                {"MASTER_ADDR", "node7"}, {"MASTER_PORT", "29511"},
                                                {"SLURM_PROCID", "0"}, {"SLURM_NTASKS", "2"}}));
  EXPECT_EQ(env.launcher, "torchrun");  // torchrun inside a Slurm allocation: torchrun's variables win
  EXPECT_EQ(env.rank, 3);
  EXPECT_EQ(env.world_size, 8);
  EXPECT_EQ(env.local_rank, 1);
  EXPECT_EQ(env.master_addr, "node7");
  EXPECT_EQ(env.master_port, 29511);
  EXPECT_EQ(rank_device("cuda", env), "cuda:1");
  EXPECT_EQ(rank_device("cuda:0", env), "cuda:0");
  EXPECT_EQ(rank_device("cpu", env), "cpu");
  // WORLD_SIZE=1 needs no rendezvous; torchrun's address is kept for a forced group of one.
  EXPECT_FALSE(read_distributed_env(env_of({{"RANK", "0"}, {"WORLD_SIZE", "1"}})).distributed());
  const auto one = read_distributed_env(
      env_of({{"RANK", "0"}, {"WORLD_SIZE", "1"}, {"MASTER_ADDR", "127.0.0.2"}, {"MASTER_PORT", "29999"}}));
  EXPECT_EQ(one.master_addr, "127.0.0.2");
  EXPECT_EQ(one.master_port, 29999);
}

// torchrun's agent hosts the store on MASTER_PORT (static and c10d rendezvous alike) and keeps
// it across restarts: every rank joins it as a client, under a prefix per restart.
TEST(DistributedEnv, TorchrunAgentStoreAndRestart) {
  std::map<std::string, std::string> vars{{"RANK", "0"}, {"WORLD_SIZE", "2"}, {"MASTER_ADDR", "127.0.0.1"},
                                          {"MASTER_PORT", "29511"}};
  EXPECT_FALSE(read_distributed_env(env_of(vars)).agent_store);
  vars["TORCHELASTIC_USE_AGENT_STORE"] = "True";
  vars["TORCHELASTIC_RESTART_COUNT"] = "1";
  const auto env = read_distributed_env(env_of(vars));
  EXPECT_TRUE(env.agent_store);
  EXPECT_EQ(env.restart_count, 1);
  vars["TORCHELASTIC_USE_AGENT_STORE"] = "False";
  EXPECT_FALSE(read_distributed_env(env_of(vars)).agent_store);
  vars["TORCHELASTIC_USE_AGENT_STORE"] = "yes";
  expect_config_error(vars, "TORCHELASTIC_USE_AGENT_STORE", "yes");
  vars["TORCHELASTIC_USE_AGENT_STORE"] = "True";
  vars["TORCHELASTIC_RESTART_COUNT"] = "-1";
  expect_config_error(vars, "TORCHELASTIC_RESTART_COUNT", "-1");
}

TEST(DistributedEnv, Slurm) {
  const auto env = read_distributed_env(env_of({{"SLURM_PROCID", "5"}, {"SLURM_NTASKS", "16"},
                                                {"SLURM_LOCALID", "5"},
                                                {"SLURM_JOB_NODELIST", "gpu[012-013,020],login1"}}));
  EXPECT_EQ(env.launcher, "slurm");
  EXPECT_EQ(env.rank, 5);
  EXPECT_EQ(env.world_size, 16);
  EXPECT_EQ(env.local_rank, 5);
  EXPECT_EQ(env.master_addr, "gpu012");
  EXPECT_EQ(env.master_port, 29500);
  const auto pinned = read_distributed_env(env_of({{"SLURM_PROCID", "0"}, {"SLURM_NTASKS", "2"},
                                                   {"SLURM_JOB_NODELIST", "a1"}, {"MASTER_ADDR", "10.0.0.1"},
                                                   {"MASTER_PORT", "1234"}}));
  EXPECT_EQ(pinned.master_addr, "10.0.0.1");
  EXPECT_EQ(pinned.master_port, 1234);
  EXPECT_EQ(first_slurm_host("node1,node2"), "node1");
  EXPECT_EQ(first_slurm_host("n[7]"), "n7");
  EXPECT_EQ(first_slurm_host("rack[2-3]-gpu[05-06]"), "rack2-gpu05");
  EXPECT_EQ(first_slurm_host("gpu[1-4]-ib,cpu9"), "gpu1-ib");
}

TEST(DistributedEnv, BadValuesNameTheVariable) {
  expect_config_error({{"RANK", "two"}, {"WORLD_SIZE", "4"}}, "RANK", "two");
  expect_config_error({{"RANK", "4"}, {"WORLD_SIZE", "4"}}, "RANK", "4");
  expect_config_error({{"RANK", "0"}, {"WORLD_SIZE", "0"}}, "WORLD_SIZE", "0");
  expect_config_error({{"RANK", "0"}, {"WORLD_SIZE", "2x"}}, "WORLD_SIZE", "2x");
  expect_config_error({{"RANK", "0"}}, "WORLD_SIZE", "");
  expect_config_error({{"RANK", "0"}, {"WORLD_SIZE", "2"}, {"LOCAL_RANK", "-1"}}, "LOCAL_RANK", "-1");
  expect_config_error({{"RANK", "0"}, {"WORLD_SIZE", "2"}, {"MASTER_PORT", "29500"}}, "MASTER_ADDR", "");
  expect_config_error({{"RANK", "0"}, {"WORLD_SIZE", "2"}, {"MASTER_ADDR", "h"}, {"MASTER_PORT", "70000"}},
                      "MASTER_PORT", "70000");
  expect_config_error({{"SLURM_PROCID", "1"}, {"SLURM_NTASKS", "one"}}, "SLURM_NTASKS", "one");
  expect_config_error({{"SLURM_PROCID", "1"}, {"SLURM_NTASKS", "2"}}, "MASTER_ADDR", "");
  expect_config_error({{"SLURM_PROCID", "0"}, {"SLURM_NTASKS", "2"}, {"SLURM_JOB_NODELIST", "gpu[1-2"}},
                      "SLURM_JOB_NODELIST", "gpu[1-2");
}

TEST(DistributedEnv, PerRankBatch) {
  TrainOptions o;
  o.batch_size = 256;
  o.micro_batch = 16;
  const auto r = per_rank_train_options(o, 8);
  EXPECT_EQ(r.batch_size, 32);
  EXPECT_EQ(r.accumulation_steps(), 2);
  o.micro_batch = 0;
  EXPECT_EQ(per_rank_train_options(o, 8).micro_batch_size(), 32);
  try {
    per_rank_train_options(o, 3);
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.where(), "train.batch_size");
    EXPECT_EQ(e.value(), "256");
  }
  o.micro_batch = 64;
  try {
    per_rank_train_options(o, 8);
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.where(), "train.micro_batch");
  }
}

// Runs body(context) on `world` threads, one Gloo rank each, and rethrows the first failure.
void run_ranks(int world, double timeout_s, double bucket_mb, const std::function<void(DistributedContext&)>& body) {
  const int port = test::free_local_port();
  std::vector<std::exception_ptr> errors(static_cast<std::size_t>(world));
  std::vector<std::thread> threads;
  for (int r = 0; r < world; ++r) {
    threads.emplace_back([&, r] {
      try {
        DistributedEnv env{r, world, r, "127.0.0.1", port, "test"};
        DistributedContext dist(env, {DistBackend::kGloo, "cpu", timeout_s, bucket_mb});
        body(dist);
      } catch (...) {
        errors[static_cast<std::size_t>(r)] = std::current_exception();
      }
    });
  }
  for (auto& t : threads) t.join();
  for (auto& e : errors) {
    if (e) std::rethrow_exception(e);
  }
}

TEST(DistributedGroup, GathersUnevenRowsAndBroadcasts) {
  run_ranks(3, 30, 25, [](DistributedContext& dist) {
    const int r = dist.rank();
    // Rank r holds r + 1 rows whose values say where they came from; rank 0's shard may be empty too.
    const auto rows = torch::arange(r + 1, torch::kFloat32).unsqueeze(1).repeat({1, 2}) + 10 * r;
    const auto all = dist.all_gather_rows(rows);
    const auto expected = torch::tensor({0.f, 0.f, 10.f, 10.f, 11.f, 11.f, 20.f, 20.f, 21.f, 21.f, 22.f, 22.f}).view({6, 2});
    EXPECT_TRUE(torch::equal(all, expected)) << all;
    const auto none = dist.all_gather_rows(torch::zeros({r == 1 ? 2 : 0, 3}));
    EXPECT_EQ(none.sizes(), (std::vector<std::int64_t>{2, 3}));
    std::vector<torch::Tensor> mine{torch::full({2, 2}, float(r)), torch::full({3}, std::int64_t{r})};
    dist.broadcast(mine, 0);
    EXPECT_EQ(mine[0].sum().item<float>(), 0.f);
    EXPECT_EQ(mine[1].sum().item<std::int64_t>(), 0);
    EXPECT_EQ(dist.all_reduce_sum(std::vector<double>{1.0, double(r)}), (std::vector<double>{3.0, 3.0}));
  });
}

// Two ranks, each with half of a batch of 8 in micro-batches of 2, against one process with
// the whole batch: the averaged gradients must be the same.
TEST(DistributedGroup, BucketedAverageEqualsOneBigBatch) {
  torch::manual_seed(3);
  auto make_model = [] {
    torch::manual_seed(7);
    return torch::nn::Sequential(torch::nn::Linear(6, 32), torch::nn::Tanh(), torch::nn::Linear(32, 16),
                                 torch::nn::Tanh(), torch::nn::Linear(16, 3));
  };
  const auto x = torch::randn({8, 6}), y = torch::randint(0, 3, {8}, torch::kInt64);
  auto reference = make_model();
  torch::nn::functional::cross_entropy(reference->forward(x), y).backward();

  std::mutex seeding;  // both rank threads draw from the one global generator: not at once
  run_ranks(2, 30, /*bucket_mb=*/0.001, [&](DistributedContext& dist) {
    auto model = [&] {
      std::lock_guard<std::mutex> lock(seeding);
      return make_model();
    }();
    if (dist.rank() == 1) {  // different start: the broadcast must fix it
      torch::NoGradGuard no_grad;
      for (auto& p : model->parameters()) p.add_(1.0);
    }
    broadcast_module(dist, *model);
    GradientReducer reducer(dist, model->parameters(), 1024);  // small buckets: several in flight
    EXPECT_GE(reducer.num_buckets(), 3);
    for (int step = 0; step < 2; ++step) {  // a second step checks the per-step reset
      for (auto& p : model->parameters()) p.mutable_grad() = torch::Tensor();
      for (int micro = 0; micro < 2; ++micro) {
        const auto rows = torch::tensor({dist.rank() * 4 + micro * 2, dist.rank() * 4 + micro * 2 + 1});
        reducer.prepare_backward(micro == 1);
        (torch::nn::functional::cross_entropy(model->forward(x.index_select(0, rows)), y.index_select(0, rows)) / 2)
            .backward();
      }
      reducer.finish();
      EXPECT_EQ(reducer.overlapped_buckets(), reducer.num_buckets());  // all started inside backward
      const auto got = model->parameters();
      const auto want = reference->parameters();
      for (std::size_t i = 0; i < got.size(); ++i) {
        EXPECT_TRUE(torch::allclose(got[i].grad(), want[i].grad(), 1e-5, 1e-6))
            << "parameter " << i << " rank " << dist.rank();
      }
    }
    check_parameters_in_sync(dist, *model);
  });
}

// One process with force_group: every collective and the gradient reducer run through the
// backend for real, and give back what a group of one must (the inputs, the plain gradients).
void check_group_of_one(const std::string& backend, const std::string& device) {
  DistributedEnv env{0, 1, 0, "127.0.0.1", test::free_local_port(), "test"};
  DistributedContext dist(env, {cfg::parse_enum<DistBackend>(backend, dist_backend_names(), "backend"), device, 30,
                                0.001, /*force_group=*/true});
  ASSERT_TRUE(dist.active());
  EXPECT_EQ(dist.backend(), backend);
  const auto on = torch::TensorOptions().device(device);
  auto t = torch::arange(6, on.dtype(torch::kFloat32)).view({2, 3});
  dist.all_reduce_sum(t);
  EXPECT_TRUE(torch::equal(t.cpu(), torch::arange(6, torch::kFloat32).view({2, 3})));
  auto pending = dist.all_reduce_sum_async(t);
  pending.wait();
  EXPECT_TRUE(torch::equal(t.cpu(), torch::arange(6, torch::kFloat32).view({2, 3})));
  EXPECT_TRUE(torch::equal(dist.all_gather_rows(t).cpu(), t.cpu()));
  EXPECT_EQ(dist.all_reduce_sum(std::vector<double>{1.5, -2.0}), (std::vector<double>{1.5, -2.0}));
  std::vector<torch::Tensor> mine{torch::full({2}, 3.f, on), torch::full({3}, std::int64_t{4}, on)};
  dist.broadcast(mine, 0);
  EXPECT_EQ(mine[0].sum().item<float>(), 6.f);
  EXPECT_EQ(mine[1].sum().item<std::int64_t>(), 12);
  dist.barrier();

  torch::manual_seed(5);
  auto model = torch::nn::Sequential(torch::nn::Linear(4, 8), torch::nn::Tanh(), torch::nn::Linear(8, 2));
  model->to(torch::Device(device));
  auto reference = torch::nn::Sequential(torch::nn::Linear(4, 8), torch::nn::Tanh(), torch::nn::Linear(8, 2));
  reference->to(torch::Device(device));
  broadcast_module(dist, *model);
  {
    torch::NoGradGuard no_grad;
    for (std::size_t i = 0; i < model->parameters().size(); ++i) reference->parameters()[i].copy_(model->parameters()[i]);
  }
  const auto x = torch::randn({5, 4}, on);
  reference->forward(x).square().sum().backward();
  GradientReducer reducer(dist, model->parameters(), 64);
  reducer.prepare_backward(true);
  model->forward(x).square().sum().backward();
  reducer.finish();
  for (std::size_t i = 0; i < model->parameters().size(); ++i) {
    EXPECT_TRUE(torch::allclose(model->parameters()[i].grad(), reference->parameters()[i].grad(), 1e-6, 1e-7)) << i;
  }
  check_parameters_in_sync(dist, *model);
}

TEST(DistributedGroup, ForcedGroupOfOneRunsGlooForReal) { check_group_of_one("gloo", "cpu"); }

// The 1-GPU NCCL smoke test: runs where LibTorch has CUDA and a GPU (sfar built with NCCL).
TEST(DistributedGroup, ForcedGroupOfOneRunsNcclOnOneGpu) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device";
  check_group_of_one("nccl", "cuda:0");
}

TEST(DistributedGroup, AbsentRankFailsTheOthersAfterTheTimeOut) {
  const auto start = std::chrono::steady_clock::now();
  try {
    run_ranks(2, /*timeout_s=*/2, 25, [](DistributedContext& dist) {
      if (dist.rank() == 1) return;  // never joins the all-reduce
      auto t = torch::ones({4});
      dist.all_reduce_sum(t);
    });
    FAIL() << "expected NetworkError";
  } catch (const NetworkError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("rank 0 of 2"), std::string::npos) << what;
    EXPECT_NE(what.find("all_reduce"), std::string::npos) << what;
    EXPECT_NE(what.find("run.dist_timeout_s = 2"), std::string::npos) << what;
  }
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(), 30);
}

}  // namespace
}  // namespace sfar::engine
