#include "sfar/describe/description_generator.h"

#include <algorithm>
#include <chrono>
#include <exception>

#include "sfar/core/logging.h"
#include "sfar/describe/subtext_parser.h"

namespace sfar::describe {
namespace {

bool has_candidate(const ClassDescriptions& c, const std::string& prompt_id) {
  return std::any_of(c.candidates.begin(), c.candidates.end(), [&](const CandidateSet& set) {
    return set.provenance.generator == kDescriptionGeneratorName && set.provenance.prompt_id == prompt_id;
  });
}

void drop_failures(ClassDescriptions& c, const std::string& prompt_id) {
  c.failures.erase(std::remove_if(c.failures.begin(), c.failures.end(),
                                  [&](const GenerationFailure& f) { return f.prompt_id == prompt_id; }),
                   c.failures.end());
}

bool stopped(const DescriptionGeneratorOptions& options) { return options.stop && options.stop->load(); }

void drop_generated(ClassDescriptions& c) {
  c.candidates.erase(std::remove_if(c.candidates.begin(), c.candidates.end(),
                                    [](const CandidateSet& s) { return s.provenance.generator == kDescriptionGeneratorName; }),
                     c.candidates.end());
  c.failures.clear();
  c.selected.reset();
  c.tpp.reset();
}

// One question's answer as a candidate set. Throws ChatError (bad_answer for an unusable answer).
CandidateSet ask(ChatClient& client, const ChatRequest& request, const QuestionPrompt& q,
                 const DescriptionGeneratorOptions& options) {
  const ChatAnswer answer = client.complete(request);
  if (answer.echoed_api_key) {
    throw ChatError(ChatErrorKind::bad_answer, client.source(), "the answer holds the API key; not stored",
                    answer.content);
  }
  CandidateSet set;
  set.sentences = parse_subtext_answer(answer.content, options.max_sentences);
  if (set.sentences.empty()) {
    throw ChatError(ChatErrorKind::bad_answer, client.source(),
                    "no sentence beginning \"This action is\" in the answer", answer.content);
  }
  set.provenance = {kDescriptionGeneratorName, client.source(), client.options().model, q.id, request.user,
                    request.system, request.temperature, request.seed, utc_timestamp(), answer.request_sha256};
  return set;
}

// Asks `c` every question it has no set for. A bad answer becomes a failure of `c` (and of
// the report); other ChatErrors propagate, leaving in `c` what was answered before.
void ask_missing(ClassDescriptions& c, ChatClient& client, const DescriptionGeneratorOptions& options,
                 const std::vector<const QuestionPrompt*>& missing, DescriptionGenerationReport& report) {
  for (const QuestionPrompt* q : missing) {
    if (stopped(options)) throw ChatError(ChatErrorKind::cancelled, c.name, "interrupted");
    const ChatRequest request{options.prompts.system, options.prompts.user_message(c.name, *q), options.temperature,
                              options.seed};
    ++report.requests;
    drop_failures(c, q->id);
    try {
      CandidateSet set = ask(client, request, *q, options);
      // A new set invalidates an earlier selection of this class.
      c.selected.reset();
      c.tpp.reset();
      c.candidates.push_back(std::move(set));
    } catch (const ChatError& e) {
      if (e.kind() != ChatErrorKind::bad_answer) throw;
      c.failures.push_back({q->id, e.what(), utc_timestamp()});
      report.failures.push_back(c.name + ": " + q->id + ": " + e.what());
      // Said when it happens: a run that later stops on an error prints no report.
      SFAR_LOG_WARN("{}: {}: {}", c.name, q->id, e.what());
    }
  }
}

}  // namespace

DescriptionGenerationReport generate_descriptions(DescriptionCache& cache, const std::string& cache_path,
                                                  ChatClient& client, const DescriptionGeneratorOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  DescriptionGenerationReport report;
  report.classes = cache.classes.size();
  DescriptionProgress progress;
  progress.total = cache.classes.size();
  for (ClassDescriptions& c : cache.classes) {
    if (stopped(options)) {
      report.interrupted = true;
      break;
    }
    // The class is rebuilt in a copy. Without `force` the copy always replaces it (partial
    // progress is kept); with `force` only a complete refresh does, so that the sets paid for
    // earlier survive a failing endpoint.
    ClassDescriptions fresh = c;
    if (options.force) drop_generated(fresh);
    std::vector<const QuestionPrompt*> missing;
    for (const auto& q : options.prompts.questions) {
      if (!has_candidate(fresh, q.id)) missing.push_back(&q);
    }
    if (missing.empty()) {
      ++report.skipped;
    } else {
      ++report.queried;
      ++progress.queried;
      std::exception_ptr error;
      bool cancelled = false;
      try {
        ask_missing(fresh, client, options, missing, report);
      } catch (const ChatError& e) {
        error = std::current_exception();
        cancelled = e.kind() == ChatErrorKind::cancelled;
      }
      if (!options.force || (!error && fresh.failures.empty())) {
        c = std::move(fresh);
      } else {
        report.kept.push_back(c.name);
      }
      save_description_cache(cache_path, cache);
      if (error && !cancelled) std::rethrow_exception(error);
      if (cancelled) {
        report.interrupted = true;
        break;
      }
    }
    ++progress.done;
    progress.class_name = c.name;
    progress.elapsed_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (options.on_progress) options.on_progress(progress);
  }
  if (report.queried == 0) save_description_cache(cache_path, cache);
  return report;
}

}  // namespace sfar::describe
