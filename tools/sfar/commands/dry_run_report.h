// What `sfar train --dry-run` adds to its JSON line besides parameter counts: the estimated
// training memory and a scan of the listed videos (sfar::engine's memory_estimate and
// dataset_scan), with warnings and errors logged as one summary line per list.
#pragma once

#include <torch/torch.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "sfar/core/error.h"
#include "sfar/core/logging.h"
#include "sfar/data/data_config.h"
#include "sfar/engine/memory_estimate.h"
#include "sfar/recipes/dataset_scan.h"
#include "sfar/recipes/sfar_run_config.h"

namespace sfar::cli {

inline nlohmann::json bytes_json(std::int64_t bytes) {
  return {{"bytes", bytes}, {"human", engine::human_bytes(bytes)}};
}

inline nlohmann::json memory_json(const engine::MemoryEstimate& e, const std::string& device) {
  nlohmann::json j = {{"micro_batch", e.micro_batch},
                      {"parameters", bytes_json(e.parameter_bytes)},
                      {"gradients", bytes_json(e.gradient_bytes)},
                      {"optimizer_states", bytes_json(e.optimizer_bytes)},
                      {"activations_measured", e.per_clip.measured},
                      {"method", "activations: CPU allocations of one fp32 clip's forward still held when it returns "
                                 "(saved for backward), times the micro-batch; optimizer: AdamW's two fp32 moments "
                                 "per trainable parameter"}};
  if (e.per_clip.measured) {
    j["activations_per_clip"] = bytes_json(e.per_clip.saved_bytes);
    j["peak_one_clip_forward_backward"] = bytes_json(e.per_clip.peak_bytes);
    j["activations"] = bytes_json(e.activation_bytes);
  } else {
    j["activations"] = nullptr;
    j["note"] = "activations are measured on CPU only (device " + device + ")";
  }
  j["total"] = bytes_json(e.total_bytes);
  return j;
}

inline nlohmann::json scan_json(const recipes::ListScan& s) {
  return {{"list", s.list}, {"videos", s.videos},   {"present", s.present},
          {"missing", s.missing}, {"empty", s.empty}, {"bad", s.bad}};
}

// Scans data.list and eval.list. Missing or empty files are a warning when the bad-file policy
// skips them, an error (IoError naming the list) under `raise` or when no file is usable.
inline nlohmann::json scan_dataset(const recipes::SfarRunConfig& config, const std::vector<std::string>& class_names) {
  nlohmann::json out = nlohmann::json::object();
  std::vector<std::pair<std::string, std::string>> lists = {{"train", config.data.list}};
  if (!config.eval.list.empty()) lists.emplace_back("eval", config.eval.list);
  for (const auto& [name, list] : lists) {
    data::DataConfig with_list = config.data;
    with_list.list = list;
    const auto scan = recipes::scan_list_files(data::load_records(with_list, class_names), config.data.root, list);
    out[name] = scan_json(scan);
    if (scan.ok()) {
      SFAR_LOG_INFO("dataset check {}", recipes::scan_summary(scan));
      continue;
    }
    if (config.data.bad_file_policy.kind == data::BadFilePolicy::Kind::kRaise || scan.present == 0) {
      throw IoError(list,
                    std::to_string(scan.missing) + " missing and " + std::to_string(scan.empty) + " empty of " +
                        std::to_string(scan.videos) + " listed videos" +
                        (scan.present == 0 ? " (none usable)" : " (data.bad_file_policy is raise)") + ", the first",
                    scan.bad.front());
    }
    SFAR_LOG_WARN("dataset check {}; training skips them (data.bad_file_policy {})", recipes::scan_summary(scan),
                  data::to_string(config.data.bad_file_policy));
  }
  return out;
}

}  // namespace sfar::cli
