// A run's directory: the resolved config, environment.json (versions, device, host, git
// commit), the text log (log.txt, via init_logging) and metrics.jsonl, one JSON object per
// line: {"kind":"train","step":..,"epoch":..,"loss":..,"lr":..,"samples_per_s":..,
// "max_rss_mb":..,...} per logging interval and {"kind":"eval","epoch":..,"step":..,<metric>:..}
// per evaluation. A resumed run first drops the records after its step (truncate_metrics), then appends. Every
// scalar of those lines also goes to a TensorBoard event file (events.out.tfevents.<time>.<host>)
// as train/<name> and eval/<name>, flushed after each evaluation.
//
//   RunDir run({.work_dir = "runs/k400", .config_text = yaml, .device = "cuda", .threads = 8,
//               .libtorch_version = compat::torch_version()});
//   run.log_train({.step = 20, .epoch = 0, .loss = 3.2, .lr = 1e-6, .samples_per_s = 310});
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace sfar::engine {

struct RunDirOptions {
  std::string work_dir;
  std::string config_text;          // saved as resolved.yaml (skipped when empty)
  std::string device = "cpu";
  std::string libtorch_version;     // sfar::compat::torch_version() (this file stays LibTorch-free)
  std::int64_t threads = 0;
  std::string log_level = "info";
  bool log_to_file = true;          // re-initialises sfar's logger with a log.txt sink
  bool tensorboard = true;          // also write the metrics as TensorBoard events
};

struct TrainMetrics {
  std::int64_t step = 0;            // optimizer steps done
  std::int64_t epoch = 0;           // 0-based
  double loss = 0;                  // mean over the interval's finite steps
  double lr = 0;                    // peak group's lr at the last step
  double samples_per_s = 0;
  double grad_norm = 0;             // before clipping, last step (0 when not computed)
  std::int64_t skipped_steps = 0;   // non-finite steps in the interval
  double loss_scale = 0;            // fp16 only
  std::map<std::string, std::int64_t> counters;  // the task's running totals (bad_files, ...)
};

// What RunDir::truncate_metrics changed.
struct MetricsRepair {
  std::string path;              // metrics.jsonl
  std::int64_t dropped = 0;      // records of later steps (and lines that are not a JSON object) removed
  bool torn = false;             // the file ended inside a line, which was cut
};

class EventFileWriter;

class RunDir {
 public:
  // Creates the directory and writes resolved.yaml and environment.json. Throws IoError.
  explicit RunDir(const RunDirOptions& options);
  ~RunDir();

  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const;
  std::string checkpoint_dir() const { return file("checkpoints"); }
  // This process's TensorBoard event file; empty when tensorboard is off.
  std::string event_file() const;

  void log_train(const TrainMetrics& metrics);
  void log_eval(std::int64_t epoch, std::int64_t step, const std::map<std::string, double>& metrics);
  // Before a resumed run appends: keeps the records up to `step` (the resumed step) and drops
  // those after it, which the run is about to redo, and cuts a last line that a kill left
  // without its newline. Rewrites the file atomically when anything changes.
  MetricsRepair truncate_metrics(std::int64_t step);

 private:
  void append_metrics_line(const std::string& line);
  std::string path_;
  std::unique_ptr<EventFileWriter> events_;
};

// One evaluation line of metrics.jsonl (RunDir::log_eval); a null (non-finite) figure reads NaN.
struct EvalLine {
  std::int64_t epoch = 0, step = 0;
  std::map<std::string, double> metrics;
};
// The evaluation lines of a run's metrics.jsonl in file order, one per epoch: a resumed run that
// evaluated an epoch again keeps the later line. IoError/FormatError name the file and line.
std::vector<EvalLine> read_eval_lines(const std::string& metrics_path);

// environment.json's content: sfar and LibTorch versions, device, threads, host, the git commit
// sfar was built from (build_info.h, whatever the current directory) and the CPU model.
std::string environment_json(const RunDirOptions& options);

// Peak resident memory of this process in MiB (getrusage).
double max_rss_mb();

}  // namespace sfar::engine
