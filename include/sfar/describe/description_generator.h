// Filling a description cache from an LLM: for every class, each question prompt is sent once
// and its answer becomes one candidate sub-text set. Incremental and resumable: a question
// that already has a candidate set is never sent again (unless `force`), and the cache is
// saved atomically after every class, so an interruption loses at most the class in flight.
// A malformed or refused answer is recorded as a failure of that class (retried next run);
// a refused client (401/403/404) or an endpoint that stays down stops the run. With `force`
// a class's earlier sets are replaced only when all its new ones arrived: a refresh that
// fails part-way leaves the class (sets, selection, failures) as it was, and the answers it
// did get are dropped.
//
//   ChatClient client(chat_options);
//   auto report = generate_descriptions(cache, "k400.json", client, {.stop = &interrupted});
#pragma once

#include <atomic>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "sfar/describe/chat_client.h"
#include "sfar/describe/description_cache.h"
#include "sfar/describe/prompt_set.h"

namespace sfar::describe {

inline constexpr const char* kDescriptionGeneratorName = "sfar describe generate";

struct DescriptionProgress {
  std::size_t done = 0;     // classes finished (skipped or queried)
  std::size_t total = 0;
  std::size_t queried = 0;  // classes that needed requests
  double elapsed_s = 0;
  std::string class_name;   // the class just finished
};

struct DescriptionGeneratorOptions {
  PromptSet prompts = default_prompt_set();
  std::optional<double> temperature = 0.7;
  std::optional<std::int64_t> seed;
  bool force = false;               // re-query classes that already have candidate sets (see above)
  std::size_t max_sentences = 4;    // sentences kept per answer
  const std::atomic<bool>* stop = nullptr;  // checked between requests
  std::function<void(const DescriptionProgress&)> on_progress;
};

struct DescriptionGenerationReport {
  std::size_t classes = 0;
  std::size_t skipped = 0;        // already complete
  std::size_t queried = 0;
  std::size_t requests = 0;
  std::vector<std::string> failures;  // "class: prompt: message"
  std::vector<std::string> kept;      // classes whose `force` refresh failed: earlier sets kept
  bool interrupted = false;
};

// Runs the generation, saving `cache` to `cache_path` after every class. Throws ChatError
// (fatal or transport) after saving the progress made.
DescriptionGenerationReport generate_descriptions(DescriptionCache& cache, const std::string& cache_path,
                                                  ChatClient& client, const DescriptionGeneratorOptions& options);

}  // namespace sfar::describe
