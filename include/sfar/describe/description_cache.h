// The description cache: one versioned JSON file per dataset holding, for every class of a
// label file, its global prompt text and the candidate sub-text sets an LLM wrote (or that
// were imported), each with its provenance, plus room for the TPP selection (per-set sigma,
// delta and TPP scores, the selected set). The schema is documented in
// docs/description_cache.md. Loading validates everything and names the file and class.
//
//   DescriptionCache cache = new_description_cache(labels, "k400");
//   cache.classes[0].candidates.push_back({{"This action is ..."}, provenance, {}});
//   save_description_cache("k400.json", cache);  // atomic
//   cache = load_description_cache("k400.json", {.labels = &labels, .min_subtexts = 4});
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sfar/core/config_archive.h"
#include "sfar/io/class_names.h"

namespace sfar::describe {

inline constexpr int kDescriptionCacheSchemaVersion = 1;
inline constexpr const char* kDefaultGlobalTemplate = "a video of a person {name}.";

// Which candidate set of each class a run reads (a run config's `descriptions.selection`).
enum class SubtextChoice {
  kSelected,  // the set `sfar describe select` chose; a class without one is an error
  kFirst,     // the first candidate set, whether or not one was selected
};
inline const cfg::NamedValues<SubtextChoice>& subtext_choice_names() {
  static const cfg::NamedValues<SubtextChoice> names = {{"selected", SubtextChoice::kSelected},
                                                        {"first", SubtextChoice::kFirst}};
  return names;
}

// Where a candidate set came from. Optional fields are null for imports.
struct DescriptionProvenance {
  std::string generator;       // "sfar describe generate" or "sfar describe import (ost)"
  std::string source;          // endpoint URL, or "imported from <file>"
  std::string model;           // endpoint model, as requested
  std::string prompt_id;       // id of the question prompt ("steps", ...)
  std::string prompt;          // the user message sent
  std::string system_prompt;
  std::optional<double> temperature;
  std::optional<std::int64_t> seed;
  std::string time;            // ISO 8601 UTC
  std::string request_sha256;  // of the request body (never contains the API key)
};

// TPP scores of one candidate set (filled by `sfar describe select`).
struct SubtextScores {
  std::vector<double> sigma;  // cos(t_c, s_n), one per sentence
  std::vector<double> delta;  // mean cos(s_n, s_n'), one per sentence
  double tpp = 0;             // 100 * mean_n sigma_n * (1 - delta_n^2)
};

struct CandidateSet {
  std::vector<std::string> sentences;
  DescriptionProvenance provenance;
  std::optional<SubtextScores> scores;
};

// A question that produced no usable answer (malformed, refused); retried by the next run.
struct GenerationFailure {
  std::string prompt_id;
  std::string message;
  std::string time;
};

struct ClassDescriptions {
  std::int64_t id = 0;
  std::string name;
  std::string global_text;
  std::vector<CandidateSet> candidates;
  std::optional<std::size_t> selected;  // index into candidates, null until selected
  std::optional<double> tpp;            // TPP of the selected set
  std::vector<GenerationFailure> failures;
};

// How the selection was made (filled by `sfar describe select`).
struct DescriptionSelection {
  std::string mode;     // "per_class" or "dataset"
  std::string encoder;  // text encoder used for the scores
  std::string time;
  double dataset_tpp = 0;
  // The global prompt template whose texts the sets were scored against. Caches selected
  // before it was recorded read the cache's global_template, which made those texts.
  std::string global_template;
};

struct DescriptionCache {
  int schema_version = kDescriptionCacheSchemaVersion;
  std::string dataset;
  std::string label_file;    // path as given when the cache was created
  std::string labels_sha256;  // SHA-256 of the class names, each followed by "\n", in id order
  std::string global_template = kDefaultGlobalTemplate;
  std::vector<ClassDescriptions> classes;
  std::optional<DescriptionSelection> selection;

  // The class named `name`, or nullptr.
  ClassDescriptions* find(const std::string& name);
  const ClassDescriptions* find(const std::string& name) const;
};

struct DescriptionCacheCheck {
  const io::ClassNames* labels = nullptr;  // when set: same classes, in order, same label hash
  std::size_t min_subtexts = 1;        // sentences required in every selected set
  bool require_selected = false;       // every class must have a selected set
  bool require_candidates = false;     // every class must have at least one candidate set
};

// "{name}" in `global_template` replaced by `name`.
std::string format_global_text(const std::string& global_template, const std::string& name);

// Empty when `run_template` (the run's descriptions.global_template) is the template the
// cache's selection was scored with, or the cache has no selection; otherwise a warning that
// names `cache_path` and both templates (TPP chose the sub-texts for other global texts).
std::string template_mismatch_warning(const DescriptionCache& cache, const std::string& cache_path,
                                      const std::string& run_template);

// SHA-256 of the class names, each followed by "\n", in id order (format-independent).
std::string class_names_sha256(const io::ClassNames& labels);

// A cache with every class of `labels` and no candidates yet.
DescriptionCache new_description_cache(const io::ClassNames& labels, const std::string& dataset,
                                       const std::string& global_template = kDefaultGlobalTemplate);

// Throws FormatError naming `source` and the class when the cache breaks a rule.
void validate_description_cache(const DescriptionCache& cache, const std::string& source,
                                const DescriptionCacheCheck& check = {});

std::string description_cache_to_json(const DescriptionCache& cache);
DescriptionCache parse_description_cache(const std::string& text, const std::string& source,
                                         const DescriptionCacheCheck& check = {});
DescriptionCache load_description_cache(const std::string& path, const DescriptionCacheCheck& check = {});
// Validates, then writes atomically.
void save_description_cache(const std::string& path, const DescriptionCache& cache);

// One JSON object per candidate set (class id/name, set index, selected flag, sentences,
// provenance): what `sfar describe show` prints.
std::vector<std::string> description_cache_json_lines(const DescriptionCache& cache,
                                                      const std::string& class_name = {});

// The current time as ISO 8601 UTC ("2024-05-01T12:00:00Z").
std::string utc_timestamp();

}  // namespace sfar::describe
