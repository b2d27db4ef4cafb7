#include "sfar/recipes/sfar_run_inputs.h"

#include <optional>

#include "sfar/core/error.h"
#include "sfar/core/logging.h"
#include "sfar/data/loader_budget.h"
#include "sfar/describe/description_cache.h"
#include "sfar/method/export_record_check.h"
#include "sfar/models/clip_loader.h"
#include "sfar/models/clip_transformer.h"
#include "sfar/recipes/model_export.h"
#include "sfar/recipes/run_files.h"
#include "sfar/recipes/sfar_task.h"

namespace sfar::recipes {

namespace {

// Crops must give the model's input resolution: its positional embedding has a fixed grid.
void check_crop_sizes(const std::vector<data::TransformSpec>& pipeline, const std::string& key,
                      std::int64_t resolution) {
  for (std::size_t i = 0; i < pipeline.size(); ++i) {
    const bool crop = entry_of(data::clip_transforms(), pipeline[i].type).crop_views > 0;
    if (crop && pipeline[i].size != resolution) {
      throw ConfigError(key + "[" + std::to_string(i) + "].size",
                        "must equal the model's input resolution " + std::to_string(resolution),
                        std::to_string(pipeline[i].size));
    }
  }
}

// CLIP from model.weights (and an export's head weights), or a seeded random initialisation.
void load_clip_weights(const SfarRunConfig& config, SfarInputs& in) {
  if (config.model.weights.empty()) {
    if (config.model.arch == "auto") {
      throw ConfigError("model.arch", "'auto' needs model.weights to infer the architecture from");
    }
    torch::manual_seed(config.run.seed);
    auto arch = models::clip_preset(config.model.arch);  // auto: the preset's (OpenAI's QuickGELU)
    if (const auto stated = models::stated_activation(config.model.activation)) arch.activation = *stated;
    in.clip = models::ClipModel(arch);
    in.warnings.push_back("model.weights is empty: " + config.model.arch + " is randomly initialised (seed " +
                          std::to_string(config.run.seed) + "); fine for tests, not for real training");
    return;
  }
  auto file = models::read_clip_weight_file(config.model.weights);
  auto weights = split_export(std::move(file.weights));
  // The layout is checked before the activation is asked for (ModelError before ConfigError).
  models::infer_clip_config(models::shapes_of(weights.clip), config.model.weights);
  const auto activation = models::resolve_clip_activation(file.activation, config.model.weights,
                                                          {config.model.activation, "model.activation"});
  in.clip = models::load_clip(weights.clip, config.model.weights, activation);
  in.head_weights = std::move(weights.head);
  in.record = std::move(file.record);
  if (config.model.arch != "auto") {
    auto preset = models::clip_preset(config.model.arch);
    preset.activation = activation;  // model.arch names the shapes; model.activation is resolved above
    if (in.clip->config() != preset) {
      throw ConfigError("model.arch", "does not match the architecture of " + config.model.weights, config.model.arch);
    }
  }
  in.notes.push_back("loaded CLIP weights " + config.model.weights);
}

// The class texts; the cache's sub-texts only for heads that read them.
void load_texts(const SfarRunConfig& config, SfarInputs& in) {
  const auto& d = config.descriptions;
  std::optional<describe::DescriptionCache> cache;
  if (!d.cache.empty()) cache = describe::load_description_cache(d.cache);
  const bool reads = method::uses_subtexts(config.head.type);
  if (cache && !reads) {
    // A warning: the config names a file the run will not read, which a user may not expect.
    in.warnings.push_back("head '" + method::to_string(config.head.type) + "' reads no sub-texts: " + d.cache +
                          " is not used");
  }
  const describe::DescriptionCache* used = cache && reads ? &*cache : nullptr;
  in.texts = method::make_class_texts(in.class_names, d.global_template, used, d.cache, d.num_subtexts, d.selection);
  const std::string mismatch = used ? describe::template_mismatch_warning(*used, d.cache, d.global_template) : "";
  if (!mismatch.empty()) in.warnings.push_back(mismatch);
}

data::LoaderDemand demand(const SfarRunConfig& config, bool train) {
  data::LoaderDemand d;
  if (train) {
    d.workers = config.data.workers;
    d.batch_size = config.train.micro_batch_size();
    d.pipeline = &config.data.train_pipeline;
    return d;
  }
  d.workers_key = config.eval.workers >= 0 ? "eval.workers" : "data.workers";
  d.workers = config.eval.workers >= 0 ? config.eval.workers : config.data.workers;
  d.batch_size = config.eval.batch_size > 0 ? config.eval.batch_size : config.data.batch_size;
  d.clips = config.data.clips;
  d.pipeline = &config.data.test_pipeline;
  return d;
}

}  // namespace

SfarInputs load_sfar_inputs(const SfarRunConfig& config) {
  require_run_files(config);  // a missing file names its key and the folders searched
  SfarInputs in;
  models::set_attention_kernel(config.model.attention);
  in.class_names = data::load_class_names(config.data);
  if (in.class_names.empty()) {
    throw ConfigError("data.labels", "SFAR scores videos against class names: set a class-name file");
  }
  load_clip_weights(config, in);
  in.clip->visual->transformer->set_grad_checkpointing(config.model.grad_checkpointing);
  const std::int64_t resolution = in.clip->config().image_resolution;
  check_crop_sizes(config.data.train_pipeline, "data.train_pipeline", resolution);
  check_crop_sizes(config.data.test_pipeline, "data.test_pipeline", resolution);
  if (config.text.vocab.empty()) throw ConfigError("text.vocab", "no tokenizer vocabulary given");
  in.tokenizer_spec = {config.text.tokenizer, config.text.vocab, config.text.merges};
  if (in.record) {  // a setting that contradicts the export's record is an error naming both
    const auto& weights = config.model.weights;
    method::check_export_tokenizer(*in.record, weights, in.tokenizer_spec);
    method::check_export_normalisation(*in.record, weights, config.data.train_pipeline, "data.train_pipeline");
    method::check_export_normalisation(*in.record, weights, config.data.test_pipeline, "data.test_pipeline");
  }
  in.tokenizer = text::load_tokenizer(in.tokenizer_spec);
  in.clip->set_eot_token_id(in.tokenizer->end_id());
  load_texts(config, in);
  return in;
}

void check_sfar_lists(const SfarRunConfig& config, const std::vector<std::string>& class_names) {
  data::check_loader_budget(config.data, demand(config, true));
  data::load_records(config.data, class_names);
  if (config.eval.list.empty()) return;
  data::check_loader_budget(config.data, demand(config, false));
  data::DataConfig eval_data = config.data;
  eval_data.list = config.eval.list;
  data::load_records(eval_data, class_names);
}

SfarRun assemble_sfar_run(SfarInputs in, const SfarRunConfig& config, const std::string& device,
                          const std::string& bank_dir) {
  for (const auto& note : in.notes) SFAR_LOG_INFO("{}", note);
  for (const auto& warning : in.warnings) SFAR_LOG_WARN("{}", warning);
  SfarRun run;
  run.device = device;
  run.class_names = std::move(in.class_names);
  const std::int64_t context = config.text.context_length;
  if (bank_dir.empty()) {
    run.bank = method::build_class_text_bank(*in.clip, *in.tokenizer, in.texts, context);
  } else {
    const auto key = method::text_bank_key(config.model.weights, in.clip->config().activation, config.run.seed,
                                           in.tokenizer_spec, context, in.texts);
    run.bank = method::load_or_build_text_bank(bank_dir, key, *in.clip, *in.tokenizer, in.texts, context,
                                               &run.bank_from_cache);
    SFAR_LOG_INFO("text bank {} ({} classes x {} sub-texts): {}", key, run.bank.num_classes(),
                  run.bank.num_subtexts(), run.bank_from_cache ? "loaded from cache" : "encoded");
  }
  run.model = method::SfarModel(in.clip, config.head, config.loss.learn_logit_scale);
  if (config.model.freeze_backbone) {
    for (auto& p : run.model->clip->visual->parameters()) p.set_requires_grad(false);
  }
  if (!in.head_weights.empty()) {
    load_head_weights(*run.model->head, in.head_weights, config.model.weights);  // names a tensor that does not fit
    if (in.record) method::check_export_head(*in.record, config.model.weights, config.head);  // then options that differ
    SFAR_LOG_INFO("loaded the {} head's weights from {}", method::to_string(config.head.type), config.model.weights);
  }
  run.head_ready = !in.head_weights.empty() || run.model->head->parameters().empty();
  return run;
}

SfarRun build_sfar_run(const SfarRunConfig& config, const std::string& device, const std::string& bank_dir) {
  return assemble_sfar_run(load_sfar_inputs(config), config, device, bank_dir);
}

}  // namespace sfar::recipes
