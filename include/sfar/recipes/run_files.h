// The files a run reads, checked before anything is loaded, so that a missing one is named by
// its config key and the folders searched rather than by the bare path an open() failed on.
//
//   require_run_files(config);  // model.weights, text.vocab, data.labels, descriptions.cache, ...
#pragma once

#include <string>

#include "sfar/recipes/sfar_run_config.h"

namespace sfar::recipes {

// A file a run reads (`key` names it: data.labels, descriptions.cache, ...), after under_root:
// a ConfigError naming the key, the value and every folder searched when no such file exists
// (as written, from the current folder, and under data.root). Empty paths pass (unset keys).
void require_config_file(const std::string& key, const std::string& path, const std::string& root);

// The files build_sfar_run opens (model.weights, text.vocab, text.merges, data.labels,
// descriptions.cache), each checked by require_config_file before anything is loaded.
void require_run_files(const SfarRunConfig& config);

}  // namespace sfar::recipes
