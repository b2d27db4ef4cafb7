// Checkpoint files: LibTorch archives written atomically (temporary file, fsync, rename), a
// directory that keeps the last K step checkpoints plus best.pt, and the search for the
// newest checkpoint that still loads (a truncated newest file is skipped, not fatal).
//
//   CheckpointDir dir(work_dir + "/checkpoints", /*keep_last=*/3);
//   dir.save(archive_bytes(archive), step);
//   if (auto path = dir.newest_valid(&skipped)) trainer.load_checkpoint(*path);
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace sfar::engine {

// The format tag every sfar training checkpoint carries under key "format".
inline constexpr const char* kCheckpointFormat = "sfar-train-1";

// The key layout of a training checkpoint (docs/checkpoint_format.md): every top-level key the
// Trainer writes, and that resume, sfar eval, infer and export read, is named here once.
namespace checkpoint_key {
inline constexpr const char* kFormat = "format";                // kCheckpointFormat
inline constexpr const char* kGlobalStep = "global_step";       // optimizer steps taken
inline constexpr const char* kEpoch = "epoch";
inline constexpr const char* kStepsPerEpoch = "steps_per_epoch";
inline constexpr const char* kNonfiniteInARow = "nonfinite_in_a_row";
inline constexpr const char* kSkippedSteps = "skipped_steps";
inline constexpr const char* kConfig = "config";                // the resolved config's text
inline constexpr const char* kConfigHash = "config_hash";
inline constexpr const char* kHasBest = "has_best";
inline constexpr const char* kBestMetric = "best_metric";
inline constexpr const char* kBestStep = "best_step";           // global_step of best.pt (absent before it was kept)
inline constexpr const char* kModel = "model";                  // named tensors (write_named_tensors)
inline constexpr const char* kOptimizerState = "optimizer_state";  // write_adamw_state
inline constexpr const char* kOptimizerLegacy = "optimizer";    // LibTorch's Optimizer::save (older checkpoints)
inline constexpr const char* kScaler = "scaler";
inline constexpr const char* kEma = "ema";
inline constexpr const char* kRngCpu = "rng_cpu";
inline constexpr const char* kCudaDevices = "cuda_devices";
inline constexpr const char* kRngCudaPrefix = "rng_cuda_";      // + device index
inline constexpr const char* kRngLoop = "rng_loop";
inline constexpr const char* kTaskState = "task_state";
}  // namespace checkpoint_key

// The bytes of a serialized archive.
std::string archive_bytes(torch::serialize::OutputArchive& archive);

// Loads an archive; a missing file is an IoError, a truncated or corrupt one a FormatError,
// both naming the path. Every zip record is first checked against its CRC-32
// (core/file_integrity.h), so a flipped byte anywhere is an error, not changed weights. Checks
// the format tag.
torch::serialize::InputArchive load_checkpoint_archive(const std::string& path);

// Named tensors in an archive. Archive keys may not hold dots, so tensors go under "0",
// "1", ... and their names into "names"; read_named_tensors returns them in that order.
void write_named_tensors(torch::serialize::OutputArchive& archive,
                         const torch::OrderedDict<std::string, torch::Tensor>& tensors);
torch::OrderedDict<std::string, torch::Tensor> read_named_tensors(
    torch::serialize::InputArchive& archive);

// AdamW's state by position (group i, parameter j), in place of LibTorch's Optimizer::save,
// whose keys are parameter addresses written one way by LibTorch 1.x (hex text) and read
// another from 2.2 on (decimal): there a 1.13 checkpoint would lose its moments. By position,
// a checkpoint moves between LibTorch versions and devices unchanged. Per group: lr,
// weight_decay, eps, betas, amsgrad and the number of parameters; per parameter with state:
// step and the moments (max_exp_avg_sq with amsgrad).
void write_adamw_state(torch::serialize::OutputArchive& archive, const torch::optim::AdamW& optimizer);

// Restores what write_adamw_state wrote into an optimizer over the same parameters (same groups,
// counts and shapes), moments on each parameter's device. Everything is checked before
// anything changes: a mismatch is a ModelError, a malformed archive a FormatError, both naming
// `where` and the group/parameter.
void read_adamw_state(torch::serialize::InputArchive& archive, torch::optim::AdamW& optimizer,
                      const std::string& where);

// Copies the "model" tensors of the checkpoint at `path` into `model` (sfar eval, infer and
// the protocols' evaluation-only runs). Every name and shape is checked before anything is
// copied: a missing tensor or a shape mismatch is a ModelError naming the file and tensor,
// and the model is then unchanged. Returns the checkpoint's global step (the optimizer steps
// its weights were trained for).
std::int64_t load_model_weights(torch::nn::Module& model, const std::string& path);

// 16 hex digits of the 64-bit FNV-1a hash of `text` (identifies a run's resolved config).
std::string config_hash(const std::string& text);

class CheckpointDir {
 public:
  CheckpointDir(std::string dir, std::int64_t keep_last);

  // Writes step_<step>.pt atomically, then deletes the oldest step checkpoints beyond
  // keep_last. Returns the path written.
  std::string save(const std::string& bytes, std::int64_t step);
  // Writes best.pt atomically. Returns its path.
  std::string save_best(const std::string& bytes);
  std::string best_path() const;
  // Makes best.pt a copy of `source`, the checkpoint of the best step, unless it already is one
  // byte for byte. A process killed between writing a step checkpoint and best.pt leaves best.pt
  // at an older epoch while the checkpoint records the new best; resume repairs it with this.
  // `source` is checked (CRC-32s) before it is copied. Returns true when best.pt was written.
  bool sync_best(const std::string& source) const;

  // Step checkpoints present, oldest first (by step number).
  std::vector<std::string> list() const;
  // The newest step checkpoint that loads; every newer file that does not load is appended
  // to `skipped` as "path: reason". nullopt when none loads.
  std::optional<std::string> newest_valid(std::vector<std::string>* skipped = nullptr) const;
  // Deletes the temporary files of checkpoint writes that never finished (a killed process
  // leaves ".step_*.pt.tmp*" / ".best.pt.tmp*"); they are never loaded, only wasted disk.
  // Returns the paths deleted.
  std::vector<std::string> remove_partial_writes() const;

  const std::string& dir() const { return dir_; }
  std::string path_for_step(std::int64_t step) const;

 private:
  std::string dir_;
  std::int64_t keep_last_;
};

}  // namespace sfar::engine
