// `sfar describe generate|import|show`: the storyboard sub-text cache (docs/description_cache.md).
//   generate: ask an OpenAI-compatible endpoint for each class's candidate sub-text sets;
//   import:   take peers' published descriptions (OST, EZ-CLIP, FROSTER, YAML);
//   show:     print the cache's sets as JSON lines;
//   select:   describe_select_command.cpp.
#include <unistd.h>

#include <cstdlib>
#include <iostream>

#include "../command.h"
#include "sfar/core/error.h"
#include "sfar/core/interrupt.h"
#include "sfar/core/name_table.h"
#include "sfar/describe/description_importers.h"
#include "sfar/describe/description_target.h"

namespace sfar::cli {
namespace {

void add_target_options(CLI::App* command, describe::DescriptionTarget& target) {
  command->add_option("--labels", target.labels, "Class-name file of the dataset")->required();
  command->add_option("--labels-format", target.labels_format, entry_help(io::class_name_formats()))
      ->capture_default_str();
  command->add_option("--out", target.out, "Description cache (JSON); extended when it exists")->required();
  command->add_option("--dataset", target.dataset, "Dataset name stored in a new cache (default: file stem)");
  command->add_option("--template", target.global_template, "Global prompt of a new cache")->capture_default_str();
}

struct GenerateCommandOptions {
  describe::DescriptionTarget target;
  describe::ChatClientOptions chat;
  std::string api_key_env, prompts;
  double temperature = 0.7;
  std::int64_t seed = -1;
  bool force = false;
};

int run_generate(GenerateCommandOptions o) {
  if (!o.api_key_env.empty()) {
    const char* key = std::getenv(o.api_key_env.c_str());
    if (!key || !*key) throw ArgumentError("--api-key-env", "environment variable is not set", o.api_key_env);
    o.chat.api_key = key;
  }
  describe::DescriptionGeneratorOptions options;
  if (!o.prompts.empty()) options.prompts = describe::load_prompt_set(o.prompts);
  options.temperature = o.temperature;
  if (o.seed >= 0) options.seed = o.seed;
  options.force = o.force;
  options.stop = o.chat.cancel = &InterruptFlag::flag();
  const bool tty = isatty(STDERR_FILENO);
  options.on_progress = [tty](const describe::DescriptionProgress& p) {
    std::cerr << describe::description_progress_text(p, tty) << std::flush;
  };
  describe::ChatClient client(o.chat);
  InterruptFlag interrupt;
  const auto report = describe::generate_into_target(o.target, client, options);
  for (const auto& failure : report.failures) std::cerr << "sfar: failed: " << failure << "\n";
  for (const auto& name : report.kept) {
    std::cerr << "sfar: " << name << ": --force refresh incomplete; its previous sets are kept\n";
  }
  print_json_line(nlohmann::json::parse(describe::generation_summary_json(report, o.target.out)));
  if (report.interrupted) {
    std::cerr << "sfar: interrupted; progress saved in " << o.target.out << ", run again to resume\n";
    return 130;
  }
  return report.failures.empty() ? 0 : 1;
}

}  // namespace

void add_describe_command(CLI::App& app, CommandContext& context) {
  auto* describe = app.add_subcommand("describe", "Storyboard sub-texts: the LLM description cache");
  describe->require_subcommand(1);

  auto g = std::make_shared<GenerateCommandOptions>();
  auto* generate = describe->add_subcommand("generate", "Ask an OpenAI-compatible endpoint for sub-text sets");
  add_target_options(generate, g->target);
  generate->add_option("--endpoint", g->chat.endpoint, "Base URL, e.g. https://api.openai.com/v1")->required();
  generate->add_option("--model", g->chat.model, "Model name sent to the endpoint")->required();
  generate->add_option("--api-key-env", g->api_key_env, "Environment variable holding the API key");
  generate->add_option("--prompts", g->prompts, "Prompt YAML (default: built-in SFAR prompts)");
  generate->add_option("--temperature", g->temperature, "Sampling temperature")->capture_default_str();
  generate->add_option("--seed", g->seed, "Sampling seed sent to the endpoint (-1: none)")->capture_default_str();
  generate->add_option("--rate", g->chat.requests_per_second, "Maximum requests per second (0: no limit)")->capture_default_str();
  generate->add_option("--timeout", g->chat.timeout_s, "Seconds per request")->capture_default_str();
  generate->add_option("--retries", g->chat.retries, "Retries on time-outs, 429 and 5xx")->capture_default_str();
  generate->add_option("--backoff", g->chat.backoff_initial_s, "First retry delay in seconds (doubles)")->capture_default_str();
  generate->add_flag("--force", g->force,
                     "Query classes that already have sets again (a class's sets are replaced once all its new "
                     "ones arrived)");
  context.on_run(generate, [g] { return run_generate(*g); });

  auto target = std::make_shared<describe::DescriptionTarget>();
  auto format = std::make_shared<std::string>(), input = std::make_shared<std::string>();
  auto* import = describe->add_subcommand("import", "Import peers' descriptions into a cache");
  add_target_options(import, *target);
  import->add_option("--format", *format, entry_help(describe::description_formats()))->required();
  import->add_option("--input", *input, "File to import")->required();
  context.on_run(import, [=] {
    print_json_line(nlohmann::json::parse(describe::import_into_target(*target, *format, *input)));
    return 0;
  });

  auto show_cache = std::make_shared<std::string>();
  auto show_class = std::make_shared<std::string>();
  auto* show = describe->add_subcommand("show", "Print a cache's sub-text sets as JSON lines");
  show->add_option("--cache", *show_cache, "Description cache")->required();
  show->add_option("--class", *show_class, "Only this class");
  context.on_run(show, [show_cache, show_class] {
    const auto cache = describe::load_description_cache(*show_cache);
    for (const auto& line : describe::description_cache_json_lines(cache, *show_class)) std::cout << line << "\n";
    return 0;
  });
}

}  // namespace sfar::cli
