#include "sfar/data/video_list.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "sfar/core/atomic_file.h"
#include "sfar/core/error.h"
#include "sfar/core/name_table.h"
#include "sfar/core/text.h"

namespace sfar::data {
namespace {

using Json = nlohmann::json;

// Lines without CR and BOM; keeps 1-based numbering of the physical lines.
std::vector<std::string> read_lines(const std::string& path) { return text_lines(strip_utf8_bom(read_file(path))); }

std::int64_t parse_int(const std::string& text, const std::string& where, const char* what) {
  const std::string t = trim(text);
  std::size_t used = 0;
  long long v = 0;
  try {
    v = std::stoll(t, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (t.empty() || used != t.size()) throw FormatError(where, std::string("expected an integer ") + what, t);
  return v;
}

class LabelChecker {
 public:
  explicit LabelChecker(const std::vector<std::string>& names) : names_(names) {
    for (std::size_t i = 0; i < names.size(); ++i) index_.emplace(names[i], static_cast<std::int64_t>(i));
  }
  void check(std::int64_t label, const std::string& where) const {
    if (label < 0 || (!names_.empty() && label >= static_cast<std::int64_t>(names_.size()))) {
      throw FormatError(where, "label outside the class list of " + std::to_string(names_.size()) +
                                   " classes", std::to_string(label));
    }
  }
  std::int64_t by_name(const std::string& name, const std::string& where) const {
    if (names_.empty()) throw ArgumentError(where, "this format names classes: a class list is required");
    const auto it = index_.find(name);
    if (it == index_.end()) throw FormatError(where, "class name not in the class list", name);
    return it->second;
  }

 private:
  const std::vector<std::string>& names_;
  std::map<std::string, std::int64_t> index_;
};

// Reads a line-based list: one record per non-empty line, made by `make(line, where)`.
template <class Make>
std::vector<VideoRecord> read_line_entries(const std::string& path, Make make) {
  std::vector<VideoRecord> records;
  const auto lines = read_lines(path);
  for (std::size_t i = 0; i < lines.size(); ++i) {
    // No comment syntax: real HMDB51 file names begin with '#'.
    const std::string line = trim(lines[i]);
    if (line.empty()) continue;
    const std::string where = path + ":" + std::to_string(i + 1);
    VideoRecord r = make(line, where);
    r.origin = where;
    records.push_back(std::move(r));
  }
  return records;
}

std::vector<VideoRecord> read_path_label(const std::string& path, const VideoListOptions& o,
                                         bool raw_frames) {
  const LabelChecker checker(o.class_names);
  return read_line_entries(path, [&](const std::string& line, const std::string& where) {
    VideoRecord r;
    const auto last = line.find_last_of(" \t");
    if (last == std::string::npos) throw FormatError(where, "expected '<path> <label>'", line);
    std::string head = trim(line.substr(0, last));
    const std::string label_text = line.substr(last + 1);
    if (raw_frames) {
      const auto mid = head.find_last_of(" \t");
      if (mid == std::string::npos) throw FormatError(where, "expected '<dir> <num_frames> <label>'", line);
      r.num_frames = parse_int(head.substr(mid + 1), where, "frame count");
      if (r.num_frames <= 0) throw FormatError(where, "frame count must be positive", std::to_string(r.num_frames));
      head = trim(head.substr(0, mid));
    }
    std::stringstream labels(label_text);
    for (std::string part; std::getline(labels, part, ',');) {
      r.labels.push_back(parse_int(part, where, "label"));
      checker.check(r.labels.back(), where);
    }
    if (r.labels.size() != 1 && !o.multi_label) throw FormatError(where, "expected one label", label_text);
    r.path = head;
    return r;
  });
}

std::vector<VideoRecord> read_slowfast(const std::string& path, const VideoListOptions& o) {
  const LabelChecker checker(o.class_names);
  return read_line_entries(path, [&](const std::string& line, const std::string& where) {
    const auto cut = line.rfind(o.separator);
    if (cut == std::string::npos) throw FormatError(where, std::string("expected '<path>") + o.separator + "<label>'", line);
    VideoRecord r;
    r.path = trim(line.substr(0, cut));
    r.labels.push_back(parse_int(line.substr(cut + 1), where, "label"));
    checker.check(r.labels.back(), where);
    return r;
  });
}

std::vector<VideoRecord> read_kinetics_csv(const std::string& path, const VideoListOptions& o) {
  const LabelChecker checker(o.class_names);
  const auto lines = read_lines(path);
  std::vector<VideoRecord> records;
  std::map<std::string, std::size_t> column;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (trim(lines[i]).empty()) continue;
    const std::string where = path + ":" + std::to_string(i + 1);
    const auto split = split_csv(lines[i]);
    if (!split) throw FormatError(where, "bad CSV quoting", lines[i]);
    const std::vector<std::string>& fields = *split;
    if (column.empty()) {
      for (std::size_t c = 0; c < fields.size(); ++c) column[trim(fields[c])] = c;
      for (const char* name : {"label", "youtube_id", "time_start", "time_end"}) {
        if (!column.count(name)) throw FormatError(where, std::string("header lacks column '") + name + "'");
      }
      continue;
    }
    auto field = [&](const char* name) {
      const std::size_t c = column.at(name);
      if (c >= fields.size()) throw FormatError(where, std::string("missing column '") + name + "'");
      return trim(fields[c]);
    };
    VideoRecord r;
    r.origin = where;
    r.labels.push_back(checker.by_name(field("label"), where));
    char name[64];
    std::snprintf(name, sizeof(name), "_%06lld_%06lld",
                  static_cast<long long>(parse_int(field("time_start"), where, "time_start")),
                  static_cast<long long>(parse_int(field("time_end"), where, "time_end")));
    r.path = field("youtube_id") + name + o.video_extension;
    records.push_back(std::move(r));
  }
  return records;
}

Json read_json(const std::string& path) {
  try {
    return Json::parse(read_file(path));
  } catch (const Json::exception& e) {  // parse_error, and out_of_range for huge numbers
    throw FormatError(path, std::string("invalid JSON: ") + e.what());
  }
}

std::string strip_brackets(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c != '[' && c != ']') out += c;
  }
  return out;
}

// Reads a JSON list of videos, one record per element made by `make(element, where)`.
template <class Make>
std::vector<VideoRecord> read_json_entries(const std::string& path, Make make) {
  const Json doc = read_json(path);
  if (!doc.is_array()) throw FormatError(path, "expected a JSON list of videos");
  std::vector<VideoRecord> records;
  for (std::size_t i = 0; i < doc.size(); ++i) {
    const std::string where = path + ": entry " + std::to_string(i);
    VideoRecord r = make(doc[i], where);
    r.origin = where;
    records.push_back(std::move(r));
  }
  return records;
}

std::vector<VideoRecord> read_ssv2(const std::string& path, const VideoListOptions& o) {
  const LabelChecker checker(o.class_names);
  return read_json_entries(path, [&](const Json& e, const std::string& where) {
    if (!e.is_object() || !e.contains("id") || !e.contains("template") || !e["template"].is_string()) {
      throw FormatError(where, "expected an object with 'id' and 'template'");
    }
    VideoRecord r;
    r.path = (e["id"].is_string() ? e["id"].get<std::string>() : e["id"].dump()) + o.video_extension;
    r.labels.push_back(checker.by_name(strip_brackets(e["template"].get<std::string>()), where));
    return r;
  });
}

std::vector<VideoRecord> read_ucf(const std::string& path, const VideoListOptions& o) {
  const LabelChecker checker(o.class_names);
  return read_line_entries(path, [&](const std::string& line, const std::string& where) {
    VideoRecord r;
    const auto space = line.find_last_of(" \t");
    if (space != std::string::npos) {  // trainlist: 1-based class index
      r.path = trim(line.substr(0, space));
      r.labels.push_back(parse_int(line.substr(space + 1), where, "class index") - 1);
      checker.check(r.labels.back(), where);
    } else {  // testlist: the class is the folder name
      r.path = line;
      const auto slash = line.find('/');
      if (slash == std::string::npos) throw FormatError(where, "expected '<Class>/<video>'", line);
      r.labels.push_back(checker.by_name(line.substr(0, slash), where));
    }
    return r;
  });
}

std::vector<VideoRecord> read_diving48(const std::string& path, const VideoListOptions& o) {
  const LabelChecker checker(o.class_names);
  return read_json_entries(path, [&](const Json& e, const std::string& where) {
    if (!e.is_object() || !e.contains("vid_name") || !e.contains("label") || !e["label"].is_number_integer()) {
      throw FormatError(where, "expected an object with 'vid_name' and an integer 'label'");
    }
    VideoRecord r;
    r.path = e["vid_name"].get<std::string>() + o.video_extension;
    r.labels.push_back(e["label"].get<std::int64_t>());
    checker.check(r.labels.back(), where);
    r.start_frame = e.value("start_frame", std::int64_t{0});
    r.end_frame = e.value("end_frame", std::int64_t{-1});
    if (r.end_frame >= 0 && r.end_frame < r.start_frame) {
      throw FormatError(where, "end_frame before start_frame", std::to_string(r.end_frame));
    }
    return r;
  });
}

}  // namespace

const std::vector<VideoListFormatEntry>& video_list_formats() {
  static const std::vector<VideoListFormatEntry> kFormats = {
      {"path_label", VideoListFormat::kPathLabel, "\"<path> <label>\" per line (mmaction2, X-CLIP)",
       [](const std::string& path, const VideoListOptions& o) { return read_path_label(path, o, false); }},
      {"raw_frames", VideoListFormat::kRawFrames, "\"<frame folder> <num_frames> <label>\" per line",
       [](const std::string& path, const VideoListOptions& o) { return read_path_label(path, o, true); }},
      {"kinetics_csv", VideoListFormat::kKineticsCsv, "Kinetics CSV label,youtube_id,time_start,time_end,split",
       read_kinetics_csv},
      {"slowfast_csv", VideoListFormat::kSlowFastCsv, "\"<path><separator><label>\" per line (SlowFast)",
       read_slowfast},
      {"ssv2_json", VideoListFormat::kSsv2Json, "Something-Something v2 JSON list, labels by template", read_ssv2},
      {"ucf_split", VideoListFormat::kUcfSplit, "UCF101 trainlistNN.txt or testlistNN.txt", read_ucf},
      {"diving48_json", VideoListFormat::kDiving48Json, "Diving48 JSON list with start and end frames",
       read_diving48},
  };
  return kFormats;
}

VideoListFormat parse_video_list_format(const std::string& name, const std::string& where) {
  return find_entry(video_list_formats(), name, "format", where).value;
}

std::string to_string(VideoListFormat format) { return entry_of(video_list_formats(), format).name; }

std::vector<VideoRecord> read_video_list(const std::string& path, VideoListFormat format,
                                         const VideoListOptions& options) {
  return entry_of(video_list_formats(), format).read(path, options);
}

void check_class_names_match_videos(const std::vector<VideoRecord>& records,
                                    const std::vector<std::string>& class_names,
                                    const std::string& class_file) {
  // Compare letters and digits only: "kick ball", "kick_ball" and "KickBall" are one name.
  auto squash = [](const std::string& s) {
    std::string out;
    for (unsigned char c : s) {
      if (std::isalnum(c)) out += static_cast<char>(std::tolower(c));
    }
    return out;
  };
  // A name shorter than kMinNameLength identifies nothing: "a" or "ab" turns up inside most
  // paths ("clips/abseil_01.mp4"), so lists of one- or two-letter names are never judged.
  constexpr std::size_t kMinNameLength = 3;
  std::vector<std::string> names;
  for (const auto& name : class_names) {
    std::string squashed = squash(name);
    names.push_back(squashed.size() >= kMinNameLength ? squashed : std::string());
  }
  // The class a video is named after: the longest class name inside its path ("kickball" wins
  // over "kick").
  auto named_after = [&](const std::string& path) {
    const std::string p = squash(path);
    std::int64_t best = -1;
    for (std::size_t c = 0; c < names.size(); ++c) {
      if (names[c].empty() || p.find(names[c]) == std::string::npos) continue;
      if (best < 0 || names[c].size() > names[best].size()) best = static_cast<std::int64_t>(c);
    }
    return best;
  };
  // Per label: its single-label videos, those named after it, and those named after each other class.
  std::vector<std::int64_t> total(names.size()), agree(names.size());
  std::vector<std::map<std::int64_t, std::int64_t>> named_other(names.size());
  std::vector<std::map<std::int64_t, std::int64_t>> first_named_other(names.size());
  std::int64_t agreeing = 0, single = 0;
  for (std::size_t i = 0; i < records.size(); ++i) {
    if (records[i].labels.size() != 1) continue;
    const auto label = records[i].labels[0];
    if (label < 0 || label >= static_cast<std::int64_t>(names.size())) continue;
    ++single;
    ++total[label];
    const auto named = named_after(records[i].path);
    if (named == label) {
      ++agree[label];
      ++agreeing;
    } else if (named >= 0) {
      ++named_other[label][named];
      first_named_other[label].emplace(named, static_cast<std::int64_t>(i));
    }
  }
  // Names carry the class only if most videos agree with their labels; otherwise say nothing.
  if (single == 0 || agreeing * 2 < single) return;
  // Strong evidence only: most of a class's videos (two at least) are named after one other class.
  constexpr std::int64_t kMinContradicting = 2;
  for (std::size_t c = 0; c < names.size(); ++c) {
    std::int64_t other = -1, count = 0;
    for (const auto& [d, n] : named_other[c]) {
      if (n > count) other = d, count = n;
    }
    if (count < kMinContradicting || count * 2 <= total[c] || agree[c] >= count) continue;
    const auto& record = records[first_named_other[c].at(other)];
    throw FormatError(record.origin,
                      "videos labelled " + std::to_string(c) + " are named after '" +
                          class_names[other] + "' (class " + std::to_string(other) +
                          "), but " + class_file + " calls class " + std::to_string(c) + " '" +
                          class_names[c] + "': the class list's order contradicts the split file",
                      record.path);
  }
}

std::vector<VideoRecord> read_hmdb_split(const std::string& dir, int split, const std::string& subset,
                                         const std::vector<std::string>& class_names) {
  if (subset != "train" && subset != "test") throw ArgumentError("subset", "expected train or test", subset);
  const std::string wanted = subset == "train" ? "1" : "2";
  std::vector<VideoRecord> records;
  for (std::size_t c = 0; c < class_names.size(); ++c) {
    const std::string file = dir + "/" + class_names[c] + "_test_split" + std::to_string(split) + ".txt";
    if (!std::filesystem::exists(file)) throw IoError(file, "HMDB51 split file missing for class " + class_names[c]);
    const auto lines = read_lines(file);
    for (std::size_t i = 0; i < lines.size(); ++i) {
      std::stringstream ss(lines[i]);
      std::string video, flag;
      if (!(ss >> video)) continue;
      const std::string where = file + ":" + std::to_string(i + 1);
      if (!(ss >> flag) || (flag != "0" && flag != "1" && flag != "2")) {
        throw FormatError(where, "expected '<video> <0|1|2>'", lines[i]);
      }
      if (flag != wanted) continue;
      records.push_back({class_names[c] + "/" + video, {static_cast<std::int64_t>(c)}, -1, 0, -1, where});
    }
  }
  return records;
}

}  // namespace sfar::data
