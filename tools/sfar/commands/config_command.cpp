// `sfar config print --config X [--set k=v ...]`: shows the fully resolved configuration
// (after `_base_` inheritance and overrides) as YAML, loaded and validated exactly as the command
// that reads it would, with every key of every section, defaults included.
//
// The kind of config is told from the file's top-level sections against each kind's schema
// (the sections its visit names): the smallest kind that has every section of the file. So a
// file with `head:`, `data:`, `protocol:` ... is a run config, one with `pretrain:` a
// pre-training config, one with `questions:` a prompt file, and one with only `run:`, `model:`
// and `text:` (configs/clip_vit_b16.yaml, configs/_base_/default_runtime.yaml) the backbone
// sections every run config shares. A file that fits no kind is read as the kind it shares most
// sections with, whose reader then names the unknown key.
#include <functional>
#include <iostream>
#include <memory>

#include "../command.h"
#include "sfar/core/config_kind.h"
#include "sfar/core/config_loader.h"
#include "sfar/core/sfar_config.h"
#include "sfar/describe/prompt_set.h"
#include "sfar/recipes/pretrain_config.h"
#include "sfar/recipes/sfar_run_config.h"

namespace sfar::cli {
namespace {

struct ConfigPrintOptions {
  std::vector<std::string> configs;
  std::vector<std::string> overrides;
};

// One kind of config file: its sections (from its schema) and how its command loads it.
struct ConfigKind {
  std::vector<std::string> sections;
  std::function<std::string(const ConfigPrintOptions&, const ConfigNode&)> print;
};

template <class T>
ConfigKind make_kind(std::function<T(const ConfigPrintOptions&, const ConfigNode&)> load) {
  return {section_names<T>(),
          [load](const ConfigPrintOptions& o, const ConfigNode& tree) { return config_to_yaml(write_config(load(o, tree))); }};
}

const std::vector<ConfigKind>& config_kinds() {
  static const std::vector<ConfigKind> kinds = {
      // `sfar train`, `eval`, `protocol`, `infer`, `export`, `bench-train`, `info --config`.
      make_kind<recipes::SfarRunConfig>([](const ConfigPrintOptions& o, const ConfigNode&) {
        return recipes::load_sfar_run_config(o.configs, o.overrides);
      }),
      // `sfar pretrain`.
      make_kind<recipes::PretrainConfig>([](const ConfigPrintOptions& o, const ConfigNode&) {
        return recipes::load_pretrain_config(o.configs, o.overrides);
      }),
      // The backbone sections a run config shares (bases such as clip_vit_b16.yaml); listed
      // before the prompt files, so that an empty file is this kind (a tie goes to the first).
      make_kind<SfarConfig>([](const ConfigPrintOptions& o, const ConfigNode&) {
        return load_sfar_config(o.configs, o.overrides);
      }),
      // `sfar describe generate --prompts`.
      make_kind<describe::PromptSet>([](const ConfigPrintOptions& o, const ConfigNode& tree) {
        return describe::read_prompt_set(tree, o.configs.empty() ? std::string("--set") : o.configs.back());
      }),
  };
  return kinds;
}

int run_config_print(const ConfigPrintOptions& options) {
  const ConfigNode tree = load_config(options.configs, options.overrides);
  std::vector<std::vector<std::string>> sections;
  for (const auto& kind : config_kinds()) sections.push_back(kind.sections);
  std::cout << config_kinds()[closest_config_kind(tree, sections)].print(options, tree);
  return 0;
}

}  // namespace

void add_config_command(CLI::App& app, CommandContext& context) {
  auto* config = app.add_subcommand("config", "Inspect configurations");
  config->require_subcommand(1);
  auto options = std::make_shared<ConfigPrintOptions>();
  auto* print = config->add_subcommand("print", "Print the resolved, validated configuration of any kind");
  print->add_option("--config,-c", options->configs, "YAML config file(s), merged in order");
  print->add_option("--set", options->overrides, "Override a key: a.b.c=value (repeatable)");
  context.on_run(print, [options] { return run_config_print(*options); });
}

}  // namespace sfar::cli
