// AdamW with parameter groups, as CLIP fine-tuning recipes use it: the pretrained backbone
// (names under configured prefixes) trains at a fraction of the learning rate, and biases,
// normalisation weights, embeddings and the logit scale are exempt from weight decay. The
// logit scale has a group of its own with its own learning-rate ratio (BIKE trains it with
// the CLIP model at 0.1x the head's rate). Frozen parameters (requires_grad false, e.g. the
// text encoder) are left out entirely.
//
//   auto groups = group_parameters(*model, grouping_options(config.train));
//   auto adamw = build_adamw(groups, {.lr = 8e-6, .weight_decay = 0.001});
#pragma once

#include <torch/torch.h>

#include <memory>
#include <string>
#include <vector>

#include "sfar/engine/fused_adamw.h"
#include "sfar/engine/train_options.h"

namespace sfar::engine {

struct GroupingOptions {
  std::vector<std::string> backbone_prefixes = {"visual."};
  double backbone_lr_ratio = 1.0;
  // A parameter whose last name component is "logit_scale" trains at lr * this ratio.
  double logit_scale_lr_ratio = 1.0;
  // A parameter whose name contains one of these (or ends in "bias", or belongs to a
  // LayerNorm/GroupNorm/BatchNorm module) gets no weight decay.
  std::vector<std::string> no_decay_keywords = {"ln_", "norm", "embedding", "logit_scale"};
};

// One AdamW parameter group. lr_ratio multiplies the scheduled learning rate.
struct ParamGroup {
  std::string label;                // "backbone/decay", "backbone/no_decay", "head/decay", ...
  double lr_ratio = 1.0;
  bool decay = true;
  std::vector<std::string> names;   // parameter names, in module order
  std::vector<torch::Tensor> params;
};

// True when `name` (a full dotted parameter name) is exempt from weight decay by its name.
bool is_no_decay_name(const std::string& name, const GroupingOptions& options);

// The grouping the trainer uses for `train:` options (prefixes and both lr ratios).
GroupingOptions grouping_options(const TrainOptions& options);

// True when `name` is a logit scale ("logit_scale" or "<module>.logit_scale").
bool is_logit_scale_name(const std::string& name);

// Sorts the trainable parameters of `module` into at most five groups (backbone or head,
// decay or not, then the logit scale), in that order, dropping empty ones.
std::vector<ParamGroup> group_parameters(const torch::nn::Module& module,
                                         const GroupingOptions& options);

struct AdamWSettings {
  double lr = 1e-3;
  double weight_decay = 0.01;
  double beta1 = 0.9, beta2 = 0.999;
  double eps = 1e-8;
};

// AdamW over the groups, in the same order; group i starts at lr * groups[i].lr_ratio and
// weight decay 0 when groups[i].decay is false. Throws ArgumentError when no group is left.
// FusedAdamW: torch::optim::AdamW's arithmetic and state, one pass per step on the CPU.
std::unique_ptr<FusedAdamW> build_adamw(const std::vector<ParamGroup>& groups, const AdamWSettings& settings);

// Sets every group's lr to lr * its ratio (ratios in group order, as build_adamw made them).
void set_group_lrs(torch::optim::Optimizer& optimizer, const std::vector<double>& ratios,
                   double lr);

}  // namespace sfar::engine
