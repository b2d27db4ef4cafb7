#include "sfar/recipes/pretrain_config.h"

#include <filesystem>

#include "sfar/core/config_loader.h"
#include "sfar/core/error.h"
#include "sfar/data/data_config.h"

namespace sfar::recipes {
namespace {

namespace fs = std::filesystem;

data::TransformSpec crop(std::int64_t size) {
  data::TransformSpec spec = data::transform_spec(data::TransformType::kCenterCrop);
  spec.size = size;
  return spec;
}

// Crops must give the model's input resolution: its positional embedding has a fixed grid.
void check_crops(const std::vector<data::TransformSpec>& pipeline, const std::string& key, std::int64_t resolution) {
  for (std::size_t i = 0; i < pipeline.size(); ++i) {
    const auto& transform = entry_of(data::clip_transforms(), pipeline[i].type);
    const std::int64_t views = transform.crop_views;
    if (views > 1) {
      throw ConfigError(key + "[" + std::to_string(i) + "].type", "pre-training reads one view per clip",
                        transform.name);
    }
    if (views == 1 && pipeline[i].size != resolution) {
      throw ConfigError(key + "[" + std::to_string(i) + "].size",
                        "must equal clip.image_resolution " + std::to_string(resolution),
                        std::to_string(pipeline[i].size));
    }
  }
}

void check_heads(const std::string& where, const char* key, std::int64_t heads, std::int64_t width,
                 const char* width_key) {
  if (heads * 64 != width) {
    throw ConfigError(where + ": clip." + key,
                      "must be clip." + std::string(width_key) + " / 64 = " + std::to_string(width / 64) +
                          " (64-wide heads: a CLIP checkpoint carries no head count, and loading infers it "
                          "from the width)",
                      std::to_string(heads));
  }
}

void check_config(const PretrainConfig& config, const std::string& where) {
  const auto& c = config.clip;
  if (c.vision_width % 64 != 0) {
    throw ConfigError(where + ": clip.vision_width", "must be a multiple of 64", std::to_string(c.vision_width));
  }
  if (c.transformer_width % 64 != 0) {
    throw ConfigError(where + ": clip.transformer_width", "must be a multiple of 64",
                      std::to_string(c.transformer_width));
  }
  check_heads(where, "transformer_heads", c.transformer_heads, c.transformer_width, "transformer_width");
  if (c.image_resolution % c.vision_patch_size != 0) {
    throw ConfigError(where + ": clip.image_resolution",
                      "must be a multiple of clip.vision_patch_size (" + std::to_string(c.vision_patch_size) + ")",
                      std::to_string(c.image_resolution));
  }
  const auto& p = config.pretrain;
  if (p.list.empty()) throw ConfigError(where + ": pretrain.list", "no video-caption list given");
  check_crops(p.train_pipeline, where + ": pretrain.train_pipeline", c.image_resolution);
  check_crops(p.test_pipeline, where + ": pretrain.test_pipeline", c.image_resolution);
  try {
    engine::validate_train_options(p.train, config.run.device == "auto" ? "cpu" : config.run.device, "pretrain");
  } catch (const ConfigError& e) {
    if (e.has_value()) throw ConfigError(where + ": " + e.where(), e.message(), e.value());
    throw ConfigError(where + ": " + e.where(), e.message());
  }
}

}  // namespace

PretrainOptions::PretrainOptions() {
  list = "pretrain/list.txt";
  short_side = 64;
  workers = 2;
  prefetch = 4;
  train_pipeline = {crop(64), data::transform_spec(data::TransformType::kNormalize)};
  test_pipeline = train_pipeline;
  // A small model from scratch: a much larger rate than fine-tuning, CLIP's decay and betas,
  // every step logged, no backbone/head split, gradients clipped at norm 1 and the logit
  // scale learned at the full rate (the fine-tuning defaults, no clipping and 0.1x, are BIKE's).
  train.epochs = 30;
  train.warmup_epochs = 2;
  train.lr = 5e-4;
  train.min_lr = 1e-5;
  train.weight_decay = 0.05;
  train.batch_size = 32;
  train.log_interval = 1;
  train.backbone_prefixes = {};
  train.grad_clip = 1.0;
  train.logit_scale_lr_ratio = 1.0;
}

PretrainConfig::PretrainConfig() {
  run.name = "pretrain";
  run.work_dir = "runs/pretrain";
  // A small CLIP: 8 x 8 patches of 64 px frames, two 64-wide heads per tower.
  clip.image_resolution = 64;
  clip.vision_patch_size = 8;
  clip.vision_width = 128;
  clip.vision_layers = 4;
  clip.embed_dim = 128;
  clip.context_length = 32;
  clip.transformer_width = 128;
  clip.transformer_layers = 4;
  clip.transformer_heads = 2;
  clip.activation = models::ClipActivation::kQuickGelu;
}

PretrainConfig load_pretrain_config(const std::vector<std::string>& files, const std::vector<std::string>& overrides) {
  const ConfigNode tree = load_config(files, overrides);
  const std::string where = files.empty() ? std::string("--set") : files.back();
  PretrainConfig config = read_config<PretrainConfig>(&tree);  // errors name file and key
  check_config(config, where);
  auto& list = config.pretrain.list;
  const auto& root = config.pretrain.root;
  if (!root.empty() && !fs::path(list).is_absolute() && !fs::exists(list) && fs::exists(fs::path(root) / list)) {
    list = (fs::path(root) / list).string();
  }
  return config;
}

std::string pretrain_config_to_yaml(const PretrainConfig& config) { return config_to_yaml(write_config(config)); }

models::ClipConfig make_clip_config(const models::ClipConfig& clip, std::int64_t vocab_size,
                                    std::int64_t eot_token_id) {
  models::ClipConfig c = clip;
  c.vocab_size = vocab_size;
  c.eot_token_id = eot_token_id;
  models::validate_clip_config(c);
  return c;
}

}  // namespace sfar::recipes
