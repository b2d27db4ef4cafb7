#include "sfar/data/clip_transforms.h"

#include <array>

#include <algorithm>
#include <cmath>
#include <map>

#include "sfar/core/error.h"

namespace F = torch::nn::functional;

namespace sfar::data {
namespace {

using torch::indexing::Slice;

double uniform(std::mt19937_64& rng, double lo, double hi) {
  return std::uniform_real_distribution<double>(lo, hi)(rng);
}

bool coin(std::mt19937_64& rng, double p) { return uniform(rng, 0.0, 1.0) < p; }

// Resizes every frame of every view to exactly (h, w).
torch::Tensor resize(const torch::Tensor& clip, std::int64_t h, std::int64_t w) {
  const auto s = clip.sizes();
  if (s[3] == h && s[4] == w) return clip;
  auto frames = clip.reshape({s[0] * s[1], s[2], s[3], s[4]});
  const bool shrink = h < s[3] || w < s[4];
  frames = F::interpolate(frames, F::InterpolateFuncOptions()
                                      .size(std::vector<std::int64_t>{h, w})
                                      .mode(torch::kBilinear)
                                      .align_corners(false)
                                      .antialias(shrink));
  return frames.clamp(0, 1).reshape({s[0], s[1], s[2], h, w});
}

torch::Tensor crop(const torch::Tensor& clip, std::int64_t top, std::int64_t left, std::int64_t h,
                   std::int64_t w) {
  return clip.index({Slice(), Slice(), Slice(), Slice(top, top + h), Slice(left, left + w)});
}

void require_size(const TransformSpec& spec, const torch::Tensor& clip) {
  if (clip.size(3) < spec.size || clip.size(4) < spec.size) {
    throw ArgumentError(entry_of(clip_transforms(), spec.type).name,
                        "frame of " + std::to_string(clip.size(4)) + "x" + std::to_string(clip.size(3)) +
                            " is smaller than the crop",
                        std::to_string(spec.size));
  }
}

ClipTransform resize_short(const TransformSpec& spec) {
  return [size = spec.size](ClipSample& s, std::mt19937_64&) {
    const auto h = s.clip.size(3), w = s.clip.size(4);
    const double k = static_cast<double>(size) / static_cast<double>(std::min(h, w));
    s.clip = resize(s.clip, std::max<std::int64_t>(1, std::lround(h * k)),
                    std::max<std::int64_t>(1, std::lround(w * k)));
  };
}

ClipTransform center_crop(const TransformSpec& spec) {
  return [spec](ClipSample& s, std::mt19937_64&) {
    require_size(spec, s.clip);
    const auto top = (s.clip.size(3) - spec.size) / 2, left = (s.clip.size(4) - spec.size) / 2;
    s.clip = crop(s.clip, top, left, spec.size, spec.size);
  };
}

// torchvision's RandomResizedCrop: area fraction and aspect ratio (log-uniform) drawn up to
// ten times; if no draw fits, a centre crop at the nearest allowed ratio.
ClipTransform random_resized_crop(const TransformSpec& spec) {
  if (spec.scale.size() != 2 || spec.ratio.size() != 2 || spec.scale[0] > spec.scale[1] ||
      spec.ratio[0] > spec.ratio[1]) {
    throw ArgumentError("random_resized_crop", "scale and ratio must be [low, high] pairs");
  }
  return [spec](ClipSample& s, std::mt19937_64& rng) {
    const double H = s.clip.size(3), W = s.clip.size(4);
    for (int attempt = 0; attempt < 10; ++attempt) {
      const double area = H * W * uniform(rng, spec.scale[0], spec.scale[1]);
      const double ratio = std::exp(uniform(rng, std::log(spec.ratio[0]), std::log(spec.ratio[1])));
      const auto w = static_cast<std::int64_t>(std::lround(std::sqrt(area * ratio)));
      const auto h = static_cast<std::int64_t>(std::lround(std::sqrt(area / ratio)));
      if (w > 0 && h > 0 && w <= W && h <= H) {
        const auto top = std::uniform_int_distribution<std::int64_t>(0, static_cast<std::int64_t>(H) - h)(rng);
        const auto left = std::uniform_int_distribution<std::int64_t>(0, static_cast<std::int64_t>(W) - w)(rng);
        s.clip = resize(crop(s.clip, top, left, h, w), spec.size, spec.size);
        return;
      }
    }
    const double in_ratio = W / H;
    std::int64_t w = static_cast<std::int64_t>(W), h = static_cast<std::int64_t>(H);
    if (in_ratio < spec.ratio[0]) {
      h = std::lround(W / spec.ratio[0]);
    } else if (in_ratio > spec.ratio[1]) {
      w = std::lround(H * spec.ratio[1]);
    }
    s.clip = resize(crop(s.clip, (static_cast<std::int64_t>(H) - h) / 2,
                         (static_cast<std::int64_t>(W) - w) / 2, h, w),
                    spec.size, spec.size);
  };
}

// TSN's multi-scale crop: crop sides are scales of the short side (width and height scales at
// most one step apart), placed at one of 13 fixed positions, then resized to `size`.
ClipTransform multi_scale_crop(const TransformSpec& spec) {
  return [spec](ClipSample& s, std::mt19937_64& rng) {
    const std::int64_t H = s.clip.size(3), W = s.clip.size(4), base = std::min(H, W);
    std::vector<std::pair<std::int64_t, std::int64_t>> shapes;  // (w, h)
    for (std::size_t i = 0; i < spec.scales.size(); ++i) {
      for (std::size_t j = 0; j < spec.scales.size(); ++j) {
        if (i > j + 1 || j > i + 1) continue;
        shapes.emplace_back(static_cast<std::int64_t>(base * spec.scales[i]),
                            static_cast<std::int64_t>(base * spec.scales[j]));
      }
    }
    const auto [w, h] = shapes[std::uniform_int_distribution<std::size_t>(0, shapes.size() - 1)(rng)];
    const std::int64_t sw = (W - w) / 4, sh = (H - h) / 4;
    static const int kGrid[13][2] = {{0, 0}, {4, 0}, {0, 4}, {4, 4}, {2, 2}, {0, 2}, {4, 2},
                                     {2, 4}, {2, 0}, {1, 1}, {3, 1}, {1, 3}, {3, 3}};
    const auto* pos = kGrid[std::uniform_int_distribution<int>(0, 12)(rng)];
    s.clip = resize(crop(s.clip, pos[1] * sh, pos[0] * sw, h, w), spec.size, spec.size);
  };
}

// Three square crops along the long side (start, centre, end), as views.
ClipTransform three_crop(const TransformSpec& spec) {
  return [spec](ClipSample& s, std::mt19937_64&) {
    require_size(spec, s.clip);
    const std::int64_t H = s.clip.size(3), W = s.clip.size(4), n = spec.size;
    std::vector<torch::Tensor> views;
    for (int k = 0; k < 3; ++k) {
      const std::int64_t top = W >= H ? (H - n) / 2 : k * (H - n) / 2;
      const std::int64_t left = W >= H ? k * (W - n) / 2 : (W - n) / 2;
      views.push_back(crop(s.clip, top, left, n, n));
    }
    s.clip = torch::cat(views, 0);
  };
}

// Four corners and the centre, each also flipped: ten views.
ClipTransform ten_crop(const TransformSpec& spec) {
  return [spec](ClipSample& s, std::mt19937_64&) {
    require_size(spec, s.clip);
    const std::int64_t H = s.clip.size(3), W = s.clip.size(4), n = spec.size;
    const std::int64_t tops[5] = {0, 0, H - n, H - n, (H - n) / 2};
    const std::int64_t lefts[5] = {0, W - n, 0, W - n, (W - n) / 2};
    std::vector<torch::Tensor> views;
    for (int k = 0; k < 5; ++k) views.push_back(crop(s.clip, tops[k], lefts[k], n, n));
    for (int k = 0; k < 5; ++k) views.push_back(views[k].flip({4}));
    s.clip = torch::cat(views, 0);
  };
}

ClipTransform flip(const TransformSpec& spec) {
  if (spec.flip_pairs.size() % 2 != 0) {
    throw ArgumentError("flip.flip_pairs", "expected an even number of class ids (pairs)",
                        std::to_string(spec.flip_pairs.size()));
  }
  std::map<std::int64_t, std::int64_t> swap;
  for (std::size_t i = 0; i < spec.flip_pairs.size(); i += 2) {
    swap[spec.flip_pairs[i]] = spec.flip_pairs[i + 1];
    swap[spec.flip_pairs[i + 1]] = spec.flip_pairs[i];
  }
  const std::vector<std::int64_t> forbidden = spec.flip_forbidden;
  return [swap, forbidden, p = spec.p](ClipSample& s, std::mt19937_64& rng) {
    const bool heads = coin(rng, p);  // drawn always, so later draws don't depend on labels
    for (auto label : s.labels) {
      if (std::find(forbidden.begin(), forbidden.end(), label) != forbidden.end()) return;
    }
    if (!heads) return;
    s.clip = s.clip.flip({4});
    for (auto& label : s.labels) {
      const auto it = swap.find(label);
      if (it != swap.end()) label = it->second;
    }
  };
}

torch::Tensor gray(const torch::Tensor& clip) {
  auto y = clip.select(2, 0) * 0.299 + clip.select(2, 1) * 0.587 + clip.select(2, 2) * 0.114;
  return y.unsqueeze(2);
}

// Rotates hue by `shift` (fraction of a turn) through HSV.
torch::Tensor shift_hue(const torch::Tensor& clip, double shift) {
  const auto r = clip.select(2, 0), g = clip.select(2, 1), b = clip.select(2, 2);
  const auto maxc = std::get<0>(clip.max(2)), minc = std::get<0>(clip.min(2));
  const auto delta = maxc - minc;
  const auto safe = torch::where(delta > 0, delta, torch::ones_like(delta));
  auto h = torch::where(maxc == r, ((g - b) / safe).remainder(6.0),
                        torch::where(maxc == g, (b - r) / safe + 2.0, (r - g) / safe + 4.0));
  h = torch::where(delta > 0, h / 6.0, torch::zeros_like(h));
  h = (h + shift).remainder(1.0);
  const auto v = maxc;
  const auto sat = torch::where(maxc > 0, delta / torch::where(maxc > 0, maxc, torch::ones_like(maxc)),
                                torch::zeros_like(maxc));
  // HSV -> RGB with the k-formula: channel(n) = v - v*s*max(0, min(k, 4-k, 1)), k = (n + 6h) mod 6.
  auto channel = [&](double n) {
    const auto k = (h * 6.0 + n).remainder(6.0);
    return v - v * sat * torch::clamp(torch::min(k, 4.0 - k), 0.0, 1.0);
  };
  return torch::stack({channel(5), channel(3), channel(1)}, 2);
}

ClipTransform color_jitter(const TransformSpec& spec) {
  return [spec](ClipSample& s, std::mt19937_64& rng) {
    if (!coin(rng, spec.p)) return;
    const double fb = uniform(rng, std::max(0.0, 1 - spec.brightness), 1 + spec.brightness);
    const double fc = uniform(rng, std::max(0.0, 1 - spec.contrast), 1 + spec.contrast);
    const double fs = uniform(rng, std::max(0.0, 1 - spec.saturation), 1 + spec.saturation);
    const double fh = uniform(rng, -spec.hue, spec.hue);
    std::vector<int> order = {0, 1, 2, 3};
    std::shuffle(order.begin(), order.end(), rng);
    auto x = s.clip;
    for (int op : order) {
      if (op == 0) x = (x * fb).clamp(0, 1);
      if (op == 1) x = (fc * x + (1 - fc) * gray(x).mean({3, 4}, true)).clamp(0, 1);
      if (op == 2) x = (fs * x + (1 - fs) * gray(x)).clamp(0, 1);
      if (op == 3 && fh != 0) x = shift_hue(x, fh);
    }
    s.clip = x;
  };
}

ClipTransform grayscale(const TransformSpec& spec) {
  return [p = spec.p](ClipSample& s, std::mt19937_64& rng) {
    if (coin(rng, p)) s.clip = gray(s.clip).expand_as(s.clip).contiguous();
  };
}

ClipTransform normalize(const TransformSpec& spec) {
  if (spec.mean.size() != 3 || spec.std.size() != 3) {
    throw ArgumentError("normalize", "mean and std need 3 values (R, G, B)");
  }
  const auto mean = torch::tensor(spec.mean, torch::kFloat32).view({1, 1, 3, 1, 1});
  const auto std = torch::tensor(spec.std, torch::kFloat32).view({1, 1, 3, 1, 1});
  return [mean, std](ClipSample& s, std::mt19937_64&) { s.clip = (s.clip - mean).div_(std); };
}

}  // namespace

const std::vector<TransformEntry>& clip_transforms() {
  using T = TransformType;
  static const std::vector<TransformEntry> kTransforms = {
      {"resize_short", T::kResizeShort, "scale so that the short side is `size`", 0, true, resize_short},
      {"center_crop", T::kCenterCrop, "the centre `size` square", 1, true, center_crop},
      {"random_resized_crop", T::kRandomResizedCrop, "a random area and aspect ratio, scaled to `size`", 1, true,
       random_resized_crop},
      {"multi_scale_crop", T::kMultiScaleCrop, "TSN's crops of `scales` of the short side at 13 places", 1, true,
       multi_scale_crop},
      {"three_crop", T::kThreeCrop, "three `size` squares along the long side (3 views)", 3, true, three_crop},
      {"ten_crop", T::kTenCrop, "corners and centre, and their mirror images (10 views)", 10, true, ten_crop},
      {"flip", T::kFlip, "horizontal flip with probability `p`, swapping `flip_pairs`", 0, false, flip},
      {"color_jitter", T::kColorJitter, "random brightness, contrast, saturation and hue", 0, false, color_jitter},
      {"grayscale", T::kGrayscale, "grey with probability `p`", 0, false, grayscale},
      {"normalize", T::kNormalize, "subtract `mean`, divide by `std` (CLIP's by default)", 0, false, normalize},
  };
  return kTransforms;
}

const TransformEntry& find_clip_transform(const std::string& type, const std::string& where) {
  return find_entry(clip_transforms(), type, "transform", where);
}

ClipTransform make_clip_transform(const TransformSpec& spec) {
  return entry_of(clip_transforms(), spec.type).make(spec);
}

ClipTransform make_clip_pipeline(const std::vector<TransformSpec>& specs) {
  std::vector<ClipTransform> steps;
  for (const auto& spec : specs) steps.push_back(make_clip_transform(spec));
  return [steps](ClipSample& s, std::mt19937_64& rng) {
    for (const auto& step : steps) step(s, rng);
  };
}

torch::Tensor frames_to_clip(const torch::Tensor& frames) {
  if (frames.dim() != 4 || frames.size(3) != 3 || frames.scalar_type() != torch::kUInt8) {
    throw ArgumentError("frames", "expected a [T, H, W, 3] uint8 tensor");
  }
  // One pass from [T, H, W, 3] bytes to [T, 3, H, W] floats: v / 255 from a table holds the very
  // floats that converting and dividing give, without three passes over the frames.
  static const auto kLevels = [] {
    std::array<float, 256> table{};
    for (int v = 0; v < 256; ++v) table[static_cast<std::size_t>(v)] = static_cast<float>(v) / 255.0f;
    return table;
  }();
  const auto src_frames = frames.contiguous();
  const std::int64_t T = frames.size(0), H = frames.size(1), W = frames.size(2), plane = H * W;
  auto out = torch::empty({1, T, 3, H, W}, torch::kFloat32);
  const std::uint8_t* src = src_frames.data_ptr<std::uint8_t>();
  float* dst = out.data_ptr<float>();
  for (std::int64_t t = 0; t < T; ++t) {
    const std::uint8_t* in = src + t * plane * 3;
    float* r = dst + t * 3 * plane;
    float* g = r + plane;
    float* b = g + plane;
    for (std::int64_t i = 0; i < plane; ++i) {
      r[i] = kLevels[in[3 * i]];
      g[i] = kLevels[in[3 * i + 1]];
      b[i] = kLevels[in[3 * i + 2]];
    }
  }
  return out;
}

void flip_rules_from_class_names(const std::vector<std::string>& names, std::vector<std::int64_t>& pairs,
                                 std::vector<std::int64_t>& forbidden) {
  auto lower = [](std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
    return s;
  };
  // Swaps the whole words "left" and "right" ("upright" and "bright" stay as they are).
  auto swap_sides = [](const std::string& s) {
    std::string out;
    std::size_t i = 0;
    auto word_edge = [&](std::size_t pos) { return pos >= s.size() || !std::isalpha(static_cast<unsigned char>(s[pos])); };
    while (i < s.size()) {
      const bool at_start = i == 0 || !std::isalpha(static_cast<unsigned char>(s[i - 1]));
      if (at_start && s.compare(i, 4, "left") == 0 && word_edge(i + 4)) {
        out += "right";
        i += 4;
      } else if (at_start && s.compare(i, 5, "right") == 0 && word_edge(i + 5)) {
        out += "left";
        i += 5;
      } else {
        out += s[i++];
      }
    }
    return out;
  };
  std::map<std::string, std::int64_t> index;
  for (std::size_t i = 0; i < names.size(); ++i) index[lower(names[i])] = static_cast<std::int64_t>(i);
  pairs.clear();
  forbidden.clear();
  for (std::size_t i = 0; i < names.size(); ++i) {
    const std::string name = lower(names[i]);
    const std::string mirrored = swap_sides(name);
    if (mirrored == name) continue;  // no side in the name: flipping keeps the label
    const auto partner = index.find(mirrored);
    if (partner != index.end() && partner->second != static_cast<std::int64_t>(i)) {
      if (partner->second > static_cast<std::int64_t>(i)) {
        pairs.push_back(static_cast<std::int64_t>(i));
        pairs.push_back(partner->second);
      }
    } else {
      forbidden.push_back(static_cast<std::int64_t>(i));
    }
  }
}

}  // namespace sfar::data
