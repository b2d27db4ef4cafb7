// `sfar data prepare -c C --out DIR`: re-encodes every list the config names (data.list and
// eval.list) once, into videos the loader reads fast, and writes lists, a data.yaml and
// provenance.json in DIR (data::prepare_request_from_config, data::prepare_dataset).
#include <algorithm>
#include <iostream>

#include "../command.h"
#include "sfar/core/build_info.h"
#include "sfar/data/data_prepare_config.h"

namespace sfar::cli {
namespace {

struct PrepareArgs {
  std::vector<std::string> configs;
  std::vector<std::string> overrides;
  std::string out;
  data::PrepareCommandOptions options;
};

int run_prepare(const PrepareArgs& args) {
  if (!SFAR_WITH_VIDEO) refuse_without_video("sfar data prepare");
  const auto request = data::prepare_request_from_config(args.configs, args.overrides, args.out, args.options,
                                                         std::string(SFAR_VERSION) + "+" + build_info::git_commit());
  std::int64_t last_tenth = 0;
  const auto result = data::prepare_dataset(request, [&](std::int64_t done, std::int64_t total) {
    const std::int64_t tenth = done * 10 / std::max<std::int64_t>(total, 1);
    if (tenth > last_tenth) {
      last_tenth = tenth;
      std::cerr << "sfar data prepare: " << done << "/" << total << " videos\n";
    }
  });
  for (const auto& b : result.run.bad) std::cerr << "sfar data prepare: bad file " << b.path << ": " << b.reason << "\n";
  print_json_line(nlohmann::json::parse(data::prepare_summary_json(request, result)));
  return 0;
}

}  // namespace

void add_data_prepare_command(CLI::App& app, CommandContext& context) {
  CLI::App* data = app.get_subcommand("data");
  auto args = std::make_shared<PrepareArgs>();
  auto* command = data->add_subcommand("prepare", "Re-encode the config's lists once into videos the loader reads fast");
  add_config_options(command, args->configs, args->overrides, "Config file(s) with a data: section (and eval.list)",
                     "Override, e.g. data.root=/data/hmdb51");
  command->get_option("--config")->required();
  command->add_option("--out", args->out, "Folder for videos/, the lists, data.yaml and provenance.json")->required();
  command->add_option("--codec", args->options.codec, "h264 (default) or mjpeg")->capture_default_str();
  command->add_option("--short-side", args->options.short_side, "Short side of the prepared frames; default data.short_side");
  command->add_option("--quality", args->options.quality, "x264 crf (MJPEG: quantiser = quality / 6)")->capture_default_str();
  command->add_option("--gop", args->options.gop, "Frames between key frames (h264)")->capture_default_str();
  command->add_option("--workers", args->options.workers, "Videos prepared at once; 0 = one per core")->capture_default_str();
  context.on_run(command, [args] { return run_prepare(*args); });
}

}  // namespace sfar::cli
