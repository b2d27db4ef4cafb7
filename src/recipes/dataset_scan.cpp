#include "sfar/recipes/dataset_scan.h"

#include <filesystem>

namespace fs = std::filesystem;

namespace sfar::recipes {

ListScan scan_list_files(const std::vector<data::VideoRecord>& records, const std::string& root,
                         const std::string& list, std::size_t max_listed) {
  ListScan scan;
  scan.list = list;
  for (const auto& record : records) {
    ++scan.videos;
    const fs::path relative(record.path);
    const fs::path path = relative.is_absolute() || root.empty() ? relative : fs::path(root) / relative;
    std::error_code ec;
    const auto status = fs::status(path, ec);
    const char* problem = nullptr;
    if (!fs::exists(status)) {
      ++scan.missing;
      problem = "missing";
    } else if (fs::is_directory(status) ? fs::directory_iterator(path, ec) == fs::directory_iterator()
                                        : fs::file_size(path, ec) == 0) {
      ++scan.empty;
      problem = "empty";
    } else {
      ++scan.present;
    }
    if (problem && scan.bad.size() < max_listed) {
      scan.bad.push_back(record.path + " (" + problem + (record.origin.empty() ? "" : ", " + record.origin) + ")");
    }
  }
  return scan;
}

std::string scan_summary(const ListScan& scan) {
  std::string text = scan.list + ": " + std::to_string(scan.videos) + " videos, " + std::to_string(scan.present) +
                     " present, " + std::to_string(scan.missing) + " missing, " + std::to_string(scan.empty) +
                     " empty";
  if (!scan.bad.empty()) {
    text += " (";
    for (std::size_t i = 0; i < scan.bad.size(); ++i) text += (i ? "; " : "") + scan.bad[i];
    const auto more = scan.missing + scan.empty - static_cast<std::int64_t>(scan.bad.size());
    if (more > 0) text += "; and " + std::to_string(more) + " more";
    text += ")";
  }
  return text;
}

}  // namespace sfar::recipes
