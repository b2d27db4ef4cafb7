#include "sfar/recipes/bench_train.h"

#include <algorithm>
#include <chrono>
#include <sstream>

#include "sfar/core/error.h"
#include "sfar/core/runtime.h"
#include "sfar/core/torch_compat.h"
#include "sfar/engine/runtime_setup.h"
#include "sfar/method/model_cost.h"
#include "sfar/models/clip_loader.h"
#include "sfar/models/clip_transformer.h"
#include "sfar/recipes/run_scaffold.h"

// CUDA memory statistics where LibTorch was built with CUDA (Debian's CPU build ships the
// c10/cuda headers without the CUDA runtime, and without the generated cuda_cmake_macros.h
// they include: a CUDA toolkit installed beside that build must not switch this on).
#if __has_include(<c10/cuda/CUDACachingAllocator.h>) && __has_include(<cuda_runtime_api.h>) && \
    __has_include(<c10/cuda/impl/cuda_cmake_macros.h>)
#include <c10/cuda/CUDACachingAllocator.h>
#define SFAR_BENCH_CUDA_STATS 1
#endif

namespace sfar::recipes {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

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

bool reshapes(const BenchTrainOptions& o) {
  return o.width || o.layers || o.resolution || o.patch || o.embed_dim || o.text_width || o.text_layers;
}

models::ClipConfig reshaped(models::ClipConfig c, const BenchTrainOptions& o) {
  const auto set = [](std::int64_t& field, std::int64_t value) {
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

// The CLIP of model.weights, or of model.arch (reshaped) with random weights.
models::ClipModel bench_clip(const SfarRunConfig& config, const BenchTrainOptions& o) {
  if (!config.model.weights.empty()) {
    if (reshapes(o)) throw ArgumentError("--width/--layers/...", "reshape random weights only: model.weights is set");
    return models::load_clip(config.model.weights, {config.model.activation, "model.activation"});
  }
  if (config.model.arch == "auto") throw ConfigError("model.arch", "'auto' needs model.weights");
  auto arch = reshaped(models::clip_preset(config.model.arch), o);
  if (const auto stated = models::stated_activation(config.model.activation)) arch.activation = *stated;
  return models::ClipModel(arch);
}

void check_at_least(const std::string& flag, std::int64_t value, std::int64_t minimum) {
  if (value < minimum) throw ArgumentError(flag, "must be at least " + std::to_string(minimum), std::to_string(value));
}

void check_options(const BenchTrainOptions& o) {
  check_at_least("--steps", o.steps, 1);
  check_at_least("--warmup", o.warmup, 0);
  check_at_least("--batch", o.batch, 0);
  check_at_least("--micro-batch", o.micro_batch, 0);
  check_at_least("--frames", o.frames, 0);
  check_at_least("--classes", o.classes, 2);
  check_at_least("--matmul-size", o.matmul_size, 0);
}

// Median time of the part of a step after the vision tower (the head, class logits, loss and
// their backward) on frame embeddings computed once: compared with a step, the head's share.
double head_step_seconds(method::SfarModel& model, SyntheticTrainTask& task, const torch::Tensor& clips,
                         std::int64_t steps, const torch::Device& device) {
  torch::Tensor frames;
  {
    torch::NoGradGuard no_grad;
    frames = model->encode_frames(clips);
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

struct Memory {
  double peak_mb = 0;
  std::string kind = "peak_rss";
};

void reset_peak_memory(const torch::Device& device) {
#ifdef SFAR_BENCH_CUDA_STATS
  if (device.is_cuda()) c10::cuda::CUDACachingAllocator::resetPeakStats(device.index() < 0 ? 0 : device.index());
#endif
}

Memory peak_memory(const torch::Device& device) {
  Memory m{peak_rss_mb()};
#ifdef SFAR_BENCH_CUDA_STATS
  if (device.is_cuda()) {
    const auto stats = c10::cuda::CUDACachingAllocator::getDeviceStats(device.index() < 0 ? 0 : device.index());
    m = {static_cast<double>(stats.allocated_bytes[0].peak) / (1024.0 * 1024.0), "cuda_max_allocated"};
  }
#endif
  return m;
}

}  // namespace

method::TextBank random_text_bank(std::int64_t classes, std::int64_t subtexts, std::int64_t dim,
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

SyntheticTrainTask::SyntheticTrainTask(method::SfarModel model, method::TextBank bank, torch::Tensor clips,
                                       torch::Tensor labels, const LossConfig& loss, std::int64_t steps,
                                       std::int64_t micro)
    : bank_(std::move(bank)),
      clips_(std::move(clips)),
      labels_(std::move(labels)),
      steps_(steps),
      micro_(micro),
      step_(std::move(model), loss, micro > 0 ? clips_.size(0) / micro : 0, nullptr) {
  if (micro < 1 || clips_.size(0) % micro != 0) {
    throw ArgumentError("--micro-batch", "must divide the batch " + std::to_string(clips_.size(0)),
                        std::to_string(micro));
  }
}

torch::Tensor SyntheticTrainTask::loss(const engine::StepContext& ctx) {
  const auto part = [&](const torch::Tensor& t) { return t.narrow(0, ctx.micro_index * micro_, micro_); };
  return step_.clips_loss(part(clips_), part(labels_), bank_);
}

torch::Tensor SyntheticTrainTask::step_loss(const engine::StepContext& ctx, const engine::StepPasses& passes) {
  return step_.step_loss(clips_.split(micro_), labels_, bank_, passes, ctx.device);
}

void SyntheticTrainTask::finish_backward(const engine::StepContext&, const engine::StepPasses& passes) {
  step_.finish_backward(passes);
}

nlohmann::json bench_train(const SfarRunConfig& config, const BenchTrainOptions& o) {
  check_options(o);
  models::set_attention_kernel(o.attention);
  RunConfig runtime = config.run;
  if (o.threads >= 0) runtime.threads = o.threads;
  const torch::Device device(engine::apply_runtime(runtime));  // threads, seed, device
  const double rss_start_mb = peak_rss_mb();
  const std::int64_t B = o.batch > 0 ? o.batch : config.train.micro_batch_size();
  const std::int64_t T = o.frames > 0 ? o.frames : config.data.num_frames;
  const std::int64_t M = o.micro_batch > 0 ? o.micro_batch : B;
  if (B % M != 0) throw ArgumentError("--micro-batch", "must divide the batch " + std::to_string(B), std::to_string(M));

  models::ClipModel clip = bench_clip(config, o);
  const models::ClipConfig arch = clip->config();
  clip->visual->transformer->set_grad_checkpointing(config.model.grad_checkpointing);
  method::SfarModel model(clip, config.head, config.loss.learn_logit_scale);
  model->to(device);
  const auto r = arch.image_resolution;
  const auto clips = torch::randn({B, T, 3, r, r}, torch::TensorOptions().device(device));
  const auto labels = torch::randint(o.classes, {B}, torch::TensorOptions().dtype(torch::kInt64).device(device));
  auto bank = random_text_bank(o.classes, config.descriptions.num_subtexts, arch.embed_dim, device);
  SyntheticTrainTask task(model, std::move(bank), clips, labels, config.loss, o.warmup + o.steps, M);

  engine::TrainerSetup setup = trainer_setup(config.train, config.run, device.str(), "", nullptr);
  setup.options.batch_size = B;
  setup.options.micro_batch = M;
  setup.options.epochs = 1;
  setup.options.warmup_epochs = 0;
  setup.options.log_interval = o.warmup + o.steps + 1;  // no metric lines inside the timing
  engine::Trainer trainer(model.ptr(), task, setup);

  reset_peak_memory(device);
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
  const Memory memory = peak_memory(device);
  std::sort(step_s.begin(), step_s.end());
  const double median_s = step_s[step_s.size() / 2];
  const double flops = vision_train_step_flops(arch, B * T);
  // The peak in the type the step's products run in under autocast.
  const double peak_gflops =
      o.matmul_size > 0 ? matmul_peak_gflops(o.matmul_size, device, engine::compute_dtype(config.train.precision)) : 0.0;
  const double achieved_gflops = flops / median_s / 1e9;
  const auto& train = config.train;
  return {{"command", "bench train"},
          {"implementation", "sfar"},
          {"torch", compat::torch_version()},
          {"device", device.str()},
          {"threads", torch::get_num_threads()},
          {"arch", {{"vision_width", arch.vision_width}, {"vision_layers", arch.vision_layers},
                    {"image_resolution", r}, {"patch_size", arch.vision_patch_size},
                    {"embed_dim", arch.embed_dim}, {"text_width", arch.transformer_width},
                    {"text_layers", arch.transformer_layers}}},
          {"head", method::to_string(config.head.type)},
          {"loss", to_string(config.loss.type)},
          {"precision", engine::to_string(train.precision)},
          {"attention", cfg::enum_name(o.attention, attention_kernel_names())},
          {"grad_checkpointing", config.model.grad_checkpointing},
          {"optimizer", {{"lr", train.lr}, {"backbone_lr_ratio", train.backbone_lr_ratio},
                         {"logit_scale_lr_ratio", train.logit_scale_lr_ratio},
                         {"weight_decay", train.weight_decay}, {"betas", train.betas},
                         {"eps", train.eps}, {"grad_clip", train.grad_clip}}},
          {"loss_lambda", config.loss.lambda},
          {"batch", B},
          {"micro_batch", M},
          {"loss_scope", loss_scope_name(config.loss.scope)},
          {"frames", T},
          {"classes", o.classes},
          {"trainable_parameters", method::count_parameters(*model).back().second.trainable},
          {"param_groups", trainer.optimizer().param_groups().size()},
          {"warmup", o.warmup},
          {"steps", o.steps},
          {"last_loss", trainer.last_loss()},
          {"steps_per_s", static_cast<double>(o.steps) / total_s},
          {"median_step_s", median_s},
          {"min_step_s", step_s.front()},
          {"videos_per_s", static_cast<double>(B) / median_s},
          {"head_step_s", head_s},
          {"head_share", head_s / median_s},
          {"memory_kind", memory.kind},
          {"peak_memory_mb", memory.peak_mb},
          {"rss_at_start_mb", rss_start_mb},
          {"step_gflop", flops / 1e9},
          {"step_gflops_per_s", achieved_gflops},
          {"matmul_size", o.matmul_size},
          {"matmul_peak_gflops", peak_gflops},
          {"peak_share", peak_gflops > 0 ? achieved_gflops / peak_gflops : 0.0}};
}

std::string bench_train_text(const nlohmann::json& j) {
  const auto d = [&](const char* key) { return j.at(key).get<double>(); };
  const auto& arch = j.at("arch");
  std::ostringstream out;
  out << "sfar bench train: " << j.at("head").get<std::string>() << " head, ViT width " << arch.at("vision_width")
      << " x " << arch.at("vision_layers") << " layers, " << arch.at("image_resolution") << " px, batch "
      << j.at("batch") << " (micro-batches of " << j.at("micro_batch") << ", "
      << j.at("loss_scope").get<std::string>() << " loss) x " << j.at("frames") << " frames, " << j.at("threads")
      << " threads on " << j.at("device").get<std::string>() << "\n"
      << "  " << d("steps_per_s") << " steps/s (median step " << d("median_step_s") * 1e3 << " ms, "
      << d("videos_per_s") << " videos/s), loss " << d("last_loss") << "\n"
      << "  head (" << j.at("classes") << " classes) + logits + loss, forward and backward: " << d("head_step_s") * 1e3
      << " ms = " << 100.0 * d("head_share") << " % of a step\n"
      << "  peak memory " << d("peak_memory_mb") << " MiB (" << j.at("memory_kind").get<std::string>() << "; "
      << d("rss_at_start_mb") << " at start)\n"
      << "  " << d("step_gflop") << " GFLOP per step = " << d("step_gflops_per_s") << " GFLOP/s; matmul peak "
      << d("matmul_peak_gflops") << " GFLOP/s; share " << d("peak_share") << "\n";
  return out.str();
}

}  // namespace sfar::recipes
