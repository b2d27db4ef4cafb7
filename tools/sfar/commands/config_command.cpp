// `sfar config print --config X [--set k=v ...]`: shows the fully resolved configuration
// (after `_base_` inheritance and overrides), validated, as YAML. A run config (the configs of
// `sfar train` and `sfar protocol`) is printed with every key of every section, defaults included
// (protocol.report, protocol.few_shot.repeat_to_full, ...), as the run will read it.
#include <iostream>

#include "../command.h"
#include "sfar/core/config_loader.h"
#include "sfar/core/sfar_config.h"
#include "sfar/train/sfar_run_config.h"

namespace sfar::cli {
namespace {

struct ConfigPrintOptions {
  std::vector<std::string> configs;
  std::vector<std::string> overrides;
};

// A section only run configs have (and no `pretrain:`, which `sfar pretrain` reads on its own).
bool is_run_config(const ConfigNode& tree) {
  if (tree.find("pretrain")) return false;
  for (const char* key : {"head", "data", "eval", "train", "loss", "descriptions", "protocol"}) {
    if (tree.find(key)) return true;
  }
  return false;
}

int run_config_print(const ConfigPrintOptions& options) {
  if (is_run_config(load_config(options.configs, options.overrides))) {
    std::cout << train::sfar_run_config_to_yaml(train::load_sfar_run_config(options.configs, options.overrides));
    return 0;
  }
  const SfarConfig config = load_sfar_config(options.configs, options.overrides);
  std::cout << sfar_config_to_yaml(config);
  return 0;
}

}  // namespace

void add_config_command(CLI::App& app, CommandContext& context) {
  auto* config = app.add_subcommand("config", "Inspect configurations");
  config->require_subcommand(1);
  auto options = std::make_shared<ConfigPrintOptions>();
  auto* print = config->add_subcommand("print", "Print the resolved, validated configuration");
  print->add_option("--config,-c", options->configs, "YAML config file(s), merged in order");
  print->add_option("--set", options->overrides, "Override a key: a.b.c=value (repeatable)");
  context.on_run(print, [options] { return run_config_print(*options); });
}

}  // namespace sfar::cli
