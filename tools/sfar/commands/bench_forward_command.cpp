// `sfar bench forward --arch ViT-B/16 [--batch 1] [--iters 3]`: encode_image and encode_text
// time of a randomly initialised CLIP (recipes/model_benches.h), one JSON line.
#include "../command.h"
#include "sfar/models/clip_config.h"
#include "sfar/recipes/model_benches.h"

namespace sfar::cli {

void add_bench_forward_command(CLI::App& app, CommandContext& context) {
  CLI::App* bench = bench_group(app);
  auto arch = std::make_shared<std::string>("ViT-B/16");
  auto options = std::make_shared<recipes::ForwardBenchOptions>();
  auto* forward = bench->add_subcommand("forward", "CLIP encode_image / encode_text time, random weights");
  forward->add_option("--arch", *arch, "Preset: ViT-B/32, ViT-B/16, ViT-L/14, ViT-L/14@336px")->capture_default_str();
  forward->add_option("--batch", options->batch, "Images and texts per forward pass")->capture_default_str();
  forward->add_option("--iters", options->iters, "Timed iterations after one warm-up")->capture_default_str();
  forward->add_option("--device", options->device, "auto, cpu, cuda or cuda:N")->capture_default_str();
  add_enum_option(forward, "--precision", options->precision, engine::precisions(), "fp32, or bf16 (autocast)");
  forward->add_option("--seed", options->seed, "Seed of the random weights and inputs")->capture_default_str();
  context.on_run(forward, [arch, options] {
    auto line = recipes::bench_forward(models::clip_preset(*arch), *options);
    line["arch"] = *arch;
    print_json_line(line);
    return 0;
  });
}

}  // namespace sfar::cli
