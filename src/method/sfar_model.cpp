#include "sfar/method/sfar_model.h"

#include <filesystem>
#include <sstream>
#include <system_error>

#include "sfar/core/atomic_file.h"
#include "sfar/core/error.h"
#include "sfar/describe/content_hash.h"
#include "sfar/describe/description_cache.h"

namespace sfar::method {

namespace fs = std::filesystem;

namespace {

bool starts_with(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }

std::string part_of(const std::string& name) {
  if (starts_with(name, "clip.visual.")) return "visual";
  if (name == "clip.logit_scale") return "logit_scale";
  if (starts_with(name, "clip.")) return "text";
  return "head";
}

}  // namespace

SfarModelImpl::SfarModelImpl(models::ClipModel clip_model, const HeadOptions& options, bool learn_logit_scale) {
  clip = register_module("clip", std::move(clip_model));
  head = register_module("head", VideoHead(options, clip->config().embed_dim));
  for (auto& item : clip->named_parameters()) {
    const std::string name = "clip." + item.key();
    const std::string part = part_of(name);
    if (part == "text" || (part == "logit_scale" && !learn_logit_scale)) item.value().set_requires_grad(false);
  }
}

SfarOutput SfarModelImpl::forward(const torch::Tensor& clips, const TextBank& bank) {
  return score(encode_frames(clips), bank);
}

torch::Tensor SfarModelImpl::encode_frames(const torch::Tensor& clips) {
  if (clips.dim() != 5 || clips.size(2) != 3) {
    throw ArgumentError("sfar model", "expected clips [B, T, 3, H, W]", c10::str(clips.sizes()));
  }
  const auto B = clips.size(0), T = clips.size(1);
  const auto frames = clip->encode_image(clips.reshape({B * T, 3, clips.size(3), clips.size(4)}));
  return frames.view({B, T, frames.size(-1)});
}

SfarOutput SfarModelImpl::score(const torch::Tensor& frames, const TextBank& bank) {
  if (frames.dim() != 3) {
    throw ArgumentError("sfar model", "expected frame embeddings [B, T, D]", c10::str(frames.sizes()));
  }
  auto out = head->forward(frames, bank);
  return {class_logits(out.video, bank.global_embed, clip->logit_scale), out.coarse_weights, out.fine_weights};
}

std::vector<std::pair<std::string, ParameterCount>> count_parameters(const SfarModelImpl& model) {
  std::vector<std::pair<std::string, ParameterCount>> parts = {
      {"visual", {}}, {"text", {}}, {"logit_scale", {}}, {"head", {}}, {"all", {}}};
  auto add = [](ParameterCount& c, const torch::Tensor& t) {
    c.total += t.numel();
    (t.requires_grad() ? c.trainable : c.frozen) += t.numel();
  };
  for (const auto& item : model.named_parameters()) {
    const std::string part = part_of(item.key());
    for (auto& [name, count] : parts) {
      if (name == part) add(count, item.value());
    }
    add(parts.back().second, item.value());
  }
  return parts;
}

ClassTexts make_class_texts(const std::vector<std::string>& class_names, const std::string& global_template,
                            const describe::DescriptionCache* cache, const std::string& cache_path,
                            std::int64_t num_subtexts, describe::SubtextChoice choice) {
  if (num_subtexts < 1) throw ConfigError("descriptions.num_subtexts", "must be at least 1", std::to_string(num_subtexts));
  ClassTexts texts;
  for (const auto& name : class_names) {
    texts.global.push_back(describe::format_global_text(global_template, name));
    if (!cache) continue;
    const describe::ClassDescriptions* entry = cache->find(name);
    if (!entry) throw ConfigError(cache_path, "the description cache has no entry for class", name);
    if (entry->candidates.empty()) throw ConfigError(cache_path, "no candidate sub-text set for class", name);
    if (choice == describe::SubtextChoice::kSelected && !entry->selected) {
      throw ConfigError(cache_path,
                        "no sub-text set is selected for class \"" + name +
                            "\"; run `sfar describe select --cache " + cache_path +
                            " --config <this config> ...` (TPP), or set descriptions.selection: first to use each "
                            "class's first candidate set",
                        name);
    }
    const std::size_t chosen = choice == describe::SubtextChoice::kFirst ? 0 : *entry->selected;
    if (chosen >= entry->candidates.size()) {
      throw ConfigError(cache_path, "selected set index out of range for class", name);
    }
    std::vector<std::string> sentences = entry->candidates[chosen].sentences;
    if (sentences.empty()) throw ConfigError(cache_path, "empty sub-text set for class", name);
    sentences.resize(static_cast<std::size_t>(num_subtexts), sentences.back());
    texts.sub.push_back(std::move(sentences));
  }
  return texts;
}

TextBank build_class_text_bank(models::ClipTextEncoderImpl& encoder, const text::Tokenizer& tokenizer,
                               const ClassTexts& texts, std::int64_t context_length) {
  if (texts.global.empty()) throw ArgumentError("text bank", "no classes");
  auto ids = [&](const std::string& s) {
    auto v = tokenizer.tokenize(s, context_length);
    return torch::tensor(v, torch::kInt64);
  };
  std::vector<torch::Tensor> global, sub;
  for (std::size_t c = 0; c < texts.global.size(); ++c) {
    global.push_back(ids(texts.global[c]));
    std::vector<torch::Tensor> row;
    if (texts.sub.empty()) {
      row.push_back(global.back());
    } else {
      for (const auto& s : texts.sub.at(c)) row.push_back(ids(s));
    }
    sub.push_back(torch::stack(row));
  }
  const bool was_training = encoder.is_training();
  encoder.eval();
  TextBank bank = encode_text_bank(encoder, torch::stack(global), torch::stack(sub));
  encoder.train(was_training);
  return bank;
}

std::string text_bank_key(const std::string& weights, models::ClipActivation activation, std::uint64_t seed,
                          const text::TokenizerSpec& tokenizer, std::int64_t context_length,
                          const ClassTexts& texts) {
  std::ostringstream s;
  // Only GELU adds a line: banks cached before the activation was a setting (all QuickGELU)
  // keep their keys.
  if (activation == models::ClipActivation::kGelu) s << "activation gelu\n";
  if (weights.empty()) {
    s << "random seed " << seed << '\n';
  } else {
    std::error_code ec;
    const auto size = fs::file_size(weights, ec);
    const auto mtime = fs::last_write_time(weights, ec).time_since_epoch().count();
    s << "weights " << fs::absolute(weights).string() << '\n' << size << '\n' << mtime << '\n';
  }
  s << "tokenizer " << tokenizer.kind << '\n' << tokenizer.vocab << '\n' << tokenizer.merges << '\n' << context_length << '\n';
  for (std::size_t c = 0; c < texts.global.size(); ++c) {
    s << "class " << c << '\n' << texts.global[c] << '\n';
    if (texts.sub.empty()) continue;
    for (const auto& t : texts.sub[c]) s << t << '\n';
  }
  return describe::sha256_hex(s.str()).substr(0, 16);
}

namespace {

const char* const kBankFields[] = {"global_tokens", "global_mask", "global_embed", "sub_tokens", "sub_mask", "sub_embed"};

std::vector<torch::Tensor*> fields(TextBank& bank) {
  return {&bank.global_tokens, &bank.global_mask, &bank.global_embed, &bank.sub_tokens, &bank.sub_mask, &bank.sub_embed};
}

}  // namespace

TextBank load_or_build_text_bank(const std::string& dir, const std::string& key,
                                 models::ClipTextEncoderImpl& encoder, const text::Tokenizer& tokenizer,
                                 const ClassTexts& texts, std::int64_t context_length, bool* hit) {
  const std::string path = (fs::path(dir) / ("text_bank_" + key + ".pt")).string();
  TextBank bank;
  if (fs::exists(path)) {
    try {
      torch::serialize::InputArchive archive;
      archive.load_from(path);
      auto f = fields(bank);
      for (std::size_t i = 0; i < f.size(); ++i) archive.read(kBankFields[i], *f[i]);
      if (bank.num_classes() == static_cast<std::int64_t>(texts.global.size())) {
        if (hit) *hit = true;
        return bank;
      }
    } catch (const c10::Error&) {
      // An unreadable cache file is rebuilt below.
    }
  }
  bank = build_class_text_bank(encoder, tokenizer, texts, context_length);
  torch::serialize::OutputArchive archive;
  auto f = fields(bank);
  for (std::size_t i = 0; i < f.size(); ++i) archive.write(kBankFields[i], *f[i]);
  std::ostringstream bytes;
  archive.save_to(bytes);
  fs::create_directories(dir);
  write_file_atomic(path, bytes.str());
  if (hit) *hit = false;
  return bank;
}

}  // namespace sfar::method
