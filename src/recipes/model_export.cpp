#include "sfar/recipes/model_export.h"

#include "sfar/core/config_loader.h"
#include "sfar/core/error.h"
#include "sfar/engine/checkpoint.h"
#include "sfar/method/video_head.h"
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
  for (const auto& [name, t] : tensors) (starts_with(name, kHeadPrefix) ? result.head_tensors : result.backbone_tensors)++;

  if (result.format == "safetensors") {
#ifdef SFAR_VERSION
    const std::string version = SFAR_VERSION;
#else
    const std::string version = "unknown";
#endif
    models::save_safetensors(tensors, {{"format", kExportFormat}, {"sfar_version", version},
                                       {"head_type", result.head_type}, {"config", config_text}}, out);
  } else {
    c10::Dict<std::string, torch::Tensor> dict;
    for (const auto& [name, t] : tensors) dict.insert(name, t);
    models::save_torch_file(c10::IValue(dict), out);
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
