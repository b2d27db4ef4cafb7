#include "sfar/recipes/sfar_evaluator.h"

#include <algorithm>

#include "sfar/core/error.h"
#include "sfar/recipes/loss_targets.h"
#include "sfar/recipes/run_files.h"
#include "sfar/recipes/sfar_task.h"

namespace sfar::recipes {

namespace {

torch::Device model_device(const method::SfarModelImpl& model) {
  const auto params = model.parameters();
  return params.empty() ? torch::Device(torch::kCPU) : params.front().device();
}

// Replaces this rank's evaluation rows by every rank's, in dataset order: each video is
// scored by exactly one rank (the loader's shards are disjoint), so none is counted twice.
// A rank without videos (fewer videos than ranks) sends single-label rows.
void gather_in_dataset_order(engine::DistributedContext& dist, std::int64_t classes, std::vector<torch::Tensor>& scores,
                             std::vector<torch::Tensor>& labels, const std::vector<std::int64_t>& indices) {
  const auto local_scores = scores.empty() ? torch::zeros({0, classes}) : torch::cat(scores);
  const auto local_labels = labels.empty() ? torch::zeros({0}, torch::kInt64) : torch::cat(labels);
  const auto order = dist.all_gather_rows(torch::tensor(indices, torch::kInt64)).argsort();
  scores = {dist.all_gather_rows(local_scores).index_select(0, order)};
  labels = {dist.all_gather_rows(local_labels).index_select(0, order)};
}

}  // namespace

std::shared_ptr<const data::VideoDataset> make_list_dataset(const data::DataConfig& config, const std::string& list,
                                                            const std::vector<std::string>& class_names,
                                                            data::SampleMode mode, std::uint64_t seed) {
  data::DataConfig with_list = config;
  with_list.list = list;
  return data::make_video_dataset(config, data::load_records(with_list, class_names), mode, seed);
}

SfarEvaluator::SfarEvaluator(SfarRun& run, const SfarRunConfig& config, engine::DistributedContext* distributed)
    : run_(run), config_(config), dist_(distributed && distributed->active() ? distributed : nullptr) {
  if (config.eval.list.empty()) throw ConfigError("eval.list", "no evaluation list to evaluate on");
  require_config_file("eval.list", config.eval.list, config.data.root);
  videos_ = make_list_dataset(config.data, config.eval.list, run.class_names, data::SampleMode::kTest,
                              static_cast<std::uint64_t>(config.run.seed));
}

SfarEvaluator::~SfarEvaluator() = default;

data::VideoLoaderOptions eval_loader_options(const SfarRunConfig& config, std::int64_t classes,
                                             const engine::DistributedContext* distributed) {
  data::VideoLoaderOptions options;
  options.batch_size = config.eval.batch_size > 0 ? config.eval.batch_size : config.data.batch_size;
  options.workers = config.eval.workers >= 0 ? config.eval.workers : config.data.workers;
  options.prefetch = config.data.prefetch;
  options.shuffle = false;
  options.seed = static_cast<std::uint64_t>(config.run.seed);
  if (distributed) {
    options.rank = distributed->rank();
    options.world_size = distributed->world_size();
  }
  options.num_classes = config.data.multi_label ? classes : 0;
  return options;
}

data::VideoLoaderOptions SfarEvaluator::loader_options() const {
  return eval_loader_options(config_, static_cast<std::int64_t>(run_.class_names.size()), dist_);
}

void SfarEvaluator::build_cache(const torch::Device& device, const engine::ProgressSlot& progress) {
  if (cache_) return;  // the cache reads every video itself, whatever the shard
  engine::ProgressSlot building = progress;
  building.what = progress.what.empty() ? "feature cache" : progress.what + " feature cache";
  cache_ = std::make_unique<FrameEmbeddingCache>(*run_.model, videos_, loader_options(), device, building);
}

std::map<std::string, double> SfarEvaluator::evaluate(const engine::ProgressSlot& progress) {
  torch::NoGradGuard no_grad;
  const torch::Device device = model_device(*run_.model);
  const auto bank = run_.bank.to(device);
  if (config_.feature_cache.views > 0) {
    build_cache(device, progress);
    return finish({cached_scores(bank, device)}, {cache_->labels()});
  }
  data::VideoLoader loader(videos_, loader_options());
  loader.start_epoch(0);
  std::vector<torch::Tensor> scores, labels;
  std::vector<std::int64_t> indices;
  // This rank's shard (the whole list without ranks).
  engine::CountProgress shown(progress, static_cast<std::int64_t>(loader.shard_indices(0).size()), "videos");
  std::int64_t done = 0;
  while (auto batch = loader.next()) {
    const auto& c = batch->clips;  // [B, V, T, 3, H, W]
    const auto B = c.size(0), V = c.size(1);
    const auto clips = c.reshape({B * V, c.size(2), c.size(3), c.size(4), c.size(5)}).to(device);
    const auto logits = run_.model->forward(clips, bank).logits;
    scores.push_back(class_scores(logits, config_.loss.type).view({B, V, -1}).mean(1).cpu());  // views averaged
    labels.push_back(batch->labels.cpu());
    indices.insert(indices.end(), batch->indices.begin(), batch->indices.end());
    shown.update(done += B);
  }
  if (dist_) {
    const auto classes = static_cast<std::int64_t>(run_.class_names.size());
    gather_in_dataset_order(*dist_, classes, scores, labels, indices);
  }
  return finish(scores, labels);
}

torch::Tensor SfarEvaluator::cached_scores(const method::TextBank& bank, const torch::Device& device) {
  // Every rank scores the whole list (cheap from the cache): no gathering needed.
  const auto& e = cache_->embeddings();  // [N, V, T, D]
  const auto N = e.size(0), V = e.size(1);
  const auto flat = e.flatten(0, 1);
  const std::int64_t chunk = std::max<std::int64_t>(1, loader_options().batch_size) * V;
  std::vector<torch::Tensor> scores;
  for (std::int64_t i = 0; i < flat.size(0); i += chunk) {
    const auto rows = flat.narrow(0, i, std::min(chunk, flat.size(0) - i)).to(device);
    scores.push_back(class_scores(run_.model->score(rows, bank).logits, config_.loss.type).cpu());
  }
  return torch::cat(scores).view({N, V, -1}).mean(1);  // views averaged
}

std::map<std::string, double> SfarEvaluator::finish(const std::vector<torch::Tensor>& scores,
                                                    const std::vector<torch::Tensor>& labels) {
  last_result_.reset();
  std::map<std::string, double> metrics;
  if (config_.data.multi_label) {
    metrics = multi_label_metrics(torch::cat(scores), torch::cat(labels));
  } else {
    last_result_ = eval::classify(torch::cat(scores), torch::cat(labels));
    metrics = last_result_->summary();
  }
  metrics["videos"] = static_cast<double>(videos_->size());
  return metrics;
}

}  // namespace sfar::recipes
