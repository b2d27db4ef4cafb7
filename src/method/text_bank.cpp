#include "sfar/method/text_bank.h"

#include "sfar/core/error.h"

namespace sfar::method {

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

}  // namespace sfar::method
