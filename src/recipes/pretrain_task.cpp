#include "sfar/recipes/pretrain_task.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <limits>
#include <numeric>

#include "sfar/core/error.h"
#include "sfar/core/logging.h"
#include "sfar/core/torch_compat.h"
#include "sfar/data/data_config.h"
#include "sfar/data/loader_budget.h"
#include "sfar/data/video_dataset.h"
#include "sfar/engine/run_dir.h"
#include "sfar/engine/runtime_setup.h"
#include "sfar/method/alignment_loss.h"
#include "sfar/models/clip_loader.h"
#include "sfar/recipes/run_scaffold.h"
#include "sfar/recipes/sfar_task.h"
#include "sfar/text/sentencepiece_tokenizer.h"

namespace sfar::recipes {
namespace {

// The `pretrain:` keys that describe the clips, as the `data:` section they mirror.
data::DataConfig clip_data_config(const PretrainOptions& p) {
  data::DataConfig config;
  static_cast<data::ClipSourceConfig&>(config) = p;  // one view per clip: data's other defaults
  return config;
}

std::shared_ptr<const data::VideoDataset> make_dataset(const PretrainOptions& p, const data::CaptionList& pairs,
                                                       data::SampleMode mode, std::uint64_t seed) {
  std::vector<data::VideoRecord> records;
  for (const auto& item : pairs.items) {
    data::VideoRecord record;
    record.path = item.path;
    record.labels = {item.group};
    record.origin = item.origin;
    records.push_back(std::move(record));
  }
  return data::make_video_dataset(clip_data_config(p), std::move(records), mode, seed);
}

torch::Device device_of(const torch::nn::Module& module) {
  const auto params = module.parameters();
  return params.empty() ? torch::Device(torch::kCPU) : params.front().device();
}

// [B, V=1, T, 3, H, W] -> normalised video embeddings [B, D].
torch::Tensor encode_videos(models::ClipModelImpl& model, const torch::Tensor& clips, VideoPooling pooling) {
  const auto c = clips.select(1, 0);
  const auto B = c.size(0), T = c.size(1);
  const auto frames = model.encode_image(c.reshape({B * T, c.size(2), c.size(3), c.size(4)}));
  return torch::nn::functional::normalize(pool_frames(frames.view({B, T, -1}), pooling),
                                          torch::nn::functional::NormalizeFuncOptions().dim(-1));
}

torch::Tensor encode_captions(models::ClipModelImpl& model, const torch::Tensor& tokens) {
  return torch::nn::functional::normalize(model.encode_text(tokens),
                                          torch::nn::functional::NormalizeFuncOptions().dim(-1));
}

double mean_of(const std::vector<double>& values) {
  if (values.empty()) return std::numeric_limits<double>::quiet_NaN();
  return std::accumulate(values.begin(), values.end(), 0.0) / static_cast<double>(values.size());
}

}  // namespace

torch::Tensor pool_frames(const torch::Tensor& frames, VideoPooling pooling) {
  const auto mean = frames.mean(1);
  if (pooling == VideoPooling::kMean) return mean;
  const auto T = frames.size(1);
  if (T < 2) throw ArgumentError("pooling", "mean_delta needs at least 2 frames", std::to_string(T));
  const auto half = T / 2;
  return mean + frames.narrow(1, T - half, half).mean(1) - frames.narrow(1, 0, half).mean(1);
}

torch::Tensor video_text_loss(const torch::Tensor& logits, const torch::Tensor& groups) {
  if (logits.dim() != 2 || logits.size(0) != logits.size(1) || groups.dim() != 1 || groups.size(0) != logits.size(0)) {
    throw ArgumentError("video_text_loss", "expected logits [B, B] and groups [B]");
  }
  const auto positive = (groups.unsqueeze(1) == groups.unsqueeze(0)).to(logits.dtype());
  return 0.5 * method::multi_label_info_nce_loss(logits, positive, 1.0).total;
}

RetrievalResult retrieval_top1(const torch::Tensor& video, const torch::Tensor& text, const torch::Tensor& groups) {
  const auto sim = video.matmul(text.t());  // [N, N]
  const auto g = groups.cpu();
  RetrievalResult r;
  r.video_to_text_top1 = 100 * (g.index_select(0, sim.argmax(1).cpu()) == g).to(torch::kDouble).mean().item<double>();
  r.text_to_video_top1 = 100 * (g.index_select(0, sim.argmax(0).cpu()) == g).to(torch::kDouble).mean().item<double>();
  const auto counts = torch::bincount(g).to(torch::kDouble);
  const double n = static_cast<double>(g.size(0));
  r.chance_top1 = 100 * (counts * counts).sum().item<double>() / (n * n);
  return r;
}

PretrainTask::PretrainTask(models::ClipModel model, const PretrainConfig& config, const data::CaptionList& pairs,
                           torch::Tensor tokens)
    : model_(std::move(model)), config_(config), tokens_(std::move(tokens)) {
  std::vector<std::int64_t> groups;
  for (const auto& item : pairs.items) groups.push_back(item.group);
  groups_ = torch::tensor(groups, torch::kInt64);
  const auto seed = static_cast<std::uint64_t>(config.run.seed);
  train_set_ = make_dataset(config.pretrain, pairs, data::SampleMode::kTrain, seed);
  eval_set_ = make_dataset(config.pretrain, pairs, data::SampleMode::kTest, seed);
  data::VideoLoaderOptions options;
  options.batch_size = config.pretrain.train.micro_batch_size();
  options.workers = config.pretrain.workers;
  options.prefetch = config.pretrain.prefetch;
  options.shuffle = true;
  options.drop_last = true;
  options.seed = seed;
  loader_ = std::make_unique<data::VideoLoader>(train_set_, options);
  if (steps_per_epoch() == 0) {
    throw ConfigError("pretrain.batch_size", "larger than the list (" + std::to_string(train_set_->size()) +
                      " pairs in " + config.pretrain.list + ")", std::to_string(config.pretrain.train.batch_size));
  }
}

PretrainTask::~PretrainTask() = default;

std::int64_t PretrainTask::steps_per_epoch() { return train_set_->size() / config_.pretrain.train.batch_size; }

torch::Tensor PretrainTask::loss(const engine::StepContext& ctx) {
  if (loader_epoch_ != ctx.epoch) {
    loader_->start_epoch(static_cast<std::uint64_t>(ctx.epoch));
    loader_epoch_ = ctx.epoch;
    epoch_losses_.emplace_back();
  }
  const auto batch = loader_->next();
  if (!batch) throw ArgumentError("pre-training loader", "epoch ended early", std::to_string(ctx.step_in_epoch));
  // The captions of the records actually read (a bad file may have been replaced).
  const auto index = torch::tensor(batch->source_indices, torch::kInt64);
  const auto video = encode_videos(*model_, batch->clips.to(ctx.device), config_.pretrain.pooling);
  const auto text = encode_captions(*model_, tokens_.index_select(0, index).to(ctx.device));
  const auto scale = model_->logit_scale.exp().clamp_max(config_.pretrain.max_logit_scale);
  const auto loss = video_text_loss(scale * video.matmul(text.t()), groups_.index_select(0, index).to(ctx.device));
  epoch_losses_.back().push_back(loss.item<double>());
  return loss;
}

RetrievalResult PretrainTask::retrieval() {
  torch::NoGradGuard no_grad;
  const torch::Device device = device_of(*model_);
  data::VideoLoaderOptions options;
  options.batch_size = config_.pretrain.train.micro_batch_size();
  options.workers = config_.pretrain.workers;
  options.prefetch = config_.pretrain.prefetch;
  options.shuffle = false;
  data::VideoLoader loader(eval_set_, options);
  loader.start_epoch(0);
  std::vector<torch::Tensor> videos, indices;
  while (auto batch = loader.next()) {
    videos.push_back(encode_videos(*model_, batch->clips.to(device), config_.pretrain.pooling).cpu());
    indices.push_back(torch::tensor(batch->source_indices, torch::kInt64));
  }
  const auto index = torch::cat(indices);
  std::vector<torch::Tensor> texts;
  for (const auto& chunk : tokens_.index_select(0, index).split(256)) {
    texts.push_back(encode_captions(*model_, chunk.to(device)).cpu());
  }
  return retrieval_top1(torch::cat(videos), torch::cat(texts), groups_.index_select(0, index));
}

std::map<std::string, double> PretrainTask::evaluate(std::int64_t epoch) {
  if (epoch + 1 < config_.pretrain.train.epochs) return {};
  const auto r = retrieval();
  last_retrieval_ = r;
  return {{"video_to_text_top1", r.video_to_text_top1},
          {"text_to_video_top1", r.text_to_video_top1},
          {"chance_top1", r.chance_top1},
          {"pairs", static_cast<double>(eval_set_->size())}};
}

double PretrainTask::first_epoch_loss() const {
  return epoch_losses_.empty() ? std::numeric_limits<double>::quiet_NaN() : mean_of(epoch_losses_.front());
}

double PretrainTask::last_epoch_loss() const {
  return epoch_losses_.empty() ? std::numeric_limits<double>::quiet_NaN() : mean_of(epoch_losses_.back());
}

PretrainResult run_pretraining(const PretrainConfig& config, const PretrainSetup& setup) {
  const auto start = std::chrono::steady_clock::now();
  const std::string yaml = pretrain_config_to_yaml(config);
  const std::string device = engine::apply_runtime(config.run);  // threads, seed, device
  // The list and the loader's sizes are refused before the run directory is written.
  const data::CaptionList pairs = data::read_caption_list(config.pretrain.list);
  data::LoaderDemand demand;
  demand.section = "pretrain";
  demand.workers_key = "pretrain.workers";
  demand.workers = config.pretrain.workers;
  demand.batch_size = config.pretrain.train.micro_batch_size();
  demand.pipeline = &config.pretrain.train_pipeline;
  data::check_loader_budget(config.pretrain, demand);
  engine::RunDir dir(run_dir_options(config.run, config.run.work_dir, yaml, device));
  SFAR_LOG_INFO("{} video-caption pairs in {} groups from {}", pairs.items.size(), pairs.groups.size(),
                config.pretrain.list);

  std::vector<std::string> captions;
  for (const auto& item : pairs.items) captions.push_back(item.caption);
  text::SentencePieceTrainOptions spm;
  spm.model_prefix = dir.file("tokenizer");
  spm.vocab_size = config.tokenizer.vocab_size;
  spm.model_type = config.tokenizer.model_type;
  spm.character_coverage = config.tokenizer.character_coverage;
  spm.hard_vocab_limit = false;  // a few hundred captions may hold fewer pieces than asked
  spm.seed = static_cast<std::uint32_t>(config.run.seed);
  const std::string tokenizer_path = text::train_sentencepiece(captions, spm);
  const text::SentencePieceTokenizer tokenizer(tokenizer_path);
  std::vector<std::int64_t> ids;
  std::size_t truncated = 0, longest = 0;
  for (const auto& caption : captions) {
    const auto row = tokenizer.tokenize(caption, config.clip.context_length);
    ids.insert(ids.end(), row.begin(), row.end());
    const std::size_t length = tokenizer.encode(caption).size() + 2;  // with start and end tokens
    longest = std::max(longest, length);
    if (length > static_cast<std::size_t>(config.clip.context_length)) ++truncated;
  }
  if (truncated > 0) {  // a cut caption loses its end: "X, then Y" reads as "X"
    SFAR_LOG_WARN("{} of {} captions are longer than clip.context_length = {} tokens and were cut (longest {}); "
                  "raise clip.context_length or tokenizer.vocab_size",
                  truncated, captions.size(), config.clip.context_length, longest);
  }
  auto tokens = torch::tensor(ids, torch::kInt64).view({-1, config.clip.context_length});

  models::ClipModel model(make_clip_config(config.clip, tokenizer.vocab_size(), tokenizer.end_id()));
  SFAR_LOG_INFO("tokenizer {} ({} pieces); CLIP with {} parameters", tokenizer_path, tokenizer.vocab_size(),
                model->parameter_count());
  PretrainTask task(model, config, pairs, tokens);
  engine::TrainerSetup scaffold = trainer_setup(config.pretrain.train, config.run, device, yaml, &dir, setup.progress);
  scaffold.best_metric = "video_to_text_top1";
  engine::Trainer trainer(model.ptr(), task, scaffold);
  trainer.fit();

  // The weights evaluated are the ones saved: EMA's when it is on.
  if (trainer.ema()) trainer.ema()->copy_to(*model);
  PretrainResult result;
  result.work_dir = dir.path();
  result.clip_path = dir.file("clip.pt");
  models::save_clip_state_dict(models::clip_state_dict(*model), result.clip_path);
  result.tokenizer_path = tokenizer_path;
  result.metrics_path = dir.file("metrics.jsonl");
  result.pairs = static_cast<std::int64_t>(pairs.items.size());
  result.groups = static_cast<std::int64_t>(pairs.groups.size());
  result.vocab_size = tokenizer.vocab_size();
  result.parameters = model->parameter_count();
  result.steps = trainer.global_step();
  result.first_epoch_loss = task.first_epoch_loss();
  result.last_epoch_loss = task.last_epoch_loss();
  result.logit_scale = model->logit_scale.exp().item<double>();
  // Evaluated after the last epoch.
  result.retrieval = task.last_retrieval() ? *task.last_retrieval() : task.retrieval();
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

}  // namespace sfar::recipes
