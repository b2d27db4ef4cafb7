#include "sfar/method/text_bank.h"

#include <filesystem>
#include <sstream>
#include <system_error>

#include "sfar/core/atomic_file.h"
#include "sfar/core/error.h"
#include "sfar/core/file_integrity.h"
#include "sfar/core/logging.h"
#include "sfar/describe/content_hash.h"

namespace sfar::method {

namespace fs = std::filesystem;

TextBank TextBank::to(const torch::Device& device) const {
  return {global_tokens.to(device), global_mask.to(device), global_embed.to(device),
          sub_tokens.to(device),    sub_mask.to(device),    sub_embed.to(device)};
}

std::pair<torch::Tensor, torch::Tensor> trim_token_features(const torch::Tensor& features,
                                                            const torch::Tensor& end_index) {
  const std::int64_t longest = end_index.max().item<std::int64_t>() + 1;
  auto trimmed = features.narrow(1, 0, longest);
  auto positions = torch::arange(longest, end_index.options()).unsqueeze(0);
  auto mask = positions <= end_index.unsqueeze(1);
  // Zero the padding so that a mask mistake shows up as wrong numbers, not as stale values.
  return {trimmed * mask.unsqueeze(-1).to(trimmed.dtype()), mask};
}

namespace {

// [R, L] ids -> token features [R, Lmax, D], mask [R, Lmax], embeddings [R, D].
std::tuple<torch::Tensor, torch::Tensor, torch::Tensor> encode_rows(
    models::ClipTextEncoderImpl& encoder, const torch::Tensor& ids, std::int64_t batch_size) {
  std::vector<torch::Tensor> features, ends;
  for (std::int64_t start = 0; start < ids.size(0); start += batch_size) {
    const auto chunk = ids.narrow(0, start, std::min(batch_size, ids.size(0) - start));
    auto out = encoder.encode_text_tokens(chunk);
    features.push_back(out.features);
    ends.push_back(out.eot_index);
  }
  auto all = torch::cat(features, 0);
  auto end = torch::cat(ends, 0);
  auto pooled = all.index({torch::arange(all.size(0)), end});
  auto [tokens, mask] = trim_token_features(all, end);
  return {tokens, mask, pooled};
}

}  // namespace

TextBank encode_text_bank(models::ClipTextEncoderImpl& encoder, const torch::Tensor& global_ids,
                          const torch::Tensor& sub_ids, std::int64_t batch_size) {
  if (global_ids.dim() != 2 || sub_ids.dim() != 3 || sub_ids.size(0) != global_ids.size(0)) {
    throw ArgumentError("text bank", "expected global ids [C, L] and sub-text ids [C, N, L]");
  }
  torch::NoGradGuard no_grad;
  const auto C = sub_ids.size(0), N = sub_ids.size(1), L = sub_ids.size(2);
  TextBank bank;
  std::tie(bank.global_tokens, bank.global_mask, bank.global_embed) =
      encode_rows(encoder, global_ids, batch_size);
  auto [tokens, mask, pooled] = encode_rows(encoder, sub_ids.reshape({C * N, L}), batch_size);
  bank.sub_tokens = tokens.view({C, N, tokens.size(1), tokens.size(2)});
  bank.sub_mask = mask.view({C, N, mask.size(1)});
  bank.sub_embed = pooled.view({C, N, pooled.size(1)});
  return bank;
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
  s << "tokenizer " << cfg::enum_name(tokenizer.kind, tokenizer_kind_names()) << '\n'
    << tokenizer.vocab << '\n' << tokenizer.merges << '\n' << context_length << '\n';
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
      verify_zip_records(path);  // a flipped byte would otherwise load as changed embeddings
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
    } catch (const Error& e) {
      SFAR_LOG_WARN("rebuilding the text bank cache: {}", e.what());
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
