// `sfar protocol` runs one of the paper's evaluation protocols from a config and prints its
// table row (markdown) and the results as one JSON line; both are also written as results.md
// and results.json in the protocol's work dir.
//
//   sfar protocol few-shot -c configs/hmdb51/sfar_vit_b16_few_shot.yaml --set data.root=/data/hmdb51
//   sfar protocol zero-shot -c configs/zero_shot/k400_to_hmdb51.yaml --set data.root=/data/k400
//     --set protocol.zero_shot.root=/data/hmdb51 --checkpoint runs/k400/sfar_vit_b16/checkpoints/best.pt
#include <torch/torch.h>
#include <unistd.h>

#include <iostream>

#include "../command.h"
#include "sfar/core/error.h"
#include "sfar/core/name_table.h"
#include "sfar/recipes/protocol_runner.h"
#include "sfar/recipes/sfar_run_config.h"

#if SFAR_WITH_VIDEO
#include "sfar/engine/progress.h"
#endif

namespace sfar::cli {
namespace {

struct ProtocolArgs {
  std::string kind;
  std::vector<std::string> configs, overrides;
  std::string work_dir;
  std::vector<std::string> checkpoints;
  std::vector<std::int64_t> seeds;
  engine::BarMode bar = engine::BarMode::kOff;  // progress_bar_mode(--progress)
};

#if SFAR_WITH_VIDEO
int run_protocol_command(const ProtocolArgs& args) {
  const auto kind = recipes::parse_protocol_kind(args.kind);
  const auto config = recipes::load_sfar_run_config(args.configs, args.overrides);
  recipes::ProtocolOptions options;
  options.work_dir = args.work_dir;
  options.seeds = args.seeds;
  options.checkpoints = args.checkpoints;
  engine::ProgressBar bar(&std::cerr, args.bar, args.kind);
  options.progress = &bar;
  const auto report = recipes::run_protocol(kind, config, options);
  bar.finish(std::to_string(report.runs.size()) + " runs");
  std::cout << recipes::protocol_markdown(report);
  print_json_line(nlohmann::json::parse(recipes::protocol_json(report)));
  return 0;
}
#else
int run_protocol_command(const ProtocolArgs&) {
  throw ArgumentError("sfar protocol", "this build has no video support (SFAR_WITH_VIDEO=OFF)");
}
#endif

}  // namespace

void add_protocol_command(CLI::App& app, CommandContext& context) {
  auto args = std::make_shared<ProtocolArgs>();
  const auto& protocols = recipes::protocol_table();
  auto* cmd = app.add_subcommand(
      "protocol", "Run a protocol (" + joined_entry_names(protocols) + ") and print its table row");
  cmd->add_option("protocol", args->kind, entry_help(protocols))->required()->check(CLI::IsMember(entry_names(protocols)));
  cmd->add_option("--config,-c", args->configs, "Run config file(s) with a protocol: section")->required();
  cmd->add_option("--set", args->overrides, "Override, e.g. data.root=/data/hmdb51");
  cmd->add_option("--work-dir", args->work_dir, "Protocol directory (default run.work_dir)");
  cmd->add_option("--seeds", args->seeds, "Seeds, e.g. 0,1,2 (default protocol.seeds)")->delimiter(',');
  cmd->add_option("--checkpoint", args->checkpoints,
                  "zero-shot: evaluate this checkpoint on the targets, train nothing; repeat it once per seed to "
                  "evaluate one checkpoint per seed (e.g. the supervised protocol's)");
  context.on_run(cmd, [args, &context] {
    args->bar = progress_bar_mode(context.globals());
    return run_protocol_command(*args);
  });
}

}  // namespace sfar::cli
