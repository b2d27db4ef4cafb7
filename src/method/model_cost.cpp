#include "sfar/method/model_cost.h"

#include <numeric>

namespace sfar::method {
namespace {

double sum_of(const std::vector<CostPart>& parts) {
  return std::accumulate(parts.begin(), parts.end(), 0.0,
                         [](double s, const CostPart& p) { return s + p.macs; });
}

double d(std::int64_t x) { return static_cast<double>(x); }

}  // namespace

double ModelCost::per_view_macs() const { return sum_of(per_view); }
double ModelCost::per_texts_macs() const { return sum_of(per_texts); }

double transformer_macs(std::int64_t width, std::int64_t layers, std::int64_t tokens) {
  const double L = d(tokens), W = d(width);
  return d(layers) * (12.0 * L * W * W + 2.0 * L * L * W);
}

std::vector<CostPart> image_tower_macs(const models::ClipConfig& c) {
  const double g2 = d(c.grid_size() * c.grid_size());
  const double L = g2 + 1, W = d(c.vision_width), layers = d(c.vision_layers);
  return {
      {"patch embedding", g2 * 3.0 * d(c.vision_patch_size * c.vision_patch_size) * W},
      {"attention q/k/v/out projections", layers * 4.0 * L * W * W},
      {"attention scores and values", layers * 2.0 * L * L * W},
      {"MLP", layers * 8.0 * L * W * W},
      {"projection", W * d(c.embed_dim)},
  };
}

ModelCost sfar_view_cost(const models::ClipConfig& config, const HeadOptions& head, const ViewShape& s) {
  ModelCost cost;
  for (auto part : image_tower_macs(config)) {
    part.name = "image tower: " + part.name;
    part.macs *= d(s.frames);
    cost.per_view.push_back(part);
  }
  const double T = d(s.frames), C = d(s.classes), E = d(config.embed_dim);
  const double Lg = d(s.global_tokens), Ls = d(s.sub_tokens), N = d(s.subtexts);
  const bool coarse = head.entry().coarse, fine = head.entry().fine;  // the parts the model builds
  if (head.runs_temporal()) {
    cost.per_view.push_back({"temporal transformer", transformer_macs(config.embed_dim, head.temporal_layers,
                                                                      s.frames)});
  }
  if (coarse) cost.per_view.push_back({"head: coarse branch + FFN", C * Lg * T * E + C * T * E + 2.0 * C * E * E});
  if (fine) cost.per_view.push_back({"head: fine branch + FFN", C * N * Ls * T * E + C * T * E + 2.0 * C * E * E});
  if (head.fuses_concat()) cost.per_view.push_back({"head: concat fusion", 2.0 * C * E * E});
  cost.per_view.push_back({"class logits", C * E});

  const double texts = fine || coarse ? C * (1.0 + N) : C;
  const double Lt = d(config.context_length), Wt = d(config.transformer_width);
  cost.per_texts.push_back({"text tower",
                            texts * (transformer_macs(config.transformer_width, config.transformer_layers,
                                                      config.context_length) +
                                     Lt * Wt * E)});
  if (coarse) {
    cost.per_texts.push_back({"coarse branch: text-side attention",
                              C * (Lg * E * E + 2.0 * N * Ls * E * E + 2.0 * Lg * N * Ls * E)});
  }
  return cost;
}

}  // namespace sfar::method
