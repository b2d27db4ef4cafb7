// `sfar describe select`: score every sub-text set of a description cache with TPP (the CLIP
// text encoder) and keep the best per class or per dataset (method::run_subtext_selection); with
// --config, the encoder, tokenizer and template are the run config's (recipes::fill_selection_job).
#include <chrono>
#include <iostream>

#include "../command.h"
#include "sfar/core/error.h"
#include "sfar/engine/progress.h"
#include "sfar/method/selection_report.h"
#include "sfar/recipes/selection_job.h"
#include "sfar/recipes/sfar_run_config.h"

namespace sfar::cli {
namespace {

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

// Prints method::selection_report_lines: summary, lowest-scoring classes, TPP histogram.
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
  if (o.verbose) {
    std::cerr << "sfar: encoded " << stats.texts_encoded << " distinct texts (of " << stats.texts_total << ") in "
              << stats.encode_seconds << " s; scoring " << stats.score_seconds << " s; total " << total_s << " s\n";
  }
  const method::SelectionReportOptions report{o.job.options.mode, o.lowest, o.bins, o.verbose, total_s};
  for (const auto& line : method::selection_report_lines(o.job.cache, stats, report)) {
    print_json_line(nlohmann::json::parse(line));
  }
  return 0;
}

}  // namespace

void add_describe_select_command(CLI::App& app, CommandContext& context) {
  CLI::App* describe = app.get_subcommand("describe");
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
  add_config_options(select, sel->configs, sel->overrides,
                     "Run config(s): TPP encodes with its model.weights, model.activation and text.* and scores "
                     "against its descriptions.global_template (the template training and zero-shot read)",
                     "Override a key of --config: a.b.c=value (repeatable)");
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
