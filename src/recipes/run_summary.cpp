#include "sfar/recipes/run_summary.h"

#include <cmath>

namespace sfar::recipes {
namespace {

nlohmann::json figures(const EpochEval& e) {
  nlohmann::json j = {{"epoch", e.epoch}};
  for (const auto& [k, v] : e.metrics) j[k] = std::isfinite(v) ? nlohmann::json(v) : nlohmann::json();
  return j;
}

}  // namespace

nlohmann::json training_summary(const TrainingResult& r, const SfarRunConfig& config) {
  nlohmann::json line = {{"work_dir", r.work_dir},
                         {"steps", r.steps},
                         {"skipped_steps", r.skipped_steps},
                         {"bad_files", r.bad_files},
                         {"world_size", r.world_size},
                         {"dist_backend", r.dist_backend},
                         {"last_loss", r.last_loss},
                         {"metrics", r.metrics},
                         {"tensorboard", r.tensorboard},
                         {"plots", r.plots},
                         {"checkpoints", r.checkpoint_dir}};
  if (r.last_eval) line["last_eval"] = figures(*r.last_eval);
  if (r.best_eval) line["best_eval"] = figures(*r.best_eval);
  if (r.best_eval) line["best_metric"] = selection_metric(config);
  return line;
}

nlohmann::json evaluation_summary(const EvaluationResult& r, const std::string& views) {
  nlohmann::json line = {{"checkpoint", r.checkpoint}, {"step", r.step}};
  for (const auto& [k, v] : r.metrics) line[k] = v;
  if (!views.empty()) line["views"] = views;
  if (!r.per_class_accuracy.empty()) {  // multi-label: mAP only
    line["per_class_accuracy"] = r.per_class_accuracy;
    line["confusion_matrix"] = r.confusion_matrix;
  }
  return line;
}

nlohmann::json pretraining_summary(const PretrainResult& r, const PretrainConfig& config) {
  return {{"work_dir", r.work_dir},
          {"clip", r.clip_path},
          {"tokenizer", r.tokenizer_path},
          {"metrics", r.metrics_path},
          {"pairs", r.pairs},
          {"groups", r.groups},
          {"vocab_size", r.vocab_size},
          {"context_length", config.clip.context_length},
          {"parameters", r.parameters},
          {"steps", r.steps},
          {"first_epoch_loss", r.first_epoch_loss},
          {"last_epoch_loss", r.last_epoch_loss},
          {"logit_scale", r.logit_scale},
          {"video_to_text_top1", r.retrieval.video_to_text_top1},
          {"text_to_video_top1", r.retrieval.text_to_video_top1},
          {"chance_top1", r.retrieval.chance_top1},
          {"seconds", r.seconds}};
}

}  // namespace sfar::recipes
