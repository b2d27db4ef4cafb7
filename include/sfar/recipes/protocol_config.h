// The `protocol:` section of a run config: what `sfar protocol` needs beyond one training run
// (few-shot K values and split files, zero-shot targets, base/novel class splits, seeds).
// `sfar train` ignores it. Strings may hold placeholders: "{K}" (few-shot shots) and "{seed}"
// (base-to-novel files).
//
//   protocol:
//     seeds: [0]
//     report: best        # best | last: the epoch whose evaluation a training run reports
//     few_shot: {shots: [2, 4, 8, 16], list_pattern: train1_few_shot_{K}.txt, repeat_to_full: true,
//                full_length: 3570, eval_lists: [val1.txt, val2.txt, val3.txt]}
//     zero_shot:
//       root: ""          # the targets' dataset root (empty: data.root); --set protocol.zero_shot.root=...
//       targets:
//         - {name: hmdb51_split1, group: HMDB51, list: val1.txt, labels: hmdb51_labels.csv,
//            descriptions: hmdb51_descriptions.json}
//     base_to_novel:
//       train_list_pattern: fs_base_s{seed}_train.txt
//       base_labels: base_labels.csv
//       base_list: base_val.txt
//       novel_labels: novel_labels.csv
//       novel_list: novel_val.txt
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sfar/core/config_archive.h"
#include "sfar/data/video_list.h"

namespace sfar::recipes {

// `protocol.report`: which epoch of a training run its cell reports (see protocol_epochs.h).
enum class ReportEpoch { kBest, kLast };
inline const cfg::NamedValues<ReportEpoch>& report_epoch_names() {
  static const cfg::NamedValues<ReportEpoch> names = {{"best", ReportEpoch::kBest}, {"last", ReportEpoch::kLast}};
  return names;
}
const std::string& to_string(ReportEpoch report);

// `protocol.few_shot:` train on K videos per class for each K, test on eval.list (or on each of
// eval_lists).
struct FewShotConfig {
  std::vector<std::int64_t> shots = {2, 4, 8, 16};
  // Split file per K, e.g. "train1_few_shot_{K}.txt" (relative: under data.root). Empty: draw K
  // videos per class from data.list with the run seed and write the list into the run directory.
  std::string list_pattern;
  // Cycle the K-shot list to the full training list's length, so that an epoch has as many
  // optimizer steps as a full one (BIKE and ViFi-CLIP do this; without it HMDB51 K=2, 102 videos,
  // trains 10 epochs at batch 32 in 30 steps). false: each epoch is the K-shot list once.
  bool repeat_to_full = true;
  // The full training list's video count (e.g. 3570, HMDB51 split 1). 0: the length of data.list,
  // which is the full list when the K videos are drawn from it; with list_pattern and
  // repeat_to_full it must be given, since data.list is then not the full list.
  std::int64_t full_length = 0;
  // Several test lists (relative: under data.root), e.g. HMDB51's val1..3: the trained model is
  // tested on each and the cell is the mean +- std over all (seed, list) results. Epochs are
  // selected on the first. Empty: eval.list.
  std::vector<std::string> eval_lists;

  template <class A>
  void visit(A& a) {
    a("shots", shots, cfg::at_least(1));
    a("list_pattern", list_pattern);
    a("repeat_to_full", repeat_to_full);
    a("full_length", full_length, cfg::non_negative());
    a("eval_lists", eval_lists);
  }
};

// One zero-shot evaluation set: its own videos, class names and (for sub-text heads) descriptions.
// The list formats' names, or empty for "as data.format".
inline cfg::Constraint format_or_empty() {
  std::vector<std::string> names = {""};
  for (const auto& format : data::video_list_formats()) names.emplace_back(format.name);
  return cfg::one_of(std::move(names));
}

struct ZeroShotTarget {
  std::string name;          // its sub work dir and row in results.json
  std::string group;         // targets of one group (e.g. three splits) report mean +- std; empty: name
  std::string root;          // empty: protocol.zero_shot.root, then data.root
  std::string list;
  std::string labels;        // the TARGET's class names
  std::string format;        // a name of data::video_list_formats(); empty: data.format
  std::string descriptions;  // description cache of the target's classes; empty: none

  template <class A>
  void visit(A& a) {
    a("name", name, cfg::non_empty());
    a("group", group);
    a("root", root);
    a("list", list, cfg::non_empty());
    a("labels", labels, cfg::non_empty());
    a("format", format, format_or_empty());
    a("descriptions", descriptions);
  }
};

// `protocol.zero_shot:` train on the source (data.*), evaluate on every target.
struct ZeroShotConfig {
  std::string root;  // default root of the targets
  std::vector<ZeroShotTarget> targets;

  template <class A>
  void visit(A& a) {
    a("root", root);
    a("targets", targets);
  }
};

// `protocol.base_to_novel:` train on base classes, test on base and on novel classes.
struct BaseToNovelConfig {
  std::string train_list_pattern;  // e.g. fs_base_s{seed}_train.txt; empty: data.list
  std::string base_labels;         // empty: data.labels
  std::string base_list;           // empty: eval.list
  std::string base_descriptions;   // empty: descriptions.cache
  std::string novel_labels;
  std::string novel_list;
  std::string novel_descriptions;

  template <class A>
  void visit(A& a) {
    a("train_list_pattern", train_list_pattern);
    a("base_labels", base_labels);
    a("base_list", base_list);
    a("base_descriptions", base_descriptions);
    a("novel_labels", novel_labels);
    a("novel_list", novel_list);
    a("novel_descriptions", novel_descriptions);
  }
};

struct ProtocolConfig {
  std::vector<std::int64_t> seeds = {0};  // run.seed of each repetition (`--seeds` overrides)
  // Which epoch a training run reports, both chosen on the evaluation list it is tested on after
  // every epoch: best (the peers' convention; its weights, best.pt, are also what zero-shot
  // targets and novel classes are tested with) or last. results.json keeps both.
  ReportEpoch report = ReportEpoch::kBest;
  FewShotConfig few_shot;
  ZeroShotConfig zero_shot;
  BaseToNovelConfig base_to_novel;

  template <class A>
  void visit(A& a) {
    a("seeds", seeds, cfg::non_negative());
    a("report", report, report_epoch_names());
    a("few_shot", few_shot);
    a("zero_shot", zero_shot);
    a("base_to_novel", base_to_novel);
  }
};

// `text` with every "{key}" replaced by `value`.
std::string expand_placeholder(const std::string& text, const std::string& key, const std::string& value);

}  // namespace sfar::recipes
