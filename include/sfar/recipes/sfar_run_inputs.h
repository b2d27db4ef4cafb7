// What a run reads before it writes anything. build_sfar_run (sfar_task.h) is these two steps in
// one; run_training calls them apart, and checks the lists between, so that a wrong list, label,
// class name, weights file or description cache is refused before the run directory exists.
//
//   SfarInputs inputs = load_sfar_inputs(config);      // reads and checks; writes nothing
//   check_sfar_lists(config, inputs.class_names);      // lists, labels, loader sizes
//   engine::RunDir dir(...);
//   SfarRun run = assemble_sfar_run(std::move(inputs), config, device, dir.file("cache"));
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sfar/method/text_bank.h"
#include "sfar/models/clip_layout.h"
#include "sfar/models/clip_model.h"
#include "sfar/models/export_record.h"
#include "sfar/recipes/sfar_run_config.h"
#include "sfar/text/tokenizer.h"

namespace sfar::recipes {

struct SfarRun;

struct SfarInputs {
  std::vector<std::string> class_names;
  models::ClipModel clip{nullptr};
  models::StateDict head_weights;              // the head of an `sfar export` given as model.weights
  std::optional<models::ExportRecord> record;  // and how that export was trained (export_record.h)
  text::TokenizerSpec tokenizer_spec;
  std::shared_ptr<const text::Tokenizer> tokenizer;
  method::ClassTexts texts;                    // no sub-texts for heads that read none
  std::vector<std::string> notes, warnings;    // logged by assemble_sfar_run, i.e. into the run's log
};

// The class names, CLIP weights, tokenizer and class texts of `config`. The description cache
// is read when one is named; its sub-text selection is required only by heads that read
// sub-texts (uses_subtexts: not `mean` nor `temporal`). Throws ConfigError/IoError/ModelError.
SfarInputs load_sfar_inputs(const SfarRunConfig& config);

// The training list (data.list) and the evaluation list (eval.list, when set), read against
// `class_names` as their datasets will read them, and what their loaders would ask of this
// machine (data::check_loader_budget). Throws ConfigError/FormatError naming the file or key.
void check_sfar_lists(const SfarRunConfig& config, const std::vector<std::string>& class_names);

// The model and its text bank from `inputs` (the bank cached under `bank_dir`; empty: not cached).
SfarRun assemble_sfar_run(SfarInputs inputs, const SfarRunConfig& config, const std::string& device,
                          const std::string& bank_dir);

}  // namespace sfar::recipes
