#include "sfar/recipes/model_export.h"

#include "sfar/core/config_loader.h"
#include "sfar/core/error.h"
#include "sfar/core/sfar_config.h"
#include "sfar/data/data_config.h"
#include "sfar/engine/checkpoint.h"
#include "sfar/method/export_record_check.h"
#include "sfar/method/video_head.h"
#include "sfar/models/export_record.h"
#include "sfar/models/safetensors_writer.h"
#include "sfar/models/torch_save.h"

namespace sfar::recipes {
namespace {

bool starts_with(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// head.type of a run config saved in a checkpoint, read through the head section's schema; the
// default head when the checkpoint has no config or the config no head.
std::string head_type_of(const std::string& config_text, const std::string& where) {
  if (config_text.empty()) return method::to_string(method::HeadOptions{}.type);
  const ConfigNode root = parse_config_text(config_text, where + ": config");
  return method::to_string(read_config<method::HeadOptions>(root.find("head"), "head").type);
}

// The activation the run used: stated in its config, else what its model.weights file says
// (read again here), else the preset's for a run without weights.
models::ClipActivation run_activation(const ModelConfig& model, const std::string& checkpoint) {
  if (const auto stated = models::stated_activation(model.activation)) return *stated;
  if (model.weights.empty()) return models::clip_preset(model.arch).activation;
  const auto file = models::read_clip_weight_file(model.weights);
  return models::resolve_clip_activation(file.activation, model.weights,
                                         {model.activation, checkpoint + ": config model.activation"});
}

// How to read the export (models/export_record.h), from the run's config and its CLIP tensors.
models::ExportRecord export_record(const std::string& config_text, const models::StateDict& clip,
                                   const std::string& checkpoint) {
  if (config_text.empty()) {
    throw FormatError(checkpoint + ": config", "missing: an export records the run's activation, tokenizer and "
                                               "head from it");
  }
  const ConfigNode root = parse_config_text(config_text, checkpoint + ": config");
  if (!root.find("model") || !root.find("text")) {
    throw FormatError(checkpoint + ": config", "not an SFAR run's config (no model: or text: section)");
  }
  const auto model = read_config<ModelConfig>(root.find("model"), "model");
  const auto text = read_config<TextConfig>(root.find("text"), "text");
  const auto data = read_config<data::DataConfig>(root.find("data"), "data");
  models::ExportRecord record;
  record.activation = run_activation(model, checkpoint);
  record.tokenizer = text.tokenizer;
  record.vocab_sha256 = method::tokenizer_vocab_sha256({text.tokenizer, text.vocab, text.merges});
  record.image_size = models::infer_clip_config(models::shapes_of(clip), checkpoint).image_resolution;
  for (const auto& transform : data.test_pipeline) {
    if (transform.type != data::TransformType::kNormalize) continue;
    record.mean = transform.mean;
    record.std = transform.std;
    break;
  }
  record.head = config_to_yaml(write_config(read_config<method::HeadOptions>(root.find("head"), "head")));
  return record;
}

}  // namespace

std::vector<std::pair<std::string, torch::Tensor>> export_tensors(
    const torch::OrderedDict<std::string, torch::Tensor>& model_state, const std::string& where) {
  std::vector<std::pair<std::string, torch::Tensor>> out;
  for (const auto& item : model_state) {
    const std::string& name = item.key();
    std::string exported;
    if (starts_with(name, "clip.")) {
      exported = name.substr(5);
    } else if (starts_with(name, "head.")) {
      exported = kHeadPrefix + name.substr(5);
    } else {
      throw ModelError(where + ": " + name, "not a parameter of an SFAR model (expected clip.* or head.*)");
    }
    out.emplace_back(exported, item.value().detach().to(torch::kCPU).contiguous());
  }
  return out;
}

ExportResult export_checkpoint(const std::string& checkpoint, const std::string& out) {
  ExportResult result;
  result.out = out;
  if (ends_with(out, ".pt")) {
    result.format = "state_dict";
  } else if (ends_with(out, ".safetensors")) {
    result.format = "safetensors";
  } else {
    throw ArgumentError("--out", "must end in .pt (PyTorch state_dict) or .safetensors", out);
  }
  auto archive = engine::load_checkpoint_archive(checkpoint);
  torch::serialize::InputArchive model_archive;
  if (!archive.try_read(engine::checkpoint_key::kModel, model_archive)) {
    throw FormatError(checkpoint + ": model", "missing from the checkpoint");
  }
  c10::IValue config;
  const std::string config_text =
      archive.try_read(engine::checkpoint_key::kConfig, config) && config.isString() ? config.toStringRef() : "";
  result.head_type = head_type_of(config_text, checkpoint);
  const auto tensors = export_tensors(engine::read_named_tensors(model_archive), checkpoint);
  models::StateDict clip;
  for (const auto& [name, t] : tensors) {
    (starts_with(name, kHeadPrefix) ? result.head_tensors : result.backbone_tensors)++;
    if (!starts_with(name, kHeadPrefix)) clip[name] = t;
  }
  const std::string record = models::export_record_json(export_record(config_text, clip, checkpoint));

  if (result.format == "safetensors") {
#ifdef SFAR_VERSION
    const std::string version = SFAR_VERSION;
#else
    const std::string version = "unknown";
#endif
    models::save_safetensors(tensors, {{"format", kExportFormat}, {"sfar_version", version},
                                       {"head_type", result.head_type}, {"config", config_text},
                                       {models::kExportRecordKey, record}}, out);
  } else {
    c10::Dict<std::string, torch::Tensor> dict;
    for (const auto& [name, t] : tensors) dict.insert(name, t);
    models::save_torch_file(c10::IValue(dict), out, {{models::kExportRecordFile, record}});
  }
  return result;
}

SplitWeights split_export(models::StateDict weights) {
  SplitWeights split;
  const std::string prefix = kHeadPrefix;
  for (auto& [name, tensor] : weights) {
    if (starts_with(name, prefix)) {
      split.head[name.substr(prefix.size())] = std::move(tensor);
    } else {
      split.clip[name] = std::move(tensor);
    }
  }
  return split;
}

void load_head_weights(torch::nn::Module& module, const models::StateDict& head, const std::string& where) {
  auto current = module.named_parameters(/*recurse=*/true);
  for (const auto& item : current) {
    const auto found = head.find(item.key());
    if (found == head.end()) {
      throw ModelError(where + ": " + kHeadPrefix + item.key(), "missing: the export's head does not fit head.type");
    }
    if (found->second.sizes() != item.value().sizes()) {
      throw ModelError(where + ": " + kHeadPrefix + item.key(),
                       "shape differs from the model's " + c10::str(item.value().sizes()),
                       c10::str(found->second.sizes()));
    }
  }
  for (const auto& [name, tensor] : head) {
    if (!current.contains(name)) {
      throw ModelError(where + ": " + kHeadPrefix + name, "unexpected: the model's head (head.type) has no such parameter");
    }
  }
  torch::NoGradGuard no_grad;
  for (auto& item : current) item.value().copy_(head.at(item.key()));
}

}  // namespace sfar::recipes
