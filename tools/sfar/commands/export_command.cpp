// `sfar export --checkpoint P --out F`: a trained run's weights for Python — a PyTorch
// state_dict (F.pt) or safetensors (F.safetensors, with metadata). See docs/checkpoint_format.md.
//
//   sfar export --checkpoint runs/x/checkpoints/best.pt --out sfar_k400.safetensors
#include "../command.h"
#include "sfar/recipes/model_export.h"

namespace sfar::cli {
namespace {

struct ExportWeightsArgs {
  std::string checkpoint, out;
};

int run_export_weights(const ExportWeightsArgs& args) {
  const auto r = recipes::export_checkpoint(args.checkpoint, args.out);
  print_json_line({{"out", r.out},
                   {"format", r.format},
                   {"head_type", r.head_type},
                   {"backbone_tensors", r.backbone_tensors},
                   {"head_tensors", r.head_tensors}});
  return 0;
}

}  // namespace

void add_export_command(CLI::App& app, CommandContext& context) {
  auto args = std::make_shared<ExportWeightsArgs>();
  auto* cmd = app.add_subcommand("export", "Write a checkpoint's weights as a PyTorch state_dict (.pt) or .safetensors");
  cmd->add_option("--checkpoint", args->checkpoint, "Checkpoint written by sfar train")->required();
  cmd->add_option("--out", args->out, "Output: F.pt (torch.load-able dict) or F.safetensors")->required();
  context.on_run(cmd, [args] { return run_export_weights(*args); });
}

}  // namespace sfar::cli
