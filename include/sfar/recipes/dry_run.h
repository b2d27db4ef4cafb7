// `sfar train --dry-run`: the run's scaffold up to the task (runtime, model, text bank, loaders;
// no run directory is written), then one training batch's forward and backward, the parameter
// counts, the estimated training memory and a scan of the listed videos, as one JSON object.
//
//   DryRunResult r = dry_run(load_sfar_run_config({"run.yaml"}));
//   print(r.line);  return r.finite_loss ? 0 : 1;
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "sfar/engine/memory_estimate.h"
#include "sfar/method/sfar_model.h"
#include "sfar/recipes/dataset_scan.h"
#include "sfar/recipes/sfar_run_config.h"

namespace sfar::recipes {

struct DryRunResult {
  nlohmann::json line;       // dry_run, device, classes, videos, parameters, loss, memory, dataset
  bool finite_loss = false;  // the batch's loss is finite (else the command exits 1)
};

DryRunResult dry_run(const SfarRunConfig& config);

// {"<part>": {"total", "trainable", "frozen"}} of method::count_parameters.
nlohmann::json parameter_json(const method::SfarModelImpl& model);

// The memory estimate with bytes and human-readable sizes; activations are null (with a note)
// where they were not measured (off the CPU).
nlohmann::json memory_json(const engine::MemoryEstimate& estimate, const std::string& device);

nlohmann::json scan_json(const ListScan& scan);

// Scans data.list and eval.list: {"train": scan, "eval": scan}. Missing or empty files are a
// warning (one summary line per list) when the bad-file policy skips them, an IoError naming the
// list under `raise` or when no file is usable.
nlohmann::json scan_dataset(const SfarRunConfig& config, const std::vector<std::string>& class_names);

}  // namespace sfar::recipes
