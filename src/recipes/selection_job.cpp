#include "sfar/recipes/selection_job.h"

#include <filesystem>

#include "sfar/core/error.h"

namespace sfar::recipes {
namespace {

namespace fs = std::filesystem;

bool same_file(const std::string& a, const std::string& b) {
  if (a == b) return true;
  std::error_code ec;
  return fs::equivalent(a, b, ec) && !ec;
}

// `value` (the flag's, when given) against the config's `from_config`.
void take(std::string& value, bool given, const std::string& from_config, const std::string& flag,
          const std::string& key, bool is_path) {
  if (!given) {
    value = from_config;
    return;
  }
  if (from_config.empty()) return;
  const bool same = is_path ? same_file(value, from_config) : value == from_config;
  if (!same) {
    throw ArgumentError(flag, "differs from " + key + " of --config (\"" + from_config + "\"); give one of them",
                        value);
  }
}

template <class E>
void take_enum(E& value, bool given, E from_config, const cfg::NamedValues<E>& names, const std::string& flag,
               const std::string& key) {
  if (given && value != from_config) {
    throw ArgumentError(flag, "differs from " + key + " of --config (\"" + cfg::enum_name(from_config, names) +
                                  "\"); give one of them",
                        cfg::enum_name(value, names));
  }
  value = from_config;
}

}  // namespace

void fill_selection_job(method::SubtextSelectionJob& job, const SfarRunConfig& config, const SelectionFlags& given) {
  take(job.weights, given.weights, config.model.weights, "--weights", "model.weights", true);
  take(job.tokenizer.vocab, given.vocab, config.text.vocab, "--vocab", "text.vocab", true);
  take(job.tokenizer.merges, given.merges, config.text.merges, "--merges", "text.merges", true);
  take(job.global_template, given.global_template, config.descriptions.global_template, "--template",
       "descriptions.global_template", false);
  take_enum(job.tokenizer.kind, given.tokenizer, config.text.tokenizer, tokenizer_kind_names(), "--tokenizer",
            "text.tokenizer");
  take_enum(job.activation, given.activation, config.model.activation, activation_setting_names(), "--activation",
            "model.activation");
  if (job.weights.empty()) throw ArgumentError("--weights", "not given, and model.weights of --config is empty");
  if (job.tokenizer.vocab.empty()) throw ArgumentError("--vocab", "not given, and text.vocab of --config is empty");
}

}  // namespace sfar::recipes
