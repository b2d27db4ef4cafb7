// The results of `sfar protocol`: one row of a paper table (a column per K, per target group,
// or base/novel/HM), each cell the mean +- standard deviation over its runs (seeds or splits),
// written as results.json and results.md in the protocol's work dir.
//
//   ProtocolReport r{"few-shot", "sfar_hmdb51", "top1"};
//   r.columns.push_back({"K=2", {64.1, 63.9}});
//   write_protocol_report("runs/fs", r);   // results.json, results.md
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace sfar::recipes {

struct MeanStd {
  double mean = 0;
  double std = 0;  // population standard deviation (divides by n), 0 for one value
  std::int64_t count = 0;
};

// Mean and population standard deviation. ArgumentError on an empty list.
MeanStd mean_std(const std::vector<double>& values);

// 2ab / (a + b); 0 when a + b == 0. ArgumentError for negative inputs.
double harmonic_mean(double a, double b);

struct ProtocolColumn {
  std::string name;            // "K=2", "HMDB51", "base", "HM"
  std::vector<double> values;  // one per run (seed, split)
  // A cell derived from other columns' means (the harmonic mean of mean base and mean novel
  // accuracy, as CoOp and ViFi-CLIP report it) instead of the mean of `values`.
  std::optional<double> derived;
};

// One evaluation after an epoch of training.
struct EpochEval {
  std::int64_t epoch = 0;  // 0-based, as metrics.jsonl writes it
  std::map<std::string, double> metrics;
};

// One training or evaluation run of the protocol.
struct ProtocolRun {
  std::string column;
  std::int64_t seed = 0;
  std::string work_dir;
  std::map<std::string, double> metrics;     // the reported evaluation (protocol.report's epoch)
  std::map<std::string, std::string> files;  // e.g. {"train_list": ".../train_few_shot_2.txt"}
  // Training runs tested after every epoch: the best epoch's and the last epoch's evaluation.
  std::optional<EpochEval> best, last;
  std::int64_t steps_per_epoch = 0;  // training runs: optimizer steps per epoch; 0: evaluation only
};

struct ProtocolReport {
  std::string protocol;  // supervised | few-shot | zero-shot | base-to-novel
  std::string row;       // the run's name, the table row
  std::string metric;    // the metric in the cells, e.g. top1 (mAP for multi-label sets)
  std::string report;    // the epoch training runs report: best | last (protocol.report)
  std::vector<ProtocolColumn> columns;
  std::vector<ProtocolRun> runs;
};

// The cell text: "64.0" for one value or a derived cell, "56.6 ± 1.2" for several.
std::string format_cell(const ProtocolColumn& column);

// A markdown table: header "| method | <columns> |", a separator and the row.
std::string protocol_markdown(const ProtocolReport& report);

// JSON (one line): protocol, row, metric, report, columns [{name, mean, std, n, values}], runs
// [{column, seed, work_dir, metrics, files, and for training runs steps_per_epoch, best and last
// ({epoch, metrics})}].
std::string protocol_json(const ProtocolReport& report);

// Writes results.json and results.md into `dir` atomically. Throws IoError.
void write_protocol_report(const std::string& dir, const ProtocolReport& report);

}  // namespace sfar::recipes
