// The dry run's quick dataset check: every listed video (or frame folder) exists and is not
// empty. Only the file system is asked (one stat per entry), so a Kinetics-size list takes
// seconds; `sfar data check` decodes files for a deeper look.
//
//   const ListScan scan = scan_list_files(records, "/data/k400", "train.csv");
//   if (!scan.ok()) SFAR_LOG_WARN("{}", scan_summary(scan));
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sfar/data/video_list.h"

namespace sfar::recipes {

struct ListScan {
  std::string list;
  std::int64_t videos = 0, present = 0, missing = 0, empty = 0;
  std::vector<std::string> bad;  // "path (missing, list.txt:3)", the first max_listed of them
  bool ok() const { return missing == 0 && empty == 0; }
};

// Record paths are relative to `root` (absolute ones stay). A directory counts as empty when
// it has no entries, a file when it has 0 bytes.
ListScan scan_list_files(const std::vector<data::VideoRecord>& records, const std::string& root,
                         const std::string& list, std::size_t max_listed = 10);

// "train.txt: 6 videos, 5 present, 1 missing, 0 empty (wrestle_b.webm (missing, train.txt:4))".
std::string scan_summary(const ListScan& scan);

}  // namespace sfar::recipes
