// `sfar describe generate|import|show`: the storyboard sub-text cache (docs/description_cache.md).
//   generate: ask an OpenAI-compatible endpoint for each class's candidate sub-text sets;
//   import:   take peers' published descriptions (OST, EZ-CLIP, FROSTER, YAML);
//   show:     print the cache's sets as JSON lines;
//   select:   score every set with TPP (CLIP text encoder) and keep the best per class or dataset.
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <iostream>

#include "../command.h"
#include "sfar/core/error.h"
#include "sfar/core/name_table.h"
#include "sfar/describe/description_generator.h"
#include "sfar/describe/description_importers.h"
#include "sfar/method/subtext_selection.h"
#include "sfar/engine/progress.h"
#include "sfar/recipes/selection_job.h"
#include "sfar/recipes/sfar_run_config.h"

namespace sfar::cli {
namespace {

std::atomic<bool> g_interrupted{false};

extern "C" void on_sigint(int) { g_interrupted = true; }

// Installs the Ctrl-C handler for the lifetime of a run; a second Ctrl-C kills as usual.
class InterruptGuard {
 public:
  InterruptGuard() : previous_(std::signal(SIGINT, on_sigint)) { g_interrupted = false; }
  ~InterruptGuard() { std::signal(SIGINT, previous_); }

 private:
  void (*previous_)(int);
};

struct CacheTarget {
  std::string labels;
  std::string labels_format = "auto";
  std::string out;
  std::string dataset;
  std::string global_template = describe::kDefaultGlobalTemplate;
};

// The cache at `out` if it exists (checked against the labels), else a new one.
describe::DescriptionCache open_cache(const CacheTarget& target, const io::ClassNames& labels) {
  if (std::filesystem::exists(target.out)) return describe::load_description_cache(target.out, {&labels});
  const std::string dataset =
      target.dataset.empty() ? std::filesystem::path(target.out).stem().string() : target.dataset;
  return describe::new_description_cache(labels, dataset, target.global_template);
}

void add_target_options(CLI::App* command, CacheTarget& target) {
  command->add_option("--labels", target.labels, "Class-name file of the dataset")->required();
  command->add_option("--labels-format", target.labels_format, entry_help(io::class_name_formats()))
      ->capture_default_str();
  command->add_option("--out", target.out, "Description cache (JSON); extended when it exists")->required();
  command->add_option("--dataset", target.dataset, "Dataset name stored in a new cache (default: file stem)");
  command->add_option("--template", target.global_template, "Global prompt of a new cache")->capture_default_str();
}

std::string format_duration(double seconds) {
  char buffer[32];
  const long s = static_cast<long>(seconds);
  std::snprintf(buffer, sizeof(buffer), "%ldh%02ldm%02lds", s / 3600, s / 60 % 60, s % 60);
  return buffer;
}

void print_progress(const describe::DescriptionProgress& p, bool tty) {
  const double rate = p.elapsed_s > 0 ? p.queried / p.elapsed_s : 0;
  const std::size_t left = p.total - p.done;
  const std::string eta = rate > 0 ? format_duration(left / rate) : "?";
  char line[256];
  if (tty) {
    const int width = 30;
    const int filled = static_cast<int>(width * p.done / std::max<std::size_t>(p.total, 1));
    std::snprintf(line, sizeof(line), "\r[%s%s] %zu/%zu classes  %.2f classes/s  ETA %s ",
                  std::string(filled, '#').c_str(), std::string(width - filled, '.').c_str(), p.done, p.total, rate,
                  eta.c_str());
    std::cerr << line << (p.done == p.total ? "\n" : "") << std::flush;
  } else {
    std::snprintf(line, sizeof(line), "describe: %zu/%zu classes (%.2f classes/s, ETA %s): ", p.done, p.total, rate,
                  eta.c_str());
    std::cerr << line << p.class_name << "\n";
  }
}

struct GenerateCommandOptions {
  CacheTarget target;
  std::string endpoint;
  std::string model;
  std::string api_key_env;
  std::string prompts;
  double temperature = 0.7;
  std::int64_t seed = -1;
  double rate = 0;
  double timeout = 120;
  int retries = 5;
  double backoff = 1.0;
  bool force = false;
};

int run_generate(const GenerateCommandOptions& o) {
  describe::ChatClientOptions chat;
  chat.endpoint = o.endpoint;
  chat.model = o.model;
  if (!o.api_key_env.empty()) {
    const char* key = std::getenv(o.api_key_env.c_str());
    if (!key || !*key) throw ArgumentError("--api-key-env", "environment variable is not set", o.api_key_env);
    chat.api_key = key;
  }
  chat.timeout_s = o.timeout;
  chat.retries = o.retries;
  chat.backoff_initial_s = o.backoff;
  chat.requests_per_second = o.rate;
  chat.cancel = &g_interrupted;
  const io::ClassNames labels =
      io::read_class_names(o.target.labels, io::class_name_format_from_string(o.target.labels_format, "--labels-format"));
  describe::DescriptionCache cache = open_cache(o.target, labels);

  describe::DescriptionGeneratorOptions options;
  if (!o.prompts.empty()) options.prompts = describe::load_prompt_set(o.prompts);
  options.temperature = o.temperature;
  if (o.seed >= 0) options.seed = o.seed;
  options.force = o.force;
  options.stop = &g_interrupted;
  const bool tty = isatty(STDERR_FILENO);
  options.on_progress = [tty](const describe::DescriptionProgress& p) { print_progress(p, tty); };

  describe::ChatClient client(chat);
  InterruptGuard guard;
  const describe::DescriptionGenerationReport report = describe::generate_descriptions(cache, o.target.out, client, options);
  for (const auto& failure : report.failures) std::cerr << "sfar: failed: " << failure << "\n";
  for (const auto& name : report.kept) {
    std::cerr << "sfar: " << name << ": --force refresh incomplete; its previous sets are kept\n";
  }
  print_json_line({{"out", o.target.out}, {"classes", report.classes}, {"queried", report.queried},
                   {"skipped", report.skipped}, {"requests", report.requests},
                   {"failures", report.failures.size()}, {"kept", report.kept.size()},
                   {"interrupted", report.interrupted}});
  if (report.interrupted) {
    std::cerr << "sfar: interrupted; progress saved in " << o.target.out << ", run again to resume\n";
    return 130;
  }
  return report.failures.empty() ? 0 : 1;
}

struct ImportCommandOptions {
  CacheTarget target;
  std::string format;
  std::string input;
};

int run_import(const ImportCommandOptions& o) {
  const describe::DescriptionFormat format = describe::description_format_from_string(o.format);
  const io::ClassNames labels =
      io::read_class_names(o.target.labels, io::class_name_format_from_string(o.target.labels_format, "--labels-format"));
  describe::DescriptionCache cache = open_cache(o.target, labels);
  const std::size_t filled = describe::import_descriptions(cache, format, o.input);
  describe::save_description_cache(o.target.out, cache);
  print_json_line({{"out", o.target.out}, {"input", o.input}, {"format", o.format}, {"classes", labels.size()},
                   {"imported", filled}});
  return 0;
}

int run_show(const std::string& path, const std::string& class_name) {
  const describe::DescriptionCache cache = describe::load_description_cache(path);
  for (const auto& line : describe::description_cache_json_lines(cache, class_name)) std::cout << line << "\n";
  return 0;
}

struct SelectCommandOptions {
  method::SubtextSelectionJob job;
  std::vector<std::string> configs;    // a run config: TPP scores against its descriptions.global_template
  std::vector<std::string> overrides;
  std::string mode = "per_class";
  std::size_t lowest = 10;
  std::size_t bins = 10;
  bool verbose = false;
  recipes::SelectionFlags given;  // which settings the command line gave
  engine::BarMode bar = engine::BarMode::kOff;
};

// Prints the report as three JSON lines: summary, lowest-scoring classes, TPP histogram.
int run_select(SelectCommandOptions o) {
  o.job.options.mode = method::selection_mode_from_string(o.mode);
  if (!o.configs.empty()) {
    recipes::fill_selection_job(o.job, recipes::load_sfar_run_config(o.configs, o.overrides), o.given);
  } else if (!o.overrides.empty()) {
    throw ArgumentError("--set", "needs --config", o.overrides.front());
  } else if (o.job.weights.empty() || o.job.tokenizer.vocab.empty()) {
    throw ArgumentError(o.job.weights.empty() ? "--weights" : "--vocab", "required without --config");
  }
  engine::ProgressBar bar(&std::cerr, o.bar, "TPP");
  bar.update(0.0, "loading the text encoder");  // the clock starts here, so the ETA counts the first batch
  o.job.options.progress = [&bar](std::int64_t done, std::int64_t total) {
    bar.update(total > 0 ? static_cast<double>(done) / static_cast<double>(total) : 1.0,
               std::to_string(done) + "/" + std::to_string(total) + " texts");
  };
  if (o.job.options.batch_size <= 0) {
    throw ArgumentError("--batch", "must be positive", std::to_string(o.job.options.batch_size));
  }
  const auto start = std::chrono::steady_clock::now();
  const method::SubtextSelectionStats stats = method::run_subtext_selection(o.job);
  bar.finish();
  const double total_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const describe::DescriptionCache cache = describe::load_description_cache(o.job.cache);

  nlohmann::json summary = {{"cache", o.job.cache}, {"dataset", cache.dataset}, {"mode", o.mode},
                            {"global_template", cache.global_template},
                            {"classes", cache.classes.size()}, {"dataset_tpp", stats.dataset_tpp}};
  if (stats.dataset_set) summary["dataset_set"] = *stats.dataset_set;
  if (o.verbose) {
    summary["texts_total"] = stats.texts_total;
    summary["texts_encoded"] = stats.texts_encoded;
    summary["encode_s"] = stats.encode_seconds;
    summary["score_s"] = stats.score_seconds;
    summary["total_s"] = total_s;
    std::cerr << "sfar: encoded " << stats.texts_encoded << " distinct texts (of " << stats.texts_total << ") in "
              << stats.encode_seconds << " s; scoring " << stats.score_seconds << " s; total " << total_s << " s\n";
  }
  print_json_line(summary);
  nlohmann::json lowest = nlohmann::json::array();
  for (const std::size_t i : method::lowest_tpp_classes(cache, o.lowest)) {
    const describe::ClassDescriptions& c = cache.classes[i];
    lowest.push_back({{"id", c.id}, {"name", c.name}, {"tpp", *c.tpp}, {"selected", *c.selected}});
  }
  print_json_line({{"lowest", lowest}});
  const method::TppHistogram histogram = method::selected_tpp_histogram(cache, o.bins);
  print_json_line({{"histogram", {{"edges", histogram.edges}, {"counts", histogram.counts}}}});
  return 0;
}

}  // namespace

void add_describe_command(CLI::App& app, CommandContext& context) {
  auto* describe = app.add_subcommand("describe", "Storyboard sub-texts: the LLM description cache");
  describe->require_subcommand(1);

  auto g = std::make_shared<GenerateCommandOptions>();
  auto* generate = describe->add_subcommand("generate", "Ask an OpenAI-compatible endpoint for sub-text sets");
  add_target_options(generate, g->target);
  generate->add_option("--endpoint", g->endpoint, "Base URL, e.g. https://api.openai.com/v1")->required();
  generate->add_option("--model", g->model, "Model name sent to the endpoint")->required();
  generate->add_option("--api-key-env", g->api_key_env, "Environment variable holding the API key");
  generate->add_option("--prompts", g->prompts, "Prompt YAML (default: built-in SFAR prompts)");
  generate->add_option("--temperature", g->temperature, "Sampling temperature")->capture_default_str();
  generate->add_option("--seed", g->seed, "Sampling seed sent to the endpoint (-1: none)")->capture_default_str();
  generate->add_option("--rate", g->rate, "Maximum requests per second (0: no limit)")->capture_default_str();
  generate->add_option("--timeout", g->timeout, "Seconds per request")->capture_default_str();
  generate->add_option("--retries", g->retries, "Retries on time-outs, 429 and 5xx")->capture_default_str();
  generate->add_option("--backoff", g->backoff, "First retry delay in seconds (doubles)")->capture_default_str();
  generate->add_flag("--force", g->force,
                     "Query classes that already have sets again (a class's sets are replaced once all its new "
                     "ones arrived)");
  context.on_run(generate, [g] { return run_generate(*g); });

  auto i = std::make_shared<ImportCommandOptions>();
  auto* import = describe->add_subcommand("import", "Import peers' descriptions into a cache");
  add_target_options(import, i->target);
  import->add_option("--format", i->format, entry_help(describe::description_formats()))->required();
  import->add_option("--input", i->input, "File to import")->required();
  context.on_run(import, [i] { return run_import(*i); });

  auto show_cache = std::make_shared<std::string>();
  auto show_class = std::make_shared<std::string>();
  auto* show = describe->add_subcommand("show", "Print a cache's sub-text sets as JSON lines");
  show->add_option("--cache", *show_cache, "Description cache")->required();
  show->add_option("--class", *show_class, "Only this class");
  context.on_run(show, [show_cache, show_class] { return run_show(*show_cache, *show_class); });

  auto sel = std::make_shared<SelectCommandOptions>();
  sel->job.device = "auto";
  auto* select = describe->add_subcommand("select", "Score every sub-text set with TPP and select the best");
  select->add_option("--cache", sel->job.cache, "Description cache (rewritten atomically)")->required();
  auto* weights = select->add_option(
      "--weights", sel->job.weights,
      "CLIP weights: OpenAI .pt (TorchScript), torch.save state_dict or HF model.safetensors (default with "
      "--config: model.weights)");
  auto* activation = add_enum_option(select, "--activation", sel->job.activation, activation_setting_names(),
                                     "MLP activation: auto (from the file), quick_gelu (OpenAI) or gelu (open_clip "
                                     "without -quickgelu); a torch.save state_dict needs it stated (default with "
                                     "--config: model.activation)");
  auto* vocab = select->add_option("--vocab", sel->job.tokenizer.vocab,
                                   "Tokenizer vocabulary (bpe_simple_vocab_16e6.txt.gz, .model; default with "
                                   "--config: text.vocab)");
  auto* tokenizer = add_enum_option(select, "--tokenizer", sel->job.tokenizer.kind, tokenizer_kind_names(),
                                    "The tokenizer's kind (default with --config: text.tokenizer)");
  auto* merges = select->add_option("--merges", sel->job.tokenizer.merges, "merges.txt beside a Hugging Face vocab.json");
  select->add_option("--config,-c", sel->configs,
                     "Run config(s): TPP encodes with its model.weights, model.activation and text.* and scores "
                     "against its descriptions.global_template (the template training and zero-shot read)");
  select->add_option("--set", sel->overrides, "Override a key of --config: a.b.c=value (repeatable)");
  auto* global_template = select->add_option("--template", sel->job.global_template,
                     "Global prompt template TPP scores against (default: the cache's); rewrites its global texts");
  select->add_option("--mode", sel->mode, "per_class (best set of each class) or dataset (one set index)")
      ->capture_default_str();
  select->add_option("--device", sel->job.device, "auto, cpu, cuda or cuda:N")->capture_default_str();
  select->add_option("--batch", sel->job.options.batch_size, "Texts per forward pass")->capture_default_str();
  select->add_option("--lowest", sel->lowest, "Lowest-scoring classes listed")->capture_default_str();
  select->add_option("--bins", sel->bins, "Bins of the TPP histogram")->capture_default_str();
  select->add_flag("--verbose", sel->verbose, "Add encoding time and text counts (JSON and stderr)");
  context.on_run(select, [=, &context] {
    sel->given = {weights->count() > 0, vocab->count() > 0,     merges->count() > 0,
                  tokenizer->count() > 0, activation->count() > 0, global_template->count() > 0};
    sel->bar = progress_bar_mode(context.globals());
    return run_select(*sel);
  });
}

}  // namespace sfar::cli
