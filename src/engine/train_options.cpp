#include "sfar/engine/train_options.h"

#include "sfar/core/error.h"

namespace sfar::engine {
namespace {

std::string key(const std::string& path, const char* name) {
  return path.empty() ? std::string(name) : path + "." + name;
}

}  // namespace

void validate_train_options(const TrainOptions& o, const std::string& device,
                            const std::string& path) {
  if (o.betas.size() != 2 || o.betas[0] < 0 || o.betas[0] >= 1 || o.betas[1] < 0 ||
      o.betas[1] >= 1) {
    std::string text = "[";
    for (std::size_t i = 0; i < o.betas.size(); ++i) {
      text += (i ? ", " : "") + cfg::format_number(o.betas[i]);
    }
    throw ConfigError(key(path, "betas"), "expected two numbers in [0, 1)", text + "]");
  }
  const std::int64_t micro = o.micro_batch_size();
  if (micro > o.batch_size || o.batch_size % micro != 0) {
    throw ConfigError(key(path, "micro_batch"),
                      "must divide batch_size (" + std::to_string(o.batch_size) + ")",
                      std::to_string(o.micro_batch));
  }
  if (o.min_lr > o.lr) {
    throw ConfigError(key(path, "min_lr"), "must not exceed lr (" + cfg::format_number(o.lr) + ")",
                      cfg::format_number(o.min_lr));
  }
  if (o.warmup_epochs >= static_cast<double>(o.epochs) && o.warmup_epochs > 0) {
    throw ConfigError(key(path, "warmup_epochs"),
                      "must be shorter than epochs (" + std::to_string(o.epochs) + ")",
                      cfg::format_number(o.warmup_epochs));
  }
  const bool cuda = device.rfind("cuda", 0) == 0;
  if (precision_entry(o.precision).autocast && !cuda) {
    throw ConfigError(key(path, "precision"),
                      "bf16 and fp16 training need a CUDA device; on " + device + " use fp32",
                      to_string(o.precision));
  }
}

}  // namespace sfar::engine
