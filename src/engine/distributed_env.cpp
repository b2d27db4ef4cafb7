#include "sfar/engine/distributed_env.h"

#include <cstdlib>
#include <limits>
#include <string>

#include "sfar/core/error.h"

namespace sfar::engine {
namespace {

std::string env_key(const std::string& name) { return "environment variable " + name; }

std::optional<std::string> lookup(const EnvLookup& env, const std::string& name) {
  auto value = env(name);
  if (value && value->empty()) return std::nullopt;  // `VAR= cmd` counts as unset
  return value;
}

std::int64_t parse_integer(const std::string& name, const std::string& text) {
  std::size_t used = 0;
  long long value = 0;
  try {
    value = std::stoll(text, &used);
  } catch (const std::logic_error&) {
    used = 0;
  }
  if (used == 0 || used != text.size()) throw ConfigError(env_key(name), "expected an integer", text);
  return value;
}

int required_int(const EnvLookup& env, const std::string& name, std::int64_t min, std::int64_t max,
                 const std::string& why) {
  const auto text = lookup(env, name);
  if (!text) throw ConfigError(env_key(name), "not set (" + why + ")");
  const std::int64_t value = parse_integer(name, *text);
  if (value < min || value > max) {
    throw ConfigError(env_key(name),
                      "must lie in [" + std::to_string(min) + ", " + std::to_string(max) + "]", *text);
  }
  return static_cast<int>(value);
}

int optional_int(const EnvLookup& env, const std::string& name, std::int64_t min, std::int64_t max,
                 int fallback) {
  return lookup(env, name) ? required_int(env, name, min, max, "") : fallback;
}

constexpr std::int64_t kMaxInt = std::numeric_limits<int>::max();

// What torchrun's elastic agent adds: whether it hosts the store, and which restart this is.
void read_torchelastic(const EnvLookup& env, DistributedEnv& out) {
  if (const auto shared = lookup(env, "TORCHELASTIC_USE_AGENT_STORE")) {
    if (*shared != "True" && *shared != "False") {
      throw ConfigError(env_key("TORCHELASTIC_USE_AGENT_STORE"), "expected True or False", *shared);
    }
    out.agent_store = *shared == "True";
  }
  out.restart_count = optional_int(env, "TORCHELASTIC_RESTART_COUNT", 0, kMaxInt, 0);
}

}  // namespace

EnvLookup process_environment() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* value = std::getenv(name.c_str());
    if (!value) return std::nullopt;
    return std::string(value);
  };
}

std::string first_slurm_host(const std::string& nodelist) {
  // The first top-level entry: commas inside brackets separate ranges, not hosts.
  std::string entry;
  int depth = 0;
  for (const char c : nodelist) {
    if (c == '[') ++depth;
    if (c == ']' && --depth < 0) break;
    if (c == ',' && depth == 0) break;
    entry += c;
  }
  if (depth != 0) throw ConfigError(env_key("SLURM_JOB_NODELIST"), "unbalanced brackets", nodelist);
  const auto open = entry.find('[');
  if (open == std::string::npos) {
    if (entry.empty()) throw ConfigError(env_key("SLURM_JOB_NODELIST"), "no host in the node list", nodelist);
    return entry;
  }
  const auto close = entry.find(']', open);
  const std::string ranges = entry.substr(open + 1, close - open - 1);
  const std::string first = ranges.substr(0, ranges.find_first_of(",-"));
  if (open == 0 && first.empty()) {
    throw ConfigError(env_key("SLURM_JOB_NODELIST"), "no host in the node list", nodelist);
  }
  // Anything after the bracket ("gpu[1-4]-ib") is part of every name; a second bracket
  // group takes its first value too.
  const std::string rest = entry.substr(close + 1);
  return entry.substr(0, open) + first + (rest.find('[') == std::string::npos ? rest : first_slurm_host(rest));
}

DistributedEnv read_distributed_env(const EnvLookup& env) {
  DistributedEnv out;
  if (lookup(env, "RANK") || lookup(env, "WORLD_SIZE")) {
    out.launcher = "torchrun";
    out.world_size = required_int(env, "WORLD_SIZE", 1, kMaxInt, "RANK is set");
    out.rank = required_int(env, "RANK", 0, out.world_size - 1, "WORLD_SIZE is set");
    out.local_rank = optional_int(env, "LOCAL_RANK", 0, kMaxInt, 0);
    if (!out.distributed()) {  // rank 0's address serves only a forced group of one (run.dist_force_group)
      if (const auto addr = lookup(env, "MASTER_ADDR")) out.master_addr = *addr;
      out.master_port = optional_int(env, "MASTER_PORT", 1, 65535, out.master_port);
      return out;
    }
    read_torchelastic(env, out);
    const auto addr = lookup(env, "MASTER_ADDR");
    if (!addr) throw ConfigError(env_key("MASTER_ADDR"), "not set (WORLD_SIZE > 1 needs rank 0's host)");
    out.master_addr = *addr;
    out.master_port = required_int(env, "MASTER_PORT", 1, 65535, "WORLD_SIZE > 1 needs rank 0's port");
    return out;
  }
  if (lookup(env, "SLURM_PROCID") && lookup(env, "SLURM_NTASKS")) {
    out.launcher = "slurm";
    out.world_size = required_int(env, "SLURM_NTASKS", 1, kMaxInt, "");
    out.rank = required_int(env, "SLURM_PROCID", 0, out.world_size - 1, "");
    out.local_rank = optional_int(env, "SLURM_LOCALID", 0, kMaxInt, 0);
    if (const auto addr = lookup(env, "MASTER_ADDR")) {
      out.master_addr = *addr;
    } else if (const auto nodes = lookup(env, "SLURM_JOB_NODELIST")) {
      out.master_addr = first_slurm_host(*nodes);
    } else if (out.distributed()) {
      throw ConfigError(env_key("MASTER_ADDR"), "not set, and no SLURM_JOB_NODELIST to take rank 0's host from");
    }
    out.master_port = optional_int(env, "MASTER_PORT", 1, 65535, out.master_port);
  }
  return out;
}

std::string rank_device(const std::string& device, const DistributedEnv& env) {
  if (device == "cuda" && env.distributed()) return "cuda:" + std::to_string(env.local_rank);
  return device;
}

TrainOptions per_rank_train_options(const TrainOptions& global, int world_size) {
  if (world_size < 1) throw ArgumentError("world size", "must be at least 1", std::to_string(world_size));
  TrainOptions o = global;
  if (world_size == 1) return o;
  if (global.batch_size % world_size != 0) {
    throw ConfigError("train.batch_size", "the global batch must be divisible by the world size " +
                      std::to_string(world_size), std::to_string(global.batch_size));
  }
  o.batch_size = global.batch_size / world_size;
  if (o.micro_batch > 0 && o.batch_size % o.micro_batch != 0) {
    throw ConfigError("train.micro_batch", "must divide the per-rank batch " + std::to_string(o.batch_size) +
                      " (train.batch_size " + std::to_string(global.batch_size) + " / " +
                      std::to_string(world_size) + " ranks)", std::to_string(o.micro_batch));
  }
  return o;
}

}  // namespace sfar::engine
