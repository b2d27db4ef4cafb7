// Everything `sfar pretrain` reads from a config: the run, the video-caption data and the
// training settings (`pretrain:`), the small CLIP to train from scratch (`clip:`) and the
// SentencePiece tokenizer trained on the captions (`tokenizer:`). Unknown keys are errors.
//
//   run: {work_dir: runs/pretrain, threads: 2}
//   pretrain: {root: synth, list: pretrain/list.txt, num_frames: 8, epochs: 30, batch_size: 32, lr: 5.0e-4}
//   clip: {image_resolution: 64, vision_patch_size: 8, vision_width: 128, vision_layers: 4, embed_dim: 128}
//   tokenizer: {vocab_size: 256}
//
//   PretrainConfig config = load_pretrain_config({"pretrain.yaml"}, {"pretrain.epochs=5"});
#pragma once

#include <string>
#include <vector>

#include "sfar/core/config_archive.h"
#include "sfar/core/sfar_config.h"
#include "sfar/data/data_config.h"
#include "sfar/engine/train_options.h"
#include "sfar/models/clip_config.h"
#include "sfar/text/sentencepiece_tokenizer.h"

namespace sfar::recipes {

// `pretrain.pooling`: a video embedding from per-frame embeddings [T, D]: mean, or mean_delta =
// mean plus the mean of the second half minus that of the first (order-aware: tells "left" from
// "right").
enum class VideoPooling { kMean, kMeanDelta };
inline const cfg::NamedValues<VideoPooling>& video_pooling_names() {
  static const cfg::NamedValues<VideoPooling> names = {
      {"mean", VideoPooling::kMean},
      {"mean_delta", VideoPooling::kMeanDelta},
  };
  return names;
}

// `pretrain:` the video-caption list and how its clips are read (data::ClipSourceConfig, the keys
// `data:` shares; `list` holds "<video>\t<caption>[\t<tag>]" lines, see caption_list.h), then the
// video pooling and the trainer's settings (the keys of TrainOptions, at the same level).
// Defaults: pretrain/list.txt, frames at their 64 px size, a 64 px centre crop and normalize
// (no flip: it would swap "left" and "right" captions), 2 workers, 4 batches ahead.
struct PretrainOptions : data::ClipSourceConfig {
  VideoPooling pooling = VideoPooling::kMean;
  double max_logit_scale = 100;              // CLIP's clamp of exp(logit_scale)
  engine::TrainOptions train;

  PretrainOptions();

  template <class A>
  void visit(A& a) {
    ClipSourceConfig::visit(a);
    a("pooling", pooling, video_pooling_names());
    a("max_logit_scale", max_logit_scale, cfg::at_least(1));
    train.visit(a);
  }
};

// `tokenizer:` the SentencePiece model trained on the list's captions.
struct PretrainTokenizerConfig {
  std::int64_t vocab_size = 256;       // at most; a small corpus may give fewer pieces
  text::SentencePieceModelType model_type = text::SentencePieceModelType::kUnigram;
  double character_coverage = 1.0;

  template <class A>
  void visit(A& a) {
    a("vocab_size", vocab_size, cfg::at_least(8));
    a("model_type", model_type, text::sentencepiece_model_type_names());
    a("character_coverage", character_coverage, cfg::in_range(0.5, 1));
  }
};

struct PretrainConfig {
  RunConfig run;
  PretrainOptions pretrain;
  // `clip:` the architecture trained from scratch, in models::ClipConfig's keys; its vocabulary
  // size is the tokenizer's. Heads are 64 wide, as OpenAI's layout (and load_clip, which infers
  // heads = width / 64) requires: a checkpoint carries no head count. The activation is not
  // recorded in clip.pt either: `sfar train` then states it as model.activation.
  models::ClipConfig clip;
  PretrainTokenizerConfig tokenizer;

  PretrainConfig();

  template <class A>
  void visit(A& a) {
    a("run", run);
    a("pretrain", pretrain);
    a("clip", clip);
    a("tokenizer", tokenizer);
  }
};

// Loads files + overrides and checks every key and cross-field rule (trainer options, bad-file
// policy, text heads of 64, widths multiple of 64, crop sizes equal to clip.image_resolution, a resolution the patch size
// divides). A relative pretrain.list that does not exist as written is looked up under
// pretrain.root. Throws ConfigError naming the file and key.
PretrainConfig load_pretrain_config(const std::vector<std::string>& files,
                                    const std::vector<std::string>& overrides = {});

std::string pretrain_config_to_yaml(const PretrainConfig& config);

// The CLIP architecture of `clip:` with the tokenizer's vocabulary size and end-of-text id.
models::ClipConfig make_clip_config(const models::ClipConfig& clip, std::int64_t vocab_size,
                                    std::int64_t eot_token_id);

}  // namespace sfar::recipes
