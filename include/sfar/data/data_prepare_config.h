// `sfar data prepare` from a config: the request for every list the config names (data.list and
// eval.list) and the summary it prints. data_prepare_dataset.h does the work.
//
//   const auto request = prepare_request_from_config({"configs/x.yaml"}, {}, "prepared", {}, version);
//   std::cout << prepare_summary_json(request, prepare_dataset(request)) << "\n";
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sfar/data/data_prepare_dataset.h"

namespace sfar::data {

struct PrepareCommandOptions {
  std::string codec = "h264";     // prepare_codecs(); an unknown name names --codec
  std::int64_t short_side = -1;   // < 0: the config's data.short_side
  std::int64_t quality = 18;      // [0, 51], named --quality
  std::int64_t gop = 8;           // >= 1, named --gop
  std::int64_t workers = 0;       // 0: one per core
};

// Reads the config's data: section and eval.list. A relative list or label file that does not
// exist as written is looked up under data.root, as a run does. ArgumentError naming --config
// when `configs` is empty.
PrepareDatasetRequest prepare_request_from_config(const std::vector<std::string>& configs,
                                                  const std::vector<std::string>& overrides, const std::string& out,
                                                  const PrepareCommandOptions& options,
                                                  const std::string& sfar_version);

// The JSON summary: command, videos, prepared, redone, current, bad (path and reason each),
// seconds, source_bytes, prepared_bytes, size_ratio (prepared / source; 0 when no source bytes),
// stale_temporaries_removed, settings, lists (name, list, records, kept, dropped each), config
// and provenance.
std::string prepare_summary_json(const PrepareDatasetRequest& request, const PrepareDatasetResult& result);

}  // namespace sfar::data
