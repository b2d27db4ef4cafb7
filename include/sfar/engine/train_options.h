// The trainer's settings, declared once with their YAML keys, defaults and ranges (see
// config_archive.h), so that the `train:` section of a config reads straight into them.
//
//   TrainOptions opt = read_config<TrainOptions>(tree.find("train"), "train");
//   validate_train_options(opt, "cpu");  // fp16 on CPU -> ConfigError naming train.precision
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sfar/core/config_archive.h"
#include "sfar/engine/precision.h"

namespace sfar::engine {

struct TrainOptions {
  std::int64_t epochs = 30;
  double warmup_epochs = 5;            // linear warm-up length, fractional epochs allowed
  std::string schedule_unit = "step";  // step: lr changes every step; epoch: once per epoch
  double lr = 8e-6;                    // peak learning rate of the non-backbone groups
  double min_lr = 0;                   // floor the cosine decays to
  double backbone_lr_ratio = 1.0;      // backbone groups train at lr * ratio
  // CLIP's logit scale trains at lr * ratio. 0.1: BIKE keeps it in the CLIP model's parameter
  // group, which trains at 0.1x the head's lr; METHOD.md's recipe does not say.
  double logit_scale_lr_ratio = 0.1;
  std::vector<std::string> backbone_prefixes = {"visual."};
  double weight_decay = 0.001;
  std::vector<double> betas = {0.9, 0.98};
  double eps = 1e-8;
  std::int64_t batch_size = 64;         // global batch per optimizer step
  std::int64_t micro_batch = 0;         // samples per forward/backward; 0 = batch_size
  double grad_clip = 0;                 // max global grad norm; 0 = off (the recipe and BIKE do not clip)
  double ema = 0;                       // EMA decay of the weights; 0 = off
  std::int64_t max_nonfinite_in_a_row = 10;
  std::int64_t keep_last = 3;           // checkpoints kept besides best.pt
  Precision precision = Precision::kFp32;  // bf16/fp16 need CUDA (precision.h)
  std::int64_t log_interval = 20;       // optimizer steps between metrics lines

  template <class A>
  void visit(A& a) {
    a("epochs", epochs, cfg::at_least(1));
    a("warmup_epochs", warmup_epochs, cfg::non_negative());
    a("schedule_unit", schedule_unit, cfg::one_of({"step", "epoch"}));
    a("lr", lr, cfg::positive());
    a("min_lr", min_lr, cfg::non_negative());
    a("backbone_lr_ratio", backbone_lr_ratio, cfg::non_negative());
    a("logit_scale_lr_ratio", logit_scale_lr_ratio, cfg::non_negative());
    a("backbone_prefixes", backbone_prefixes);
    a("weight_decay", weight_decay, cfg::non_negative());
    a("betas", betas);
    a("eps", eps, cfg::positive());
    a("batch_size", batch_size, cfg::at_least(1));
    a("micro_batch", micro_batch, cfg::non_negative());
    a("grad_clip", grad_clip, cfg::non_negative());
    a("ema", ema, cfg::in_range(0, 1));
    a("max_nonfinite_in_a_row", max_nonfinite_in_a_row, cfg::at_least(1));
    a("keep_last", keep_last, cfg::at_least(1));
    visit_precision(a, "precision", precision);
    a("log_interval", log_interval, cfg::at_least(1));
  }

  // Samples per forward/backward pass (micro_batch, or batch_size when it is 0).
  std::int64_t micro_batch_size() const { return micro_batch == 0 ? batch_size : micro_batch; }
  // Forward/backward passes per optimizer step.
  std::int64_t accumulation_steps() const { return batch_size / micro_batch_size(); }
};

// Checks what ranges alone cannot: betas in [0, 1), micro_batch dividing batch_size,
// min_lr <= lr, warm-up shorter than the run, and mixed precision only on CUDA devices.
// `path` prefixes the key names in errors (e.g. "train"). Throws ConfigError.
void validate_train_options(const TrainOptions& options, const std::string& device,
                            const std::string& path = "train");

}  // namespace sfar::engine
