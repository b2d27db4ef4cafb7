// Everything `sfar train` and `sfar eval` read from a config: the run, the CLIP backbone and
// its tokenizer (the structs of sfar_config.h), the video head, the data, the evaluation list,
// the trainer, the loss and the class descriptions. Unknown keys anywhere are errors.
//
//   SfarRunConfig config = load_sfar_run_config({"configs/k400/sfar_vit_b16.yaml"},
//                                               {"data.root=/data/k400"});
//
// Relative `data.list`, `data.labels`, `eval.list` and `descriptions.cache` that do not exist as written are looked
// up under `data.root`, so a shipped config needs only `--set data.root=...`.
#pragma once

#include <string>
#include <vector>

#include "sfar/core/config_archive.h"
#include "sfar/core/sfar_config.h"
#include "sfar/data/data_config.h"
#include "sfar/describe/description_cache.h"
#include "sfar/engine/train_options.h"
#include "sfar/method/video_head.h"
#include "sfar/recipes/protocol_config.h"

namespace sfar::recipes {

// `descriptions:` where the class sub-texts come from.
struct DescriptionsConfig {
  std::string cache;                                     // description cache JSON; empty: none
  // The one global prompt template: training, evaluation and zero-shot build the class texts
  // from it, and `sfar describe select --config` scores the sub-texts against it. A cache
  // selected against another template is a warning naming both.
  std::string global_template = describe::kDefaultGlobalTemplate;  // "{name}" is the class name
  // Which candidate set of each class the run uses: selected (the one `sfar describe select`
  // chose; a class without one is an error) | first (the first set, unselected caches allowed).
  describe::SubtextChoice selection = describe::SubtextChoice::kSelected;
  std::int64_t num_subtexts = 4;                         // N per class (pad by repeating / truncate)

  template <class A>
  void visit(A& a) {
    a("cache", cache);
    a("global_template", global_template, cfg::non_empty());
    a("selection", selection, describe::subtext_choice_names());
    a("num_subtexts", num_subtexts, cfg::at_least(1));
  }
};

// `loss.scope`: which videos one loss sees.
//   global       the whole global batch (train.batch_size x ranks): a gradient cache over the
//                micro-batches and an all-gather over the ranks give one big batch's loss
//   micro_batch  each micro-batch of each rank alone, gradients averaged (before #19)
enum class LossScope { kGlobal, kMicroBatch };
inline const cfg::NamedValues<LossScope>& loss_scope_names() {
  static const cfg::NamedValues<LossScope> names = {
      {"global", LossScope::kGlobal},
      {"micro_batch", LossScope::kMicroBatch},
  };
  return names;
}
const std::string& loss_scope_name(LossScope scope);

// `loss.type`: infonce (same-class positives) | ce (over all classes) | bce (per class).
enum class LossType { kInfoNce, kCe, kBce };
inline const cfg::NamedValues<LossType>& loss_type_names() {
  static const cfg::NamedValues<LossType> names = {
      {"infonce", LossType::kInfoNce},
      {"ce", LossType::kCe},
      {"bce", LossType::kBce},
  };
  return names;
}
const std::string& to_string(LossType type);

// `loss:` the training target.
struct LossConfig {
  LossType type = LossType::kInfoNce;
  double lambda = 1.0;            // weight of the text-to-video term (infonce)
  bool learn_logit_scale = true;  // false: CLIP's logit scale stays fixed
  LossScope scope = LossScope::kGlobal;

  template <class A>
  void visit(A& a) {
    a("type", type, loss_type_names());
    a("lambda", lambda, cfg::non_negative());
    a("learn_logit_scale", learn_logit_scale);
    a("scope", scope, loss_scope_names());
  }
};

// `eval:` the validation list, read with the data section's settings and its test pipeline.
struct EvalConfig {
  std::string list;            // empty: no evaluation during training
  std::int64_t batch_size = 0; // 0: data.batch_size
  std::int64_t workers = -1;   // -1: data.workers

  template <class A>
  void visit(A& a) {
    a("list", list);
    a("batch_size", batch_size, cfg::non_negative());
    a("workers", workers, cfg::at_least(-1));
  }
};

// `feature_cache:` with a frozen backbone (model.freeze_backbone), embed every training and
// evaluation video once and train the head on the cached frame embeddings: epochs then cost
// the head's compute only. Training videos are embedded in `views` temporal views (the
// sampler's test-mode clips, read through data.test_pipeline) and each epoch draws one view
// per video at random, in place of the training sampler's jitter; data.train_pipeline is not
// used. Evaluation reads data.clips views, as without the cache, so its numbers are the same.
struct FeatureCacheConfig {
  std::int64_t views = 0;  // 0: off (every epoch decodes and embeds)

  template <class A>
  void visit(A& a) {
    a("views", views, cfg::non_negative());
  }
};

struct SfarRunConfig {
  RunConfig run;
  ModelConfig model;
  TextConfig text;
  method::HeadOptions head;
  data::DataConfig data;
  EvalConfig eval;
  engine::TrainOptions train;
  LossConfig loss;
  DescriptionsConfig descriptions;
  FeatureCacheConfig feature_cache;
  ProtocolConfig protocol;  // read by `sfar protocol` only

  SfarRunConfig() { train.backbone_prefixes = {"clip.visual."}; }

  template <class A>
  void visit(A& a) {
    a("run", run);
    a("model", model);
    a("text", text);
    a("head", head);
    a("data", data);
    a("eval", eval);
    a("train", train);
    a("loss", loss);
    a("descriptions", descriptions);
    a("feature_cache", feature_cache);
    a("protocol", protocol);
  }
};

// Loads files + overrides, checks every key and cross-field rule (train options, bad-file
// policy, sub-texts required by coarse/fine/sfar heads) and resolves relative data paths.
// Throws ConfigError naming the file and key.
// The lookup rule of the run configs: `path` as written when it is empty, absolute or exists,
// else `root`/`path` when that exists, else `path` unchanged (so errors name it as written).
std::string under_root(const std::string& path, const std::string& root);

SfarRunConfig load_sfar_run_config(const std::vector<std::string>& files,
                                   const std::vector<std::string>& overrides = {});

// The resolved config as YAML (saved with every run and into checkpoints).
std::string sfar_run_config_to_yaml(const SfarRunConfig& config);

}  // namespace sfar::recipes
