#include "sfar/recipes/sfar_task.h"

#include <nlohmann/json.hpp>

#include <stdexcept>

#include "sfar/core/error.h"
#include "sfar/data/bad_file_policy.h"
#include "sfar/engine/distributed.h"
#include "sfar/eval/metrics.h"

namespace sfar::recipes {

SfarTrainTask::SfarTrainTask(SfarRun& run, const SfarRunConfig& config, engine::DistributedContext* distributed)
    : run_(run),
      config_(config),
      dist_(distributed && distributed->active() ? distributed : nullptr),
      step_(run.model, config.loss, config.train.accumulation_steps(), dist_) {
  const auto seed = static_cast<std::uint64_t>(config.run.seed);
  train_set_ = make_list_dataset(config.data, config.data.list, run.class_names, data::SampleMode::kTrain, seed);
  if (!config.eval.list.empty()) evaluator_ = std::make_unique<SfarEvaluator>(run, config, dist_);
  data::VideoLoaderOptions options;
  options.batch_size = config.train.micro_batch_size();
  options.workers = config.data.workers;
  options.prefetch = config.data.prefetch;
  options.shuffle = true;
  options.drop_last = true;
  options.seed = seed;
  if (dist_) {  // this rank's shard of the epoch's shuffled order
    options.rank = dist_->rank();
    options.world_size = dist_->world_size();
  }
  options.num_classes = config.data.multi_label ? static_cast<std::int64_t>(run.class_names.size()) : 0;
  train_loader_ = std::make_unique<data::VideoLoader>(train_set_, options);
  if (steps_per_epoch() == 0) {
    throw ConfigError("train.batch_size", "larger than the training list (" + std::to_string(train_size()) +
                      " videos in " + config.data.list + ")", std::to_string(config.train.batch_size));
  }
}

SfarTrainTask::~SfarTrainTask() = default;

std::int64_t SfarTrainTask::train_size() const { return train_set_->size(); }
std::int64_t SfarTrainTask::eval_size() const { return evaluator_ ? evaluator_->size() : 0; }

const std::optional<eval::ClassificationResult>& SfarTrainTask::last_eval() const {
  static const std::optional<eval::ClassificationResult> none;
  return evaluator_ ? evaluator_->last_result() : none;
}

std::int64_t SfarTrainTask::steps_per_epoch() {
  return train_set_->size() / (config_.train.batch_size * (dist_ ? dist_->world_size() : 1));
}

const data::VideoBatch& SfarTrainTask::train_batch(std::int64_t epoch, std::int64_t index) {
  if (loader_epoch_ != epoch || index < next_index_ - (current_ ? 1 : 0)) {
    train_loader_->start_epoch(static_cast<std::uint64_t>(epoch));
    loader_epoch_ = epoch;
    next_index_ = 0;
    current_.reset();
  }
  while (next_index_ <= index) {  // after a resume mid-epoch, earlier batches are skipped
    current_ = train_loader_->next();
    if (!current_) throw ArgumentError("training loader", "epoch ended before batch", std::to_string(index));
    ++next_index_;
  }
  return *current_;
}

const method::TextBank& SfarTrainTask::bank_on(const torch::Device& device) {
  if (bank_device_ != device || !device_bank_.global_embed.defined()) {
    device_bank_ = run_.bank.to(device);
    bank_device_ = device;
  }
  return device_bank_;
}

torch::Tensor SfarTrainTask::batch_loss(const data::VideoBatch& batch, const torch::Device& device) {
  const auto clips = batch.clips.select(1, 0).to(device);  // the single training view
  return step_.clips_loss(clips, batch.labels.to(device), bank_on(device));
}

torch::Tensor SfarTrainTask::loss(const engine::StepContext& ctx) {
  if (config_.feature_cache.views > 0) return cached_loss(ctx);
  const std::int64_t index = ctx.step_in_epoch * config_.train.accumulation_steps() + ctx.micro_index;
  return batch_loss(train_batch(ctx.epoch, index), ctx.device);
}

torch::Tensor SfarTrainTask::first_batch_loss(const torch::Device& device) {
  return batch_loss(train_batch(0, 0), device);
}

std::map<std::string, double> SfarTrainTask::evaluate(std::int64_t) {
  return evaluator_ ? evaluator_->evaluate() : std::map<std::string, double>{};
}

std::map<std::string, std::int64_t> SfarTrainTask::counters() {
  std::map<std::string, std::int64_t> out{{"bad_files", train_set_->bad_files().distinct_count()}};
  if (evaluator_) out["eval_bad_files"] = evaluator_->videos().bad_files().distinct_count();
  return out;
}

namespace {

// File names need not be UTF-8: such bytes are replaced (the file is then counted again after
// a resume) rather than failing the checkpoint.
std::string dump_lenient(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

nlohmann::json bad_files_json(const data::BadFileLog& log) {
  auto out = nlohmann::json::array();
  for (const auto& f : log.files()) out.push_back({{"path", f.path}, {"reason", f.reason}, {"failures", f.failures}});
  return out;
}

void restore_bad_files(const nlohmann::json& state, const std::string& key, data::BadFileLog& log) {
  if (!state.contains(key)) return;
  const auto& list = state.at(key);
  if (!list.is_array()) throw FormatError("task_state." + key, "expected a list of bad files");
  std::vector<data::BadFile> files;
  for (std::size_t i = 0; i < list.size(); ++i) {
    const auto& f = list[i];
    if (!f.is_object() || !f.contains("path") || !f["path"].is_string() || !f.contains("reason") ||
        !f["reason"].is_string() || !f.contains("failures") || !f["failures"].is_number_integer()) {
      throw FormatError("task_state." + key + "[" + std::to_string(i) + "]",
                        "expected {\"path\", \"reason\", \"failures\"}", dump_lenient(f));
    }
    files.push_back({f["path"].get<std::string>(), f["reason"].get<std::string>(), f["failures"].get<std::int64_t>()});
  }
  log.restore(files);
}

}  // namespace

std::string SfarTrainTask::save_state() {
  nlohmann::json state = {{"bad_files", bad_files_json(train_set_->bad_files())}};
  if (evaluator_) state["eval_bad_files"] = bad_files_json(evaluator_->videos().bad_files());
  return dump_lenient(state);
}

void SfarTrainTask::load_state(const std::string& text) {
  if (text.empty()) return;  // saved by a task without state
  const auto state = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!state.is_object()) throw FormatError("task_state", "expected a JSON object", text);
  restore_bad_files(state, "bad_files", train_set_->bad_files());
  if (evaluator_) restore_bad_files(state, "eval_bad_files", evaluator_->videos().bad_files());
}

std::map<std::string, double> classification_metrics(const torch::Tensor& scores, const torch::Tensor& labels) {
  return eval::classify(scores, labels).summary();
}

void apply_test_views(SfarRunConfig& config, const std::string& views, const std::string& where) {
  // Both numbers whole, in decimal digits, with nothing around them.
  const auto x = views.find('x');
  const auto digits = [](const std::string& t) {
    return !t.empty() && t.size() <= 6 && t.find_first_not_of("0123456789") == std::string::npos;
  };
  if (x == std::string::npos || !digits(views.substr(0, x)) || !digits(views.substr(x + 1))) {
    throw ArgumentError(where, "expected CxV (clips x crops), e.g. 4x3", views);
  }
  const std::int64_t clips = std::stoll(views.substr(0, x)), crops = std::stoll(views.substr(x + 1));
  if (clips < 1) throw ArgumentError(where, "needs at least one clip", views);
  if (crops != 1 && crops != 3) throw ArgumentError(where, "crops per clip must be 1 or 3", views);
  config.data.clips = clips;
  if (crops == 1) return;
  bool replaced = false;
  for (auto& t : config.data.test_pipeline) {
    if (t.type != data::TransformType::kCenterCrop) continue;
    t.type = data::TransformType::kThreeCrop;
    replaced = true;
  }
  if (!replaced) throw ArgumentError(where, "3 crops need a center_crop in data.test_pipeline to replace", views);
}

}  // namespace sfar::recipes
