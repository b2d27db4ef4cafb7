#include "sfar/data/dataset_index.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>

#include "sfar/core/atomic_file.h"
#include "sfar/core/error.h"
#include "sfar/core/text.h"

namespace sfar::data {
namespace fs = std::filesystem;

namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

bool hidden(const fs::path& p) { return !p.filename().empty() && p.filename().string().front() == '.'; }

// A list line is "<path> <label>" split on the last space: a path may hold spaces, not line breaks.
void check_listable(const std::string& path) {
  if (path.find_first_of("\r\n") != std::string::npos) {
    throw ArgumentError(path, "a video path with a line break cannot go into an annotation list");
  }
}

// Per class, the sorted paths shuffled from (seed, class) and cut: the first round(n * f) go to
// val, keeping at least one video on each side when the class has two or more.
DatasetIndex split(std::vector<std::string> classes, std::map<std::string, std::vector<std::string>> by_class,
                   std::vector<std::string> skipped, const DatasetIndexOptions& options) {
  if (!(options.val_fraction >= 0.0 && options.val_fraction < 1.0)) {
    throw ArgumentError("--val-fraction", "must be in [0, 1)", std::to_string(options.val_fraction));
  }
  DatasetIndex index;
  index.classes = std::move(classes);
  index.skipped = std::move(skipped);
  for (std::size_t c = 0; c < index.classes.size(); ++c) {
    auto& paths = by_class[index.classes[c]];
    std::sort(paths.begin(), paths.end());
    std::mt19937_64 rng(options.seed * 0x9e3779b97f4a7c15ULL + c);
    std::shuffle(paths.begin(), paths.end(), rng);
    const auto n = static_cast<std::int64_t>(paths.size());
    auto val = static_cast<std::int64_t>(std::llround(static_cast<double>(n) * options.val_fraction));
    if (options.val_fraction > 0 && n >= 2) val = std::clamp<std::int64_t>(val, 1, n - 1);
    for (std::int64_t i = 0; i < n; ++i) {
      (i < val ? index.val : index.train).push_back({paths[static_cast<std::size_t>(i)], static_cast<std::int64_t>(c)});
    }
  }
  auto by_path = [](const IndexedVideo& a, const IndexedVideo& b) { return a.path < b.path; };
  std::sort(index.train.begin(), index.train.end(), by_path);
  std::sort(index.val.begin(), index.val.end(), by_path);
  return index;
}

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"") == std::string::npos) return s;
  std::string out = "\"";
  for (const char ch : s) out += ch == '"' ? std::string("\"\"") : std::string(1, ch);
  return out + "\"";
}

// YAML's double-quoted scalar: backslashes and quotes escaped.
std::string yaml_string(const std::string& s) {
  std::string out = "\"";
  for (const char ch : s) {
    if (ch == '"' || ch == '\\') out += '\\';
    out += ch;
  }
  return out + "\"";
}

}  // namespace

bool has_video_extension(const std::string& path) {
  static const std::set<std::string> kExtensions = {".mp4", ".m4v", ".mov", ".avi", ".mkv", ".webm", ".mpg",
                                                    ".mpeg", ".ts",  ".flv", ".wmv", ".3gp", ".ogv", ".gif"};
  return kExtensions.count(lower(fs::path(path).extension().string())) > 0;
}

std::string class_name_from_folder(const std::string& folder) {
  std::string name;
  for (const char c : folder) {
    const char d = c == '_' ? ' ' : c;
    if (d == ' ' && (name.empty() || name.back() == ' ')) continue;
    name += d;
  }
  while (!name.empty() && name.back() == ' ') name.pop_back();
  return name.empty() ? folder : name;  // "___": keep it rather than name a class ""
}

DatasetIndex index_class_folders(const std::string& root, const DatasetIndexOptions& options) {
  std::error_code ec;
  if (!fs::is_directory(root, ec)) throw IoError(root, "not a folder (expected one sub-folder of videos per class)");
  std::vector<std::string> classes, skipped;
  std::map<std::string, std::vector<std::string>> by_class;
  std::map<std::string, std::string> folder_of;  // class name -> the folder it came from
  for (const auto& entry : fs::directory_iterator(root)) {
    if (!entry.is_directory() || hidden(entry.path())) continue;
    const std::string folder = entry.path().filename().string();
    const std::string name = options.keep_folder_names ? folder : class_name_from_folder(folder);
    if (!folder_of.emplace(name, folder).second) {
      throw ArgumentError(entry.path().string(), "gives the class name \"" + name + "\" as folder \"" +
                                                     folder_of[name] + "\" does; rename one (or --keep-names)");
    }
    auto& paths = by_class[name];
    for (auto it = fs::recursive_directory_iterator(entry.path()); it != fs::recursive_directory_iterator(); ++it) {
      if (hidden(it->path())) {
        if (it->is_directory()) it.disable_recursion_pending();
        continue;
      }
      if (!it->is_regular_file()) continue;
      const std::string relative = fs::relative(it->path(), root).generic_string();
      if (!has_video_extension(relative)) {
        skipped.push_back(relative);
        continue;
      }
      check_listable(relative);
      paths.push_back(relative);
    }
    if (paths.empty()) throw ArgumentError(entry.path().string(), "this class folder holds no video file");
    classes.push_back(name);
  }
  if (classes.size() < 2) {
    throw ArgumentError(root, "found " + std::to_string(classes.size()) +
                                  " class folder(s); expected one sub-folder of videos per class, at least two");
  }
  std::sort(classes.begin(), classes.end());
  std::sort(skipped.begin(), skipped.end());
  return split(std::move(classes), std::move(by_class), std::move(skipped), options);
}

DatasetIndex index_csv(const std::string& csv, const std::string& root, const DatasetIndexOptions& options) {
  std::ifstream in(csv);
  if (!in) throw IoError(csv, "cannot open the CSV of videos");
  std::map<std::string, std::vector<std::string>> by_class;
  std::set<std::string> seen;
  std::string line;
  for (std::int64_t number = 1; std::getline(in, line); ++number) {
    const std::string where = csv + ":" + std::to_string(number);
    if (number == 1) line = strip_utf8_bom(line);
    if (trim(line).empty()) continue;
    const auto fields = split_csv(trim(line));
    if (!fields || fields->size() != 2) throw FormatError(where, "expected `path,class name`", trim(line));
    const std::string path = trim((*fields)[0]), label = trim((*fields)[1]);
    if (number == 1 && lower(path) == "path" && lower(label) == "label") continue;
    if (path.empty() || label.empty()) throw FormatError(where, "empty path or class name", trim(line));
    check_listable(path);
    const fs::path full = fs::path(path).is_absolute() ? fs::path(path) : fs::path(root) / path;
    std::error_code ec;
    if (!fs::is_regular_file(full, ec)) throw IoError(full.string(), "no such video (listed at " + where + ")");
    if (!seen.insert(path).second) throw FormatError(where, "this video is listed twice", path);
    by_class[label].push_back(path);
  }
  std::vector<std::string> classes;
  for (const auto& [name, paths] : by_class) classes.push_back(name);  // a std::map: sorted
  if (classes.size() < 2) throw ArgumentError(csv, "lists fewer than two classes");
  return split(std::move(classes), std::move(by_class), {}, options);
}

void write_dataset_index(const DatasetIndex& index, const std::string& root, const std::string& out,
                         bool overwrite) {
  const fs::path dir(out);
  const std::vector<std::string> names = {"train.txt", "val.txt", "classes.csv", "data.yaml"};
  if (!overwrite) {
    for (const auto& name : names) {
      if (fs::exists(dir / name)) {
        throw ArgumentError((dir / name).string(), "exists already; pass --force to replace the index");
      }
    }
  }
  fs::create_directories(dir);
  auto list = [](const std::vector<IndexedVideo>& videos) {
    std::string text;
    for (const auto& v : videos) text += v.path + " " + std::to_string(v.label) + "\n";
    return text;
  };
  std::string classes;
  for (std::size_t c = 0; c < index.classes.size(); ++c) classes += std::to_string(c) + "," + csv_field(index.classes[c]) + "\n";
  const std::string abs_root = fs::absolute(root).lexically_normal().string();
  const std::string abs_out = fs::absolute(dir).lexically_normal().string();
  const std::string yaml =
      "# Written by `sfar data index`: " + std::to_string(index.classes.size()) + " classes, " +
      std::to_string(index.train.size()) + " training and " + std::to_string(index.val.size()) +
      " validation videos.\n# Add it after a model config: sfar train --config <model>.yaml --config data.yaml\n"
      "data:\n  root: " + yaml_string(abs_root) + "\n  list: " + yaml_string(abs_out + "/train.txt") +
      "\n  labels: " + yaml_string(abs_out + "/classes.csv") + "\neval:\n  list: " +
      yaml_string(abs_out + "/val.txt") + "\n";
  write_file_atomic((dir / "train.txt").string(), list(index.train));
  write_file_atomic((dir / "val.txt").string(), list(index.val));
  write_file_atomic((dir / "classes.csv").string(), classes);
  write_file_atomic((dir / "data.yaml").string(), yaml);
}

std::string dataset_index_summary_json(const DatasetIndex& index, std::uint64_t seed, const std::string& out) {
  std::vector<std::int64_t> per_class(index.classes.size(), 0);
  for (const auto* split : {&index.train, &index.val}) {
    for (const auto& v : *split) ++per_class.at(static_cast<std::size_t>(v.label));
  }
  const auto [fewest, most] = std::minmax_element(per_class.begin(), per_class.end());
  const bool any = !per_class.empty();
  return nlohmann::json{{"command", "data index"},
                        {"classes", index.classes.size()},
                        {"train", index.train.size()},
                        {"val", index.val.size()},
                        {"videos_per_class", {{"min", any ? *fewest : 0}, {"max", any ? *most : 0}}},
                        {"skipped_not_video", index.skipped},
                        {"seed", seed},
                        {"out", out},
                        {"config", (std::filesystem::path(out) / "data.yaml").string()}}
      .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace sfar::data
