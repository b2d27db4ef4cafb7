// `sfar bench train --config C [--set k=v] [--steps N] [--warmup W] [--batch B] [--micro-batch M]
//  [--frames T] [--json]`:
// training speed of the model a run config describes (CLIP arch or weights, head, loss, AdamW
// recipe) on synthetic inputs: random CLIP-normalised clips and labels, and a random text bank
// in place of encoded class texts (the text tower is built and held, frozen, as in `sfar train`,
// but never run). Each step is the Trainer's full step, as `sfar train` runs it: forward, loss,
// backward, gradient clipping and the AdamW step over the parameter groups. With --micro-batch
// M < B the step accumulates B / M micro-batches, and loss.scope decides the loss: global (a
// gradient cache: the backbone twice per micro-batch, the head and loss once on all B) or
// micro_batch (one loss per micro-batch).
//
// Also measured: the matrix-product peak of this machine on the same threads (best of five
// n x n products, in fp32 or, for train.precision bf16/fp16, in that type), the analytic
// FLOPs of one step and the share of that peak the step reaches; and the head's share of a step:
// the head (SFAR's class-conditioned scoring of every class), class logits and loss, forward and
// backward, timed on cached frame embeddings. FLOPs count the vision tower's matrix products
// only, as `sfar info --flops` does (method/model_cost.h): a training step is 3x the forward
// pass (backward ~ 2x), except the patch embedding, 2x. Head, loss, normalisation, activations
// and the optimizer are left out (a few percent at ViT-B sizes).
//
// --width/--layers/--resolution/--patch/--embed-dim/--text-width/--text-layers reshape the
// config's architecture (random weights only), e.g. for a small model where per-op overhead
// rather than arithmetic dominates.
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <iostream>

#include "../command.h"
#include "sfar/core/error.h"
#include "sfar/core/runtime.h"
#include "sfar/core/torch_compat.h"
#include "sfar/engine/gradient_cache.h"
#include "sfar/engine/runtime_setup.h"
#include "sfar/engine/trainer.h"
#include "sfar/method/alignment_loss.h"
#include "sfar/method/model_cost.h"
#include "sfar/method/sfar_model.h"
#include "sfar/models/clip_loader.h"
#include "sfar/models/clip_transformer.h"
#include "sfar/recipes/sfar_run_config.h"

// CUDA memory statistics where LibTorch was built with CUDA (Debian's CPU build ships the
// c10/cuda headers without the CUDA runtime, and without the generated cuda_cmake_macros.h
// they include: a CUDA toolkit installed beside that build must not switch this on).
#if __has_include(<c10/cuda/CUDACachingAllocator.h>) && __has_include(<cuda_runtime_api.h>) && \
    __has_include(<c10/cuda/impl/cuda_cmake_macros.h>)
#include <c10/cuda/CUDACachingAllocator.h>
#define SFAR_BENCH_CUDA_STATS 1
#endif

namespace sfar::cli {
namespace {

struct BenchTrainOptions {
  std::vector<std::string> configs, overrides;
  std::int64_t steps = 5, warmup = 2, batch = 0, micro_batch = 0, frames = 0, classes = 32, threads = -1;
  std::int64_t matmul_size = 2048;
  // Architecture reshaping; 0 = as the config says.
  std::int64_t width = 0, layers = 0, resolution = 0, patch = 0, embed_dim = 0, text_width = 0, text_layers = 0;
  bool json = false;
  AttentionKernel attention = AttentionKernel::kFused;
};

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

void synchronize(const torch::Device& device) {
  if (device.is_cuda()) torch::cuda::synchronize();
}

// Best GFLOP/s of five n x n products of `dtype`, after one warm-up product.
double matmul_peak_gflops(std::int64_t n, const torch::Device& device, torch::ScalarType dtype) {
  torch::NoGradGuard no_grad;
  const auto options = torch::TensorOptions().device(device).dtype(dtype);
  const auto a = torch::randn({n, n}, options);
  const auto b = torch::randn({n, n}, options);
  auto c = torch::mm(a, b);
  synchronize(device);
  double best = 1e300;
  for (int i = 0; i < 5; ++i) {
    const auto start = Clock::now();
    torch::mm_out(c, a, b);
    synchronize(device);
    best = std::min(best, seconds_since(start));
  }
  return 2.0 * static_cast<double>(n) * static_cast<double>(n) * static_cast<double>(n) / best / 1e9;
}

// Matrix-product FLOPs of one training step of the vision tower over `images` images: the
// forward pass's multiply-adds (method/model_cost.h) x 2 FLOPs x 3 (backward ~ 2x), except the
// patch embedding's x 2 (no gradient is needed for the input images).
double vision_train_step_flops(const models::ClipConfig& c, std::int64_t images) {
  double macs = 0;
  for (const auto& part : method::image_tower_macs(c)) macs += part.macs * (part.name == "patch embedding" ? 2.0 : 3.0);
  return 2.0 * static_cast<double>(images) * macs;
}

models::ClipConfig reshaped(models::ClipConfig c, const BenchTrainOptions& o) {
  auto set = [](std::int64_t& field, std::int64_t value) {
    if (value > 0) field = value;
  };
  set(c.vision_width, o.width);
  set(c.vision_layers, o.layers);
  set(c.image_resolution, o.resolution);
  set(c.vision_patch_size, o.patch);
  set(c.embed_dim, o.embed_dim);
  set(c.transformer_width, o.text_width);
  set(c.transformer_layers, o.text_layers);
  if (o.text_width > 0) c.transformer_heads = std::max<std::int64_t>(1, o.text_width / 64);
  models::validate_clip_config(c);
  return c;
}

bool reshapes(const BenchTrainOptions& o) {
  return o.width || o.layers || o.resolution || o.patch || o.embed_dim || o.text_width || o.text_layers;
}

// A random text bank of C classes (N sub-texts of Ls tokens for the heads that read them), in
// place of encoded class texts: the text tower is frozen, so its output does not change the step.
method::TextBank random_bank(std::int64_t classes, std::int64_t subtexts, std::int64_t dim,
                             const torch::Device& device) {
  const std::int64_t Lg = 12, Ls = 16;
  const auto f = torch::TensorOptions().device(device);
  method::TextBank bank;
  bank.global_tokens = torch::randn({classes, Lg, dim}, f);
  bank.global_mask = torch::ones({classes, Lg}, f.dtype(torch::kBool));
  bank.global_embed = torch::randn({classes, dim}, f);
  bank.sub_tokens = torch::randn({classes, subtexts, Ls, dim}, f);
  bank.sub_mask = torch::ones({classes, subtexts, Ls}, f.dtype(torch::kBool));
  bank.sub_embed = torch::randn({classes, subtexts, dim}, f);
  return bank;
}

// The same clips and labels every step: the loader is not what is measured here.
class SyntheticTask : public engine::TrainTask {
 public:
  SyntheticTask(method::SfarModel model, method::TextBank bank, torch::Tensor clips, torch::Tensor labels,
                recipes::LossConfig loss, std::int64_t steps, std::int64_t micro)
      : model_(std::move(model)), bank_(std::move(bank)), clips_(std::move(clips)), labels_(std::move(labels)),
        loss_(std::move(loss)), steps_(steps), micro_(micro) {}

  std::int64_t steps_per_epoch() override { return steps_; }
  torch::Tensor loss(const engine::StepContext& ctx) override {
    const auto part = [&](const torch::Tensor& t) { return t.narrow(0, ctx.micro_index * micro_, micro_); };
    return loss_of(model_->forward(part(clips_), bank_).logits, part(labels_));
  }
  // loss.scope global over several micro-batches: a gradient cache, the head and loss on all B.
  bool whole_step() override { return loss_.scope == recipes::LossScope::kGlobal && micro_ < clips_.size(0); }
  torch::Tensor step_loss(const engine::StepContext&, const engine::StepPasses& passes) override {
    const auto frames = cache_.embed(clips_.size(0) / micro_, encode(), passes, clips_.device());
    return passes.autocast([&] { return head_loss(frames); });
  }
  void finish_backward(const engine::StepContext&, const engine::StepPasses& passes) override {
    cache_.backward(encode(), passes);
  }
  // The loss from frame embeddings [B, T, E] on: the head, the class logits and the loss.
  torch::Tensor head_loss(const torch::Tensor& frames) {
    const auto out = model_->head->forward(frames, bank_);
    return loss_of(method::class_logits(out.video, bank_.global_embed, model_->clip->logit_scale), labels_);
  }

 private:
  torch::Tensor loss_of(const torch::Tensor& logits, const torch::Tensor& labels) const {
    if (loss_.type == recipes::LossType::kCe) return method::class_cross_entropy(logits, labels);
    return method::info_nce_loss(logits, labels, loss_.lambda).total;
  }
  engine::GradientCache::Encode encode() {
    return [this](std::int64_t i) { return model_->encode_frames(clips_.narrow(0, i * micro_, micro_)); };
  }

  method::SfarModel model_;
  method::TextBank bank_;
  torch::Tensor clips_, labels_;
  recipes::LossConfig loss_;
  std::int64_t steps_, micro_;
  engine::GradientCache cache_{nullptr};
};

// Median time of the part of a step after the vision tower: the head (for SFAR, its
// class-conditioned scoring of every class), the class logits, the loss and their backward, on
// frame embeddings computed once. Compared with a whole step's time, it is the head's share.
double head_step_seconds(method::SfarModel& model, SyntheticTask& task, const torch::Tensor& clips,
                         std::int64_t steps, const torch::Device& device) {
  const auto B = clips.size(0), T = clips.size(1);
  torch::Tensor frames;
  {
    torch::NoGradGuard no_grad;
    frames = model->clip->encode_image(clips.reshape({B * T, 3, clips.size(3), clips.size(4)})).view({B, T, -1});
  }
  std::vector<double> times;
  for (std::int64_t i = 0; i < steps + 1; ++i) {  // the first one warms up
    const auto cached = frames.detach().requires_grad_(true);
    synchronize(device);
    const auto t = Clock::now();
    task.head_loss(cached).backward();
    synchronize(device);
    if (i > 0) times.push_back(seconds_since(t));
  }
  model->zero_grad();
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}

void check_positive(const std::string& flag, std::int64_t value, std::int64_t minimum = 1) {
  if (value < minimum) throw ArgumentError(flag, "must be at least " + std::to_string(minimum), std::to_string(value));
}

int run_bench_train(const BenchTrainOptions& o) {
  check_positive("--steps", o.steps);
  check_positive("--warmup", o.warmup, 0);
  check_positive("--batch", o.batch, 0);
  check_positive("--micro-batch", o.micro_batch, 0);
  check_positive("--frames", o.frames, 0);
  check_positive("--classes", o.classes, 2);
  check_positive("--matmul-size", o.matmul_size, 0);
  auto config = recipes::load_sfar_run_config(o.configs, o.overrides);
  models::set_attention_kernel(o.attention);
  RunConfig runtime = config.run;
  if (o.threads >= 0) runtime.threads = o.threads;
  const torch::Device device(engine::apply_runtime(runtime));  // threads, seed, device
  const double rss_start_mb = peak_rss_mb();
  const std::int64_t B = o.batch > 0 ? o.batch : config.train.micro_batch_size();
  const std::int64_t T = o.frames > 0 ? o.frames : config.data.num_frames;
  const std::int64_t M = o.micro_batch > 0 ? o.micro_batch : B;
  if (B % M != 0) throw ArgumentError("--micro-batch", "must divide the batch " + std::to_string(B), std::to_string(M));

  models::ClipModel clip{nullptr};
  if (!config.model.weights.empty()) {
    if (reshapes(o)) throw ArgumentError("--width/--layers/...", "reshape random weights only: model.weights is set");
    clip = models::load_clip(config.model.weights, {config.model.activation, "model.activation"});
  } else {
    if (config.model.arch == "auto") throw ConfigError("model.arch", "'auto' needs model.weights");
    auto arch = reshaped(models::clip_preset(config.model.arch), o);
    if (const auto stated = models::stated_activation(config.model.activation)) arch.activation = *stated;
    clip = models::ClipModel(arch);
  }
  const models::ClipConfig arch = clip->config();
  clip->visual->transformer->set_grad_checkpointing(config.model.grad_checkpointing);
  method::SfarModel model(clip, config.head, config.loss.learn_logit_scale);
  model->to(device);

  const auto r = arch.image_resolution;
  const auto clips = torch::randn({B, T, 3, r, r}, torch::TensorOptions().device(device));
  const auto labels = torch::randint(o.classes, {B}, torch::TensorOptions().dtype(torch::kInt64).device(device));
  auto bank = random_bank(o.classes, config.descriptions.num_subtexts, arch.embed_dim, device);
  SyntheticTask task(model, std::move(bank), clips, labels, config.loss, o.warmup + o.steps, M);

  engine::TrainerSetup setup;
  setup.options = config.train;
  setup.options.batch_size = B;
  setup.options.micro_batch = M;
  setup.options.epochs = 1;
  setup.options.warmup_epochs = 0;
  setup.options.log_interval = o.warmup + o.steps + 1;  // no metric lines inside the timing
  setup.device = device.str();
  setup.seed = static_cast<std::uint64_t>(config.run.seed);
  engine::Trainer trainer(model.ptr(), task, setup);

#ifdef SFAR_BENCH_CUDA_STATS
  if (device.is_cuda()) c10::cuda::CUDACachingAllocator::resetPeakStats(device.index() < 0 ? 0 : device.index());
#endif
  for (std::int64_t i = 0; i < o.warmup; ++i) trainer.train_step();
  synchronize(device);
  std::vector<double> step_s;
  const auto start = Clock::now();
  for (std::int64_t i = 0; i < o.steps; ++i) {
    const auto t = Clock::now();
    trainer.train_step();
    synchronize(device);
    step_s.push_back(seconds_since(t));
  }
  const double total_s = seconds_since(start);
  const double head_s = head_step_seconds(model, task, clips, o.steps, device);
  double peak_mb = peak_rss_mb();
  std::string memory_kind = "peak_rss";
#ifdef SFAR_BENCH_CUDA_STATS
  if (device.is_cuda()) {
    const auto stats = c10::cuda::CUDACachingAllocator::getDeviceStats(device.index() < 0 ? 0 : device.index());
    peak_mb = static_cast<double>(stats.allocated_bytes[0].peak) / (1024.0 * 1024.0);
    memory_kind = "cuda_max_allocated";
  }
#endif
  std::sort(step_s.begin(), step_s.end());
  const double median_s = step_s[step_s.size() / 2];
  const double steps_per_s = static_cast<double>(o.steps) / total_s;
  const double flops = vision_train_step_flops(arch, B * T);
  // The peak in the type the step's products run in under autocast.
  const auto peak_dtype = engine::compute_dtype(config.train.precision);
  const double peak_gflops = o.matmul_size > 0 ? matmul_peak_gflops(o.matmul_size, device, peak_dtype) : 0.0;
  const double achieved_gflops = flops / median_s / 1e9;

  nlohmann::json line = {{"command", "bench train"},
                         {"implementation", "sfar"},
                         {"torch", compat::torch_version()},
                         {"device", device.str()},
                         {"threads", torch::get_num_threads()},
                         {"arch", {{"vision_width", arch.vision_width}, {"vision_layers", arch.vision_layers},
                                   {"image_resolution", r}, {"patch_size", arch.vision_patch_size},
                                   {"embed_dim", arch.embed_dim}, {"text_width", arch.transformer_width},
                                   {"text_layers", arch.transformer_layers}}},
                         {"head", method::to_string(config.head.type)},
                         {"loss", recipes::to_string(config.loss.type)},
                         {"precision", engine::to_string(config.train.precision)},
                         {"attention", cfg::enum_name(o.attention, attention_kernel_names())},
                         {"grad_checkpointing", config.model.grad_checkpointing},
                         {"optimizer", {{"lr", config.train.lr}, {"backbone_lr_ratio", config.train.backbone_lr_ratio},
                                        {"logit_scale_lr_ratio", config.train.logit_scale_lr_ratio},
                                        {"weight_decay", config.train.weight_decay}, {"betas", config.train.betas},
                                        {"eps", config.train.eps}, {"grad_clip", config.train.grad_clip}}},
                         {"loss_lambda", config.loss.lambda},
                         {"batch", B},
                         {"micro_batch", M},
                         {"loss_scope", recipes::loss_scope_name(config.loss.scope)},
                         {"frames", T},
                         {"classes", o.classes},
                         {"trainable_parameters", method::count_parameters(*model).back().second.trainable},
                         {"param_groups", trainer.optimizer().param_groups().size()},
                         {"warmup", o.warmup},
                         {"steps", o.steps},
                         {"last_loss", trainer.last_loss()},
                         {"steps_per_s", steps_per_s},
                         {"median_step_s", median_s},
                         {"min_step_s", step_s.front()},
                         {"videos_per_s", static_cast<double>(B) / median_s},
                         {"head_step_s", head_s},
                         {"head_share", head_s / median_s},
                         {"memory_kind", memory_kind},
                         {"peak_memory_mb", peak_mb},
                         {"rss_at_start_mb", rss_start_mb},
                         {"step_gflop", flops / 1e9},
                         {"step_gflops_per_s", achieved_gflops},
                         {"matmul_size", o.matmul_size},
                         {"matmul_peak_gflops", peak_gflops},
                         {"peak_share", peak_gflops > 0 ? achieved_gflops / peak_gflops : 0.0}};
  if (o.json) {
    print_json_line(line);
    return 0;
  }
  std::cout << "sfar bench train: " << method::to_string(config.head.type) << " head, ViT width " << arch.vision_width << " x "
            << arch.vision_layers << " layers, " << r << " px, batch " << B << " (micro-batches of " << M << ", "
            << recipes::loss_scope_name(config.loss.scope) << " loss) x " << T << " frames, "
            << torch::get_num_threads() << " threads on " << device.str() << "\n"
            << "  " << steps_per_s << " steps/s (median step " << median_s * 1e3 << " ms, "
            << static_cast<double>(B) / median_s << " videos/s), loss " << trainer.last_loss() << "\n"
            << "  head (" << o.classes << " classes) + logits + loss, forward and backward: " << head_s * 1e3
            << " ms = " << 100.0 * head_s / median_s << " % of a step\n"
            << "  peak memory " << peak_mb << " MiB (" << memory_kind << "; " << rss_start_mb << " at start)\n"
            << "  " << flops / 1e9 << " GFLOP per step = " << achieved_gflops << " GFLOP/s; matmul peak "
            << peak_gflops << " GFLOP/s; share " << (peak_gflops > 0 ? achieved_gflops / peak_gflops : 0.0)
            << "\n";
  return 0;
}

}  // namespace

void add_bench_train_command(CLI::App& app, CommandContext& context) {
  CLI::App* bench = bench_group(app);
  auto o = std::make_shared<BenchTrainOptions>();
  auto* cmd = bench->add_subcommand("train", "Training steps/s, peak memory and FLOP share, synthetic inputs");
  cmd->add_option("--config,-c", o->configs, "Run config file(s)")->required();
  cmd->add_option("--set", o->overrides, "Config override key=value (repeatable)");
  cmd->add_option("--steps", o->steps, "Timed training steps")->capture_default_str();
  cmd->add_option("--warmup", o->warmup, "Untimed steps first")->capture_default_str();
  cmd->add_option("--batch", o->batch, "Videos per step; 0 = train.micro_batch (or batch_size)")->capture_default_str();
  cmd->add_option("--micro-batch", o->micro_batch, "Videos per forward pass; 0 = the whole batch")
      ->capture_default_str();
  cmd->add_option("--frames", o->frames, "Frames per video; 0 = data.num_frames")->capture_default_str();
  cmd->add_option("--classes", o->classes, "Classes in the random text bank")->capture_default_str();
  cmd->add_option("--threads", o->threads, "LibTorch threads; -1 = run.threads")->capture_default_str();
  cmd->add_option("--matmul-size", o->matmul_size, "n of the n x n peak product; 0 = skip")->capture_default_str();
  cmd->add_option("--width", o->width, "Vision width (random weights)");
  cmd->add_option("--layers", o->layers, "Vision layers (random weights)");
  cmd->add_option("--resolution", o->resolution, "Input resolution (random weights)");
  cmd->add_option("--patch", o->patch, "Patch size (random weights)");
  cmd->add_option("--embed-dim", o->embed_dim, "Joint embedding size (random weights)");
  cmd->add_option("--text-width", o->text_width, "Text tower width (random weights)");
  cmd->add_option("--text-layers", o->text_layers, "Text tower layers (random weights)");
  cmd->add_flag("--json", o->json, "One JSON line instead of text");
  add_enum_option(cmd, "--attention", o->attention, attention_kernel_names(),
                  "fused (LibTorch's scaled_dot_product_attention) or math (matmul + softmax written out)");
  context.on_run(cmd, [o] { return run_bench_train(*o); });
}

}  // namespace sfar::cli
