// The evaluation side of an SFAR run: the evaluation list (eval.list, read in test mode with
// data.test_pipeline), the scores of its videos and their metrics (top-1, top-5, mean class
// accuracy in percent; mAP for multi-label sets). It needs no optimizer and no training list:
// `sfar eval` and the protocols' evaluation-only runs use it alone, and SfarTrainTask uses it
// for its evaluation after every epoch.
//
//   SfarRun run = build_sfar_run(config, device, "");
//   run.model->to(torch::Device(device));
//   run.model->eval();
//   SfarEvaluator evaluator(run, config);
//   std::map<std::string, double> metrics = evaluator.evaluate();
#pragma once

#include <torch/torch.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sfar/data/video_loader.h"
#include "sfar/engine/distributed.h"
#include "sfar/engine/progress.h"
#include "sfar/eval/metrics.h"
#include "sfar/recipes/frame_embedding_cache.h"
#include "sfar/recipes/sfar_run_config.h"

namespace sfar::recipes {

struct SfarRun;

// The videos of `list` (a list file, looked up as data.list is) with `config`'s settings.
std::shared_ptr<const data::VideoDataset> make_list_dataset(const data::DataConfig& config, const std::string& list,
                                                            const std::vector<std::string>& class_names,
                                                            data::SampleMode mode, std::uint64_t seed);

// The evaluation loader's options: eval.batch_size/workers (else data's), in order, this rank's
// shard (`distributed` active); multi-hot labels of `classes` classes for multi-label sets.
// The feature caches read with them too (every video, whatever the shard).
data::VideoLoaderOptions eval_loader_options(const SfarRunConfig& config, std::int64_t classes,
                                             const engine::DistributedContext* distributed);

class SfarEvaluator {
 public:
  // Opens config.eval.list (ConfigError naming eval.list when it is empty). With an active
  // `distributed`, each rank scores its shard and the scores are gathered exactly, in order.
  SfarEvaluator(SfarRun& run, const SfarRunConfig& config, engine::DistributedContext* distributed = nullptr);
  ~SfarEvaluator();

  // Scores every video with run.model as it is (on its device, in the mode the caller set),
  // the views of a video averaged, without gradients. Adds "videos": the list's length.
  // `progress` counts the videos scored (or embedded into the feature cache).
  std::map<std::string, double> evaluate(const engine::ProgressSlot& progress = {});
  // feature_cache.views > 0: embeds the list once with the frozen backbone on `device` (on
  // the first evaluate() otherwise); evaluate() then scores the cached embeddings.
  void build_cache(const torch::Device& device, const engine::ProgressSlot& progress = {});

  std::int64_t size() const { return videos_->size(); }
  const data::VideoDataset& videos() const { return *videos_; }
  data::VideoLoaderOptions loader_options() const;  // eval_loader_options of this run
  // The full result (per-class counts, confusion matrix) of the last evaluate(); empty before,
  // and for multi-label sets.
  const std::optional<eval::ClassificationResult>& last_result() const { return last_result_; }

 private:
  torch::Tensor cached_scores(const method::TextBank& bank, const torch::Device& device);
  std::map<std::string, double> finish(const std::vector<torch::Tensor>& scores,
                                       const std::vector<torch::Tensor>& labels);

  SfarRun& run_;
  SfarRunConfig config_;
  engine::DistributedContext* dist_ = nullptr;
  std::shared_ptr<const data::VideoDataset> videos_;
  std::unique_ptr<FrameEmbeddingCache> cache_;
  std::optional<eval::ClassificationResult> last_result_;
};

}  // namespace sfar::recipes
