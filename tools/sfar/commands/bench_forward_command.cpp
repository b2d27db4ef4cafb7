// `sfar bench forward --arch ViT-B/16 [--batch 1] [--iters 3]`: builds a randomly initialised
// CLIP (no data files needed) and times encode_image and encode_text, printed as one JSON
// line. Attaches to the `bench` command group, creating it when no other bench exists.
#include <torch/torch.h>

#include <chrono>

#include "../command.h"
#include "sfar/core/error.h"
#include "sfar/core/runtime.h"
#include "sfar/core/torch_compat.h"
#include "sfar/engine/trainer.h"
#include "sfar/models/clip_model.h"

namespace sfar::cli {
namespace {

struct BenchForwardOptions {
  std::string arch = "ViT-B/16";
  std::int64_t batch = 1;
  std::int64_t iters = 3;
  std::string device = "auto";
  std::string precision = "fp32";
  std::uint64_t seed = 0;
};

double ms_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

// Mean ms per call of `step` over `iters` calls, after one warm-up call.
template <typename Step>
double time_ms(const torch::Device& device, std::int64_t iters, Step step) {
  step();
  if (device.is_cuda()) torch::cuda::synchronize();
  const auto start = std::chrono::steady_clock::now();
  for (std::int64_t i = 0; i < iters; ++i) step();
  if (device.is_cuda()) torch::cuda::synchronize();
  return ms_since(start) / static_cast<double>(iters);
}

int run_bench_forward(const BenchForwardOptions& options) {
  if (options.batch <= 0) throw ArgumentError("--batch", "must be positive", std::to_string(options.batch));
  if (options.iters <= 0) throw ArgumentError("--iters", "must be positive", std::to_string(options.iters));
  const engine::Precision precision = engine::parse_precision(options.precision, "--precision");
  if (precision == engine::Precision::kFp16) throw ArgumentError("--precision", "expected fp32 or bf16", "fp16");
  const auto config = models::clip_preset(options.arch);
  const torch::Device device(resolve_device(options.device));
  seed_everything(options.seed);

  auto start = std::chrono::steady_clock::now();
  models::ClipModel model(config);
  model->to(device);
  model->eval();
  const double init_ms = ms_since(start);

  torch::NoGradGuard no_grad;
  std::unique_ptr<compat::AutocastGuard> autocast;
  if (engine::precision_entry(precision).autocast) {
    autocast = std::make_unique<compat::AutocastGuard>(device.type(), engine::compute_dtype(precision));
  }
  const auto r = config.image_resolution;
  const auto images = torch::randn({options.batch, 3, r, r}, torch::TensorOptions().device(device));
  // "<start> random ids <end>" padded with zeros, as the tokenizer lays texts out.
  auto tokens = torch::randint(1, config.eot_token_id, {options.batch, config.context_length},
                               torch::TensorOptions().dtype(torch::kInt64).device(device));
  tokens.slice(1, 12).zero_();
  tokens.select(1, 11).fill_(config.eot_token_id);
  const double image_ms = time_ms(device, options.iters, [&] { model->encode_image(images); });
  const double text_ms = time_ms(device, options.iters, [&] { model->encode_text(tokens); });

  print_json_line({{"command", "bench forward"},
                   {"arch", options.arch},
                   {"device", device.str()},
                   {"precision", options.precision},
                   {"torch", compat::torch_version()},
                   {"threads", torch::get_num_threads()},
                   {"parameters", model->parameter_count()},
                   {"init_ms", init_ms},
                   {"batch", options.batch},
                   {"iters", options.iters},
                   {"image_ms_per_item", image_ms / static_cast<double>(options.batch)},
                   {"text_ms_per_item", text_ms / static_cast<double>(options.batch)}});
  return 0;
}

}  // namespace

void add_bench_forward_command(CLI::App& app, CommandContext& context) {
  CLI::App* bench = bench_group(app);
  auto options = std::make_shared<BenchForwardOptions>();
  auto* forward = bench->add_subcommand("forward", "CLIP encode_image / encode_text time, random weights");
  forward->add_option("--arch", options->arch, "Preset: ViT-B/32, ViT-B/16, ViT-L/14, ViT-L/14@336px")
      ->capture_default_str();
  forward->add_option("--batch", options->batch, "Images and texts per forward pass")->capture_default_str();
  forward->add_option("--iters", options->iters, "Timed iterations after one warm-up")->capture_default_str();
  forward->add_option("--device", options->device, "auto, cpu, cuda or cuda:N")->capture_default_str();
  forward->add_option("--precision", options->precision, "fp32, or bf16 (autocast)")->capture_default_str();
  forward->add_option("--seed", options->seed, "Seed of the random weights and inputs")->capture_default_str();
  context.on_run(forward, [options] { return run_bench_forward(*options); });
}

}  // namespace sfar::cli
