#include "sfar/method/storyboard_branches.h"

#include <cmath>

namespace F = torch::nn::functional;

namespace sfar::method {
namespace {

torch::Tensor unit(const torch::Tensor& x) {
  return F::normalize(x, F::NormalizeFuncOptions().dim(-1).eps(1e-6));
}

}  // namespace

torch::Tensor aggregate_frames(const torch::Tensor& weights, const torch::Tensor& frames) {
  return torch::einsum("bct,btd->bcd", {weights, frames});
}

CoarseBranchImpl::CoarseBranchImpl(std::int64_t dim, double tau, bool residual)
    : tau_(tau), residual_(residual) {
  auto linear = [&](const char* name) {
    return register_module(name, torch::nn::Linear(torch::nn::LinearOptions(dim, dim).bias(false)));
  };
  w_q = linear("w_q");
  w_k = linear("w_k");
  w_v = linear("w_v");
}

torch::Tensor CoarseBranchImpl::augment_global(const TextBank& bank) {
  const auto C = bank.num_classes();
  const auto D = bank.global_tokens.size(2);
  const auto keys_in = bank.sub_tokens.reshape({C, -1, D});  // [C, N*Ls, D]: all sub-text tokens
  const auto key_mask = bank.sub_mask.reshape({C, 1, -1});   // [C, 1, N*Ls]
  auto q = w_q->forward(bank.global_tokens);                 // [C, Lg, D]
  auto k = w_k->forward(keys_in);
  auto v = w_v->forward(keys_in);
  auto scores = torch::matmul(q, k.transpose(1, 2)) / std::sqrt(static_cast<double>(D));
  scores = scores.masked_fill(key_mask.logical_not(), -std::numeric_limits<float>::infinity());
  auto attended = torch::matmul(torch::softmax(scores, -1), v);  // [C, Lg, D]
  return residual_ ? bank.global_tokens + attended : attended;
}

BranchOutput CoarseBranchImpl::forward(const torch::Tensor& frames, const TextBank& bank) {
  const auto words = unit(augment_global(bank));                                // [C, Lg, D]
  const auto sim = torch::einsum("cwd,btd->bcwt", {words, unit(frames)}) / tau_;  // [B, C, Lg, T]
  const auto per_word = torch::softmax(sim, -1);
  const auto mask = bank.global_mask.to(per_word.dtype()).unsqueeze(0).unsqueeze(-1);  // [1, C, Lg, 1]
  const auto weights = (per_word * mask).sum(2) / mask.sum(2);                  // mean over real words
  return {weights, aggregate_frames(weights, frames), {}};
}

BranchOutput fine_branch(const torch::Tensor& frames, const TextBank& bank, double tau) {
  const auto words = unit(bank.sub_tokens);                                      // [C, N, Ls, D]
  const auto sim = torch::einsum("cnsd,btd->bcnst", {words, unit(frames)});       // [B, C, N, Ls, T]
  const auto mask = bank.sub_mask.to(sim.dtype()).unsqueeze(0).unsqueeze(-1);    // [1, C, N, Ls, 1]
  const auto affinity = (sim * mask).sum(3) / mask.sum(3);                       // m: [B, C, N, T]
  const auto [best, subtext] = affinity.max(2);                                  // [B, C, T] each
  const auto weights = torch::softmax(best / tau, -1);
  return {weights, aggregate_frames(weights, frames), subtext};
}

}  // namespace sfar::method
