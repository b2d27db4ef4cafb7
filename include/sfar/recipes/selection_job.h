// `sfar describe select --config`: the run config says which CLIP and tokenizer its texts are
// encoded with, so TPP reads them there instead of asking for them again on the command line.
//
//   SelectionFlags given{.vocab = true};  // the flags the command line set
//   fill_selection_job(job, load_sfar_run_config({"configs/quickstart/sfar.yaml"}), given);
#pragma once

#include "sfar/method/subtext_selection.h"
#include "sfar/recipes/sfar_run_config.h"

namespace sfar::recipes {

// Which of `describe select`'s settings the command line gave.
struct SelectionFlags {
  bool weights = false, vocab = false, merges = false, tokenizer = false, activation = false, global_template = false;
};

// Takes model.weights, model.activation, text.tokenizer, text.vocab, text.merges and
// descriptions.global_template from `config` for each setting not `given`. A setting given that
// differs from the config's (paths: not the same file) is an ArgumentError naming the flag, the
// key and both values; a file that neither gives is an ArgumentError naming the flag and key.
void fill_selection_job(method::SubtextSelectionJob& job, const SfarRunConfig& config, const SelectionFlags& given);

}  // namespace sfar::recipes
