#include "sfar/models/clip_loader.h"

#include <caffe2/serialize/inline_container.h>
#include <torch/script.h>

#include <cstring>
#include <fstream>
#include <iterator>
#include <set>

#include "sfar/core/error.h"
#include "sfar/core/file_integrity.h"
#include "sfar/core/logging.h"
#include "sfar/core/torch_compat.h"
#include "sfar/io/safetensors_reader.h"
#include "sfar/models/pickle_reader.h"
#include "sfar/models/torch_save.h"

namespace sfar::models {
namespace {

// Buffers OpenAI's TorchScript releases and Hugging Face add beside the weights.
bool is_ignored_key(const std::string& name) {
  static const std::set<std::string> kOpenAiBuffers = {"input_resolution", "context_length", "vocab_size"};
  const std::string suffix = "position_ids";
  return kOpenAiBuffers.count(name) > 0 ||
         (name.size() >= suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0);
}

std::string shape_text(torch::IntArrayRef shape) { return c10::str(shape); }

// Joins up to `limit` items and says how many more there were.
std::string join_limited(const std::vector<std::string>& items, std::size_t limit = 12) {
  std::string text;
  for (std::size_t i = 0; i < items.size() && i < limit; ++i) text += (i ? ", " : "") + items[i];
  if (items.size() > limit) text += ", ... and " + std::to_string(items.size() - limit) + " more";
  return text;
}

void add_tensor(StateDict& weights, const std::string& name, const torch::Tensor& tensor) {
  if (is_ignored_key(name)) return;
  auto cpu = tensor.detach().to(torch::kCPU);
  weights[name] = cpu.is_floating_point() ? cpu.to(torch::kFloat32).contiguous() : cpu.contiguous();
}

StateDict read_torchscript(const std::string& path) {
  torch::jit::Module module;
  try {
    module = torch::jit::load(path, torch::kCPU);
  } catch (const c10::Error& e) {
    throw FormatError(path, "cannot load TorchScript archive: " + compat::error_message(e));
  }
  StateDict weights;
  for (const auto& item : module.named_parameters(/*recurse=*/true)) add_tensor(weights, item.name, item.value);
  for (const auto& item : module.named_buffers(/*recurse=*/true)) add_tensor(weights, item.name, item.value);
  return weights;
}

// The dict of tensors in a torch.save file: the root itself, or the one under a training
// script's wrapper key ("state_dict" for open_clip and Lightning, "model" for ViFi-CLIP and
// DeiT-style scripts, "model_state_dict" for BIKE), one or two levels down.
const PickleValue& state_dict_in(const PickleValue& root, const std::string& path, std::string& where) {
  static const std::vector<std::string> kWrappers = {"state_dict", "model_state_dict", "model"};
  const PickleValue* current = &root;
  for (int depth = 0; depth < 3; ++depth) {
    if (!current->is_string_keyed_dict()) break;
    bool all_tensors = !current->entries.empty();
    for (const auto& entry : current->entries) all_tensors = all_tensors && entry.second->kind == PickleValue::Kind::kTensor;
    if (all_tensors) return *current;
    std::vector<std::string> found;
    for (const auto& key : kWrappers) {
      const PickleValue* inner = current->find(key);
      if (inner && inner->is_string_keyed_dict()) found.push_back(key);
    }
    if (found.size() > 1) {
      throw FormatError(path + where, "several wrapper keys hold weights; sfar cannot tell which is CLIP's",
                        join_limited(found));
    }
    if (found.empty()) {
      bool any_tensor = false;
      for (const auto& entry : current->entries) any_tensor = any_tensor || entry.second->kind == PickleValue::Kind::kTensor;
      if (!any_tensor) break;  // no weights here at all: the keys are listed below
      return *current;  // a state_dict with some non-tensor values: reported value by value below
    }
    where += "['" + found[0] + "']";
    current = current->find(found[0]);
  }
  std::vector<std::string> keys;
  if (current->kind == PickleValue::Kind::kDict) {
    for (const auto& entry : current->entries) keys.push_back(entry.first->text + ": " + entry.second->describe());
  }
  throw FormatError(path + where,
                    "torch.save file holds no state_dict (a dict of tensors, or one under state_dict, "
                    "model or model_state_dict)",
                    keys.empty() ? current->describe() : join_limited(keys, 8));
}

// BIKE's checkpoints ({"model_state_dict": CLIP, "fusion_model_state_dict": its video head}) hold
// OpenAI's CLIP as BIKE's own copy of OpenAI's code builds it, with QuickGELU.
FileActivation pickled_activation(const PickleValue& root) {
  if (root.find("model_state_dict") && root.find("fusion_model_state_dict")) {
    return {ClipActivation::kQuickGelu, "a BIKE checkpoint (model_state_dict + fusion_model_state_dict), OpenAI's CLIP"};
  }
  return {std::nullopt, "a torch.save state_dict"};
}

StateDict read_pickled_state_dict(const std::string& path, FileActivation& activation) {
  const PickleRef root = read_torch_save(path);
  activation = pickled_activation(*root);
  std::string where;
  const PickleValue& dict = state_dict_in(*root, path, where);
  StateDict weights;
  for (const auto& [key, value] : dict.entries) {
    if (key->kind != PickleValue::Kind::kString) {
      throw FormatError(path + where, "state_dict key is not a string", key->describe());
    }
    if (value->kind != PickleValue::Kind::kTensor) {
      throw FormatError(path + where + ": '" + key->text + "'", "state_dict value is not a tensor", value->describe());
    }
    add_tensor(weights, key->text, value->tensor);
  }
  return weights;
}

torch::Dtype torch_dtype(const std::string& dtype, const std::string& where) {
  static const std::map<std::string, torch::Dtype> kTypes = {
      {"F64", torch::kFloat64}, {"F32", torch::kFloat32}, {"F16", torch::kFloat16},
      {"BF16", torch::kBFloat16}, {"I64", torch::kInt64}, {"I32", torch::kInt32},
      {"I16", torch::kInt16},   {"I8", torch::kInt8},     {"U8", torch::kUInt8}, {"BOOL", torch::kBool}};
  auto found = kTypes.find(dtype);
  if (found == kTypes.end()) throw FormatError(where, "dtype not supported for weights", dtype);
  return found->second;
}

// A zip of weights (TorchScript or torch.save): every record against its CRC-32 first, since
// LibTorch's reader checks none; a flipped byte would otherwise load as changed weights.
void check_weight_archive(const std::string& path) {
  const ZipCheck check = verify_zip_records(path);
  if (!check.sealed()) {
    SFAR_LOG_WARN("{}: {} of its {} records carry no CRC-32 (written with CRCs turned off?), so they cannot be "
                  "checked", path, check.unchecked, check.records);
  }
}

StateDict read_safetensors(const std::string& path) {
  io::SafetensorsReader reader(path);  // checks sfar's seal when the file has one
  const auto format = reader.metadata().find("format");
  if (!reader.sealed() && format != reader.metadata().end() && format->second.rfind("sfar-", 0) == 0) {
    SFAR_LOG_WARN("{}: an sfar export written before exports were sealed (no {} in its metadata), so its bytes "
                  "cannot be checked; export the checkpoint again to seal it", path, kSafetensorsSealKey);
  }
  StateDict weights;
  for (const auto& entry : reader.tensors()) {
    if (is_ignored_key(entry.name)) continue;
    auto tensor = torch::empty(entry.shape, torch_dtype(entry.dtype, path + ": tensor '" + entry.name + "'"));
    std::memcpy(tensor.data_ptr(), reader.bytes(entry), entry.end - entry.begin);
    add_tensor(weights, entry.name, tensor);
  }
  return weights;
}

bool is_hf_layout(const StateDict& weights) {
  for (const auto& item : weights) {
    if (item.first.rfind("text_model.", 0) == 0 || item.first.rfind("vision_model.", 0) == 0) return true;
  }
  return false;
}


// Hugging Face -> OpenAI names for everything outside the transformer layers.
const std::vector<std::pair<std::string, std::string>>& hf_prefixes() {
  static const std::vector<std::pair<std::string, std::string>> kPrefixes = {
      {"text_model.embeddings.token_embedding.", "token_embedding."},
      {"text_model.embeddings.position_embedding.weight", "positional_embedding"},
      {"text_model.final_layer_norm.", "ln_final."},
      {"text_model.encoder.layers.", "transformer.resblocks."},
      {"vision_model.embeddings.class_embedding", "visual.class_embedding"},
      {"vision_model.embeddings.patch_embedding.weight", "visual.conv1.weight"},
      {"vision_model.embeddings.position_embedding.weight", "visual.positional_embedding"},
      {"vision_model.pre_layrnorm.", "visual.ln_pre."},
      {"vision_model.post_layernorm.", "visual.ln_post."},
      {"vision_model.encoder.layers.", "visual.transformer.resblocks."}};
  return kPrefixes;
}

// Inside a layer ("<i>.<rest>"): HF's sub-module names -> OpenAI's.
std::string convert_layer_suffix(const std::string& rest) {
  static const std::vector<std::pair<std::string, std::string>> kParts = {
      {"layer_norm1.", "ln_1."}, {"layer_norm2.", "ln_2."}, {"mlp.fc1.", "mlp.c_fc."},
      {"mlp.fc2.", "mlp.c_proj."}, {"self_attn.out_proj.", "attn.out_proj."}};
  for (const auto& [from, to] : kParts) {
    if (rest.rfind(from, 0) == 0) return to + rest.substr(from.size());
  }
  return rest;
}

std::string convert_hf_name(const std::string& name) {
  for (const auto& [from, to] : hf_prefixes()) {
    if (name.rfind(from, 0) != 0) continue;
    std::string rest = name.substr(from.size());
    if (from.find(".layers.") == std::string::npos) return to + rest;
    const auto dot = rest.find('.');
    if (dot == std::string::npos) return to + rest;
    return to + rest.substr(0, dot + 1) + convert_layer_suffix(rest.substr(dot + 1));
  }
  return name;
}

}  // namespace

std::string to_string(ClipWeightFormat format) {
  switch (format) {
    case ClipWeightFormat::kTorchScript: return "torchscript";
    case ClipWeightFormat::kStateDict: return "state_dict";
    case ClipWeightFormat::kSafetensors: return "safetensors";
  }
  return "unknown";
}

ClipWeightFormat detect_clip_weight_format(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) throw IoError(path, "cannot open file");
  char magic[4] = {};
  file.read(magic, sizeof magic);
  if (file.gcount() == 4 && std::memcmp(magic, "PK\x03\x04", 4) == 0) {
    try {
      caffe2::serialize::PyTorchStreamReader archive(path);
      // TorchScript archives carry their constants; torch.save archives only data.pkl.
      return archive.hasRecord("constants.pkl") ? ClipWeightFormat::kTorchScript : ClipWeightFormat::kStateDict;
    } catch (const c10::Error& e) {
      throw FormatError(path, "zip file is not a PyTorch archive: " + compat::error_message(e));
    }
  }
  if (io::looks_like_safetensors(path)) return ClipWeightFormat::kSafetensors;
  if (file.gcount() >= 2 && static_cast<unsigned char>(magic[0]) == 0x80) {
    throw FormatError(path, "legacy (pre-1.6, non-zip) torch.save files are not supported; re-save "
                            "with torch.save(state_dict, path)");
  }
  throw FormatError(path, "not a TorchScript archive, torch.save zip or safetensors file");
}

ClipWeightFile read_clip_weight_file(const std::string& path) {
  ClipWeightFile file;
  const ClipWeightFormat format = detect_clip_weight_format(path);
  if (format != ClipWeightFormat::kSafetensors) check_weight_archive(path);
  switch (format) {
    case ClipWeightFormat::kTorchScript:
      file.weights = read_torchscript(path);
      file.activation = {ClipActivation::kQuickGelu, "TorchScript archive, as OpenAI's releases"};
      break;
    case ClipWeightFormat::kStateDict:
      file.weights = read_pickled_state_dict(path, file.activation);
      break;
    case ClipWeightFormat::kSafetensors:
      file.weights = read_safetensors(path);
      file.activation.evidence = "safetensors in OpenAI's names";
      break;
  }
  strip_wrapper_prefixes(file.weights);
  if (auto layout = convert_python_clip_layout(file.weights, path)) file.activation = *layout;
  if (is_hf_layout(file.weights)) {
    file.weights = convert_hf_clip_state_dict(file.weights, path);
    file.activation = hf_config_activation(path);
  }
  file.record = read_export_record(path);  // an sfar export says how it was trained
  if (file.record) {
    file.activation = {file.record->activation, "its sfar export record: activation " + to_string(file.record->activation)};
  }
  return file;
}

StateDict read_clip_state_dict(const std::string& path) { return read_clip_weight_file(path).weights; }

StateDict convert_hf_clip_state_dict(const StateDict& hf, const std::string& where) {
  StateDict weights;
  // q/k/v pieces of each in_proj, keyed by the OpenAI name they form.
  std::map<std::string, std::map<char, torch::Tensor>> packed;
  for (const auto& [name, tensor] : hf) {
    if (is_ignored_key(name)) continue;
    if (name == "text_projection.weight") {
      weights["text_projection"] = tensor.t().contiguous();
      continue;
    }
    if (name == "visual_projection.weight") {
      weights["visual.proj"] = tensor.t().contiguous();
      continue;
    }
    std::string converted = convert_hf_name(name);
    const auto attn = converted.find(".self_attn.");
    if (attn != std::string::npos && converted.size() > attn + 13 &&
        converted.compare(attn + 12, 6, "_proj.") == 0) {
      const char part = converted[attn + 11];  // q, k or v
      const std::string kind = converted.substr(attn + 18);  // weight or bias
      if (part == 'q' || part == 'k' || part == 'v') {
        packed[converted.substr(0, attn) + ".attn.in_proj_" + kind][part] = tensor;
        continue;
      }
    }
    weights[converted] = tensor;
  }
  for (const auto& [name, parts] : packed) {
    std::vector<std::string> absent;
    for (char part : {'q', 'k', 'v'}) {
      if (!parts.count(part)) absent.push_back(std::string(1, part) + "_proj");
    }
    if (!absent.empty()) {
      throw ModelError(where + ": tensor '" + name + "'", "Hugging Face attention lacks " + join_limited(absent));
    }
    const auto& q = parts.at('q');
    if (parts.at('k').sizes() != q.sizes() || parts.at('v').sizes() != q.sizes()) {
      throw ModelError(where + ": tensor '" + name + "'", "q/k/v projections differ in shape",
                       shape_text(q.sizes()) + " " + shape_text(parts.at('k').sizes()) + " " +
                           shape_text(parts.at('v').sizes()));
    }
    weights[name] = torch::cat({q, parts.at('k'), parts.at('v')}, 0);
  }
  return weights;
}

TensorShapes shapes_of(const StateDict& weights) {
  TensorShapes shapes;
  for (const auto& [name, tensor] : weights) shapes[name] = tensor.sizes().vec();
  return shapes;
}

void load_clip_weights(ClipModelImpl& model, const StateDict& weights, const std::string& where) {
  std::vector<std::string> missing, unexpected, misshaped;
  auto parameters = model.named_parameters(/*recurse=*/true);
  for (const auto& item : parameters) {
    auto found = weights.find(item.key());
    if (found == weights.end()) {
      missing.push_back(item.key() + " " + shape_text(item.value().sizes()));
    } else if (found->second.sizes() != item.value().sizes()) {
      misshaped.push_back(item.key() + " " + shape_text(found->second.sizes()) + " (model " +
                          shape_text(item.value().sizes()) + ")");
    }
  }
  for (const auto& [name, tensor] : weights) {
    if (!parameters.contains(name)) unexpected.push_back(name + " " + shape_text(tensor.sizes()));
  }
  if (!missing.empty() || !unexpected.empty() || !misshaped.empty()) {
    std::string message = "weights do not fit the CLIP model";
    if (!missing.empty()) message += "; missing " + std::to_string(missing.size()) + ": " + join_limited(missing);
    if (!unexpected.empty()) message += "; unexpected " + std::to_string(unexpected.size()) + ": " + join_limited(unexpected);
    if (!misshaped.empty()) message += "; mis-shaped " + std::to_string(misshaped.size()) + ": " + join_limited(misshaped);
    throw ModelError(where, message);
  }
  torch::NoGradGuard no_grad;
  for (auto& item : parameters) item.value().copy_(weights.at(item.key()));
}

ClipModel load_clip(const std::string& path, const ClipActivationChoice& activation, const torch::Device& device) {
  ClipWeightFile file = read_clip_weight_file(path);
  StateDict& weights = file.weights;
  for (auto it = weights.begin(); it != weights.end();) {  // an sfar export's head is not CLIP's
    it = it->first.rfind(kSfarHeadPrefix, 0) == 0 ? weights.erase(it) : std::next(it);
  }
  // An unidentifiable layout is reported as such before the activation is asked for.
  infer_clip_config(shapes_of(weights), path);
  return load_clip(weights, path, resolve_clip_activation(file.activation, path, activation), device);
}

ClipModel load_clip(const StateDict& weights, const std::string& where, ClipActivation activation,
                    const torch::Device& device) {
  ClipConfig config = infer_clip_config(shapes_of(weights), where);
  config.activation = activation;
  ClipModel model(config);
  load_clip_weights(*model, weights, where);
  model->to(device);
  model->eval();
  return model;
}

void save_clip_state_dict(const StateDict& weights, const std::string& path) {
  c10::Dict<std::string, torch::Tensor> dict;
  for (const auto& [name, tensor] : weights) dict.insert(name, tensor.detach().cpu());
  save_torch_file(torch::IValue(dict), path);
}

StateDict clip_state_dict(const ClipModelImpl& model) {
  StateDict weights;
  for (const auto& item : model.named_parameters(/*recurse=*/true)) weights[item.key()] = item.value().detach().cpu();
  return weights;
}

}  // namespace sfar::models
