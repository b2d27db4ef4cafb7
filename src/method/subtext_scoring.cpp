#include "sfar/method/subtext_scoring.h"

#include <algorithm>
#include <chrono>

#include "sfar/core/error.h"
#include "sfar/method/tpp.h"

namespace sfar::method {
namespace {

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

describe::SubtextScores to_subtext_scores(const TppScore& score) { return {score.sigma, score.delta, score.tpp}; }

}  // namespace

torch::Tensor TextEmbeddings::of(const std::string& text) const {
  const auto it = row.find(text);
  if (it == row.end()) throw ArgumentError("text embeddings", "text was not encoded", text);
  return table[it->second];
}

torch::Tensor encode_texts(models::ClipTextEncoderImpl& encoder, const text::Tokenizer& tokenizer,
                           const std::vector<std::string>& texts, std::int64_t batch_size,
                           const std::function<void(std::int64_t, std::int64_t)>& progress) {
  if (batch_size <= 0) throw ArgumentError("batch size", "must be positive", std::to_string(batch_size));
  if (texts.empty()) throw ArgumentError("encode_texts", "no texts to encode");
  torch::NoGradGuard no_grad;
  const std::int64_t context = encoder.config().context_length;
  const torch::Device device = encoder.text_projection.device();
  const auto total = static_cast<std::int64_t>(texts.size());
  std::vector<torch::Tensor> chunks;
  for (std::int64_t start = 0; start < total; start += batch_size) {
    const std::int64_t end = std::min(total, start + batch_size);
    auto ids = torch::empty({end - start, context}, torch::kInt64);
    auto* out = ids.data_ptr<std::int64_t>();
    std::int64_t longest = 1;
    for (std::int64_t i = start; i < end; ++i) {
      const auto row = tokenizer.tokenize(texts[i], context);
      std::copy(row.begin(), row.end(), out + (i - start) * context);
      const auto last = std::find_if(row.rbegin(), row.rend(), [](std::int64_t id) { return id != 0; });
      longest = std::max<std::int64_t>(longest, row.rend() - last);
    }
    // The text tower is causal and pools at the end token, so the zero padding after the
    // batch's longest text cannot change the result: cut it (texts are ~15 of 77 tokens).
    chunks.push_back(encoder.encode_text(ids.narrow(1, 0, longest).to(device)).to(torch::kCPU, torch::kFloat32));
    if (progress) progress(end, total);
  }
  return torch::cat(chunks);
}

std::optional<std::size_t> score_and_select(describe::DescriptionCache& cache, const TextEmbeddings& embeddings,
                                            SelectionMode mode, const std::string& encoder_name,
                                            const std::string& source) {
  check_selectable(cache, mode, source);
  std::vector<std::vector<TppScore>> scores(cache.classes.size());
  for (std::size_t i = 0; i < cache.classes.size(); ++i) {
    describe::ClassDescriptions& c = cache.classes[i];
    const torch::Tensor global = embeddings.of(c.global_text);
    for (auto& set : c.candidates) {
      std::vector<torch::Tensor> rows;
      for (const auto& sentence : set.sentences) rows.push_back(embeddings.of(sentence));
      scores[i].push_back(text_prompt_perplexity(global, torch::stack(rows)));
      set.scores = to_subtext_scores(scores[i].back());
    }
  }
  std::optional<std::size_t> dataset_set;
  std::vector<std::size_t> chosen;
  if (mode == SelectionMode::dataset) {
    dataset_set = select_for_dataset(scores);
    chosen.assign(cache.classes.size(), *dataset_set);
  } else {
    chosen = select_per_class(scores);
  }
  double sum = 0;
  for (std::size_t i = 0; i < cache.classes.size(); ++i) {
    cache.classes[i].selected = chosen[i];
    cache.classes[i].tpp = scores[i][chosen[i]].tpp;
    sum += scores[i][chosen[i]].tpp;
  }
  cache.selection = describe::DescriptionSelection{to_string(mode), encoder_name, describe::utc_timestamp(),
                                                   sum / static_cast<double>(cache.classes.size()),
                                                   cache.global_template};
  return dataset_set;
}

SubtextSelectionStats select_subtexts(describe::DescriptionCache& cache, const std::string& source,
                                      models::ClipTextEncoderImpl& encoder, const text::Tokenizer& tokenizer,
                                      const SubtextSelectionOptions& options) {
  check_selectable(cache, options.mode, source);  // fail before the (slow) encoding
  SubtextSelectionStats stats;
  const std::vector<std::string> texts = distinct_cache_texts(cache);
  stats.texts_total = count_cache_texts(cache);
  stats.texts_encoded = texts.size();

  auto start = std::chrono::steady_clock::now();
  TextEmbeddings embeddings;
  embeddings.table = encode_texts(encoder, tokenizer, texts, options.batch_size, options.progress);
  for (std::size_t i = 0; i < texts.size(); ++i) embeddings.row.emplace(texts[i], static_cast<std::int64_t>(i));
  stats.encode_seconds = seconds_since(start);

  start = std::chrono::steady_clock::now();
  stats.dataset_set = score_and_select(cache, embeddings, options.mode, options.encoder_name, source);
  stats.score_seconds = seconds_since(start);
  stats.dataset_tpp = cache.selection->dataset_tpp;
  return stats;
}

}  // namespace sfar::method
