// `sfar protocol`: the paper's evaluation protocols, each run from one config with the SFAR
// training engine in-process (run_training, evaluate_checkpoint), one sub work dir per
// K / seed / target, and one ProtocolReport at the end.
//
//   supervised     seed<s>/                 train on data.list, test on eval.list (top1, top5;
//                                           mAP for multi-label sets, data.multi_label)
//   few-shot       K<K>/seed<s>/            per K: protocol.few_shot.list_pattern, or K per class drawn
//                                           from data.list (written to the run dir), cycled to the full
//                                           list's length (repeat_to_full, train_epoch_<K>.txt); test on
//                                           eval.list, or on each of eval_lists (K<K>/seed<s>/eval_<i>_<stem>)
//   zero-shot      seed<s>/source, seed<s>/<target>   train on the source, then evaluate every target
//                  <target>/ with one checkpoint: evaluation only; with one checkpoint per
//                  seed (e.g. the supervised runs'): seed<s>/<target>, evaluation only
//   base-to-novel  seed<s>/base, seed<s>/novel        train on base classes; base, novel, HM
//
// Training runs are tested on their evaluation list after every epoch; protocol.report picks the
// epoch a cell reports (best, the peers' convention, or last) and the weights later evaluations
// use (best.pt or the last step's). Every evaluation builds the text bank of the classes it tests
// (the target's names and descriptions), so the model never scores videos against the source's
// classes.
//
//   auto report = run_protocol(ProtocolKind::kFewShot, config, {.work_dir = "runs/fs", .seeds = {0}});
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "sfar/engine/progress.h"
#include "sfar/recipes/protocol_report.h"
#include "sfar/recipes/sfar_run_config.h"

namespace sfar::recipes {

enum class ProtocolKind { kSupervised, kFewShot, kZeroShot, kBaseToNovel };

// "supervised", "few-shot", "zero-shot", "base-to-novel" (protocol_table()); ArgumentError otherwise.
ProtocolKind parse_protocol_kind(const std::string& name);
const std::string& to_string(ProtocolKind kind);

struct ProtocolOptions {
  std::string work_dir;             // the protocol's directory (results.json, sub work dirs)
  std::vector<std::int64_t> seeds;  // empty: protocol.seeds
  std::vector<std::string> checkpoints;  // zero-shot only: evaluate these, train nothing: one,
                                         // or one per seed (in the order of the seeds)
  engine::ProgressBar* progress = nullptr;   // one bar over every run of the protocol (optional)
};

// Checks the protocol's section of `config` (the keys `kind` reads) and throws ConfigError
// naming the key: report best or last, shots >= 1 and a "{K}" in list_pattern, full_length with
// list_pattern and repeat_to_full, targets with unique names, base and novel class files.
// Called by run_protocol before anything trains.
void validate_protocol(ProtocolKind kind, const SfarRunConfig& config);

// One row per protocol (protocol_kinds.cpp): the command's argument, the results directory that
// `sfar report` reads, what its checks, its runs and its columns are. Every enumerator has one.
struct ProtocolEntry {
  std::string name;  // "few-shot": `sfar protocol few-shot`, <method dir>/few-shot/results.json
  ProtocolKind value;
  const char* description;  // for help texts
  // The keys of config.protocol this protocol reads (beyond the seeds); ConfigError naming the key.
  void (*validate)(const SfarRunConfig& config);
  // Every run of the protocol into report.columns and report.runs (options.work_dir is set).
  void (*run)(const SfarRunConfig& config, const ProtocolOptions& options, const std::vector<std::int64_t>& seeds,
              ProtocolReport& report);
  // What the results column `column` ("K=4", a target group, "HM") measures, for the report page
  // ("after training on 4 videos per class, on the full test list"); empty for a column it never writes.
  std::string (*measures)(const std::string& column);
  bool evaluates_checkpoints;  // takes --checkpoint (evaluation only, nothing trained)
};
const std::vector<ProtocolEntry>& protocol_table();

// Runs the protocol and writes results.json / results.md into options.work_dir.
ProtocolReport run_protocol(ProtocolKind kind, const SfarRunConfig& config, const ProtocolOptions& options);

}  // namespace sfar::recipes
