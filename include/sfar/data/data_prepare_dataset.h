// A whole dataset through `sfar data prepare`: every list a config names is mapped onto one set
// of prepared videos under `<out>/videos` (a video named by two lists is prepared once), the
// videos are prepared in parallel, and then `<out>` gets one path_label list per input list, a
// data.yaml that points a run at them, and provenance.json (settings, sources, sfar version,
// bad files). The lists are written last, so a killed run leaves no list that names a video
// not yet made. Two runs on one `<out>` at once are refused (a lock file).
//
//   PrepareDatasetRequest request;
//   request.root = "/data/hmdb51"; request.out = "/fast/hmdb51_256";
//   request.lists = {{"train", "splits/train1.txt", train_records}};
//   PrepareDatasetResult result = prepare_dataset(request);
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "sfar/data/bad_file_policy.h"
#include "sfar/data/data_prepare.h"
#include "sfar/data/video_list.h"

namespace sfar::data {

struct PrepareListInput {
  std::string name;  // "train", "eval": the prepared list is <out>/<name>.txt
  std::string list;  // the source list, as the config names it (for provenance)
  std::vector<VideoRecord> records;
};

struct PrepareDatasetRequest {
  std::string root;  // the source dataset root (record paths are relative to it)
  std::vector<PrepareListInput> lists;
  std::string out;
  PrepareSettings settings;
  BadFilePolicy policy;
  std::int64_t workers = 0;  // 0: one per core
  std::string labels;        // the class-name file the config names; empty: none
  bool multi_label = false;
  std::string sfar_version;
  std::vector<std::string> config_files;  // for provenance
};

struct PreparedListSummary {
  std::string name;
  std::string path;          // the prepared list
  std::int64_t records = 0;  // in the source list
  std::int64_t kept = 0;     // in the prepared list
  std::int64_t dropped = 0;  // bad files left out
};

struct PrepareDatasetResult {
  PrepareRun run;
  std::vector<PreparedListSummary> lists;
  std::int64_t videos = 0;         // distinct videos named by the lists
  std::int64_t source_bytes = 0;   // of the videos that prepared
  std::int64_t prepared_bytes = 0;
  std::int64_t stale_temporaries_removed = 0;
  std::string data_yaml;
  std::string provenance;
};

// Where record `path` goes under `videos_dir`: the same relative path, its extension replaced
// by the codec's. Absolute paths go under "abs/"; a path that climbs out of the root ("..")
// is an ArgumentError naming `origin`.
std::string prepared_output_path(const std::string& path, const std::string& videos_dir,
                                 const PrepareSettings& settings, const std::string& origin);

// The jobs for `request`, one per distinct source; ArgumentError naming both lines when two
// sources would share an output, or for a trimmed record (start/end frames), which a
// path_label list cannot carry.
std::vector<PrepareJob> plan_prepare_jobs(const PrepareDatasetRequest& request);

PrepareDatasetResult prepare_dataset(const PrepareDatasetRequest& request,
                                     const std::function<void(std::int64_t, std::int64_t)>& progress = {});

}  // namespace sfar::data
