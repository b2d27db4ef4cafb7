#include "sfar/describe/description_generator.h"

#include <algorithm>
#include <chrono>

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
    if (options.force) {
      c.candidates.erase(std::remove_if(c.candidates.begin(), c.candidates.end(),
                                        [](const CandidateSet& s) { return s.provenance.generator == kDescriptionGeneratorName; }),
                         c.candidates.end());
      c.failures.clear();
      c.selected.reset();
      c.tpp.reset();
    }
    std::vector<const QuestionPrompt*> missing;
    for (const auto& q : options.prompts.questions) {
      if (!has_candidate(c, q.id)) missing.push_back(&q);
    }
    if (missing.empty()) {
      ++report.skipped;
    } else {
      ++report.queried;
      ++progress.queried;
      try {
        for (const QuestionPrompt* q : missing) {
          if (stopped(options)) throw ChatError(ChatErrorKind::cancelled, c.name, "interrupted");
          ChatRequest request{options.prompts.system, options.prompts.user_message(c.name, *q), options.temperature,
                              options.seed};
          ++report.requests;
          drop_failures(c, q->id);
          try {
            const ChatAnswer answer = client.complete(request);
            CandidateSet set;
            set.sentences = parse_subtext_answer(answer.content, options.max_sentences);
            if (set.sentences.empty()) {
              throw ChatError(ChatErrorKind::bad_answer, client.options().endpoint,
                              "no sentence beginning \"This action is\" in the answer", answer.content);
            }
            set.provenance = {kDescriptionGeneratorName, client.options().endpoint, client.options().model, q->id,
                              request.user, request.system, request.temperature, request.seed, utc_timestamp(),
                              answer.request_sha256};
            // A new set invalidates an earlier selection of this class.
            c.selected.reset();
            c.tpp.reset();
            c.candidates.push_back(std::move(set));
          } catch (const ChatError& e) {
            if (e.kind() != ChatErrorKind::bad_answer) throw;
            c.failures.push_back({q->id, e.what(), utc_timestamp()});
            report.failures.push_back(c.name + ": " + q->id + ": " + e.what());
          }
        }
      } catch (const ChatError& e) {
        save_description_cache(cache_path, cache);  // keep what this class got so far
        if (e.kind() != ChatErrorKind::cancelled) throw;
        report.interrupted = true;
        break;
      }
      save_description_cache(cache_path, cache);
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
