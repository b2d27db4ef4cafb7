#include "sfar/data/dataset_check.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iomanip>
#include <nlohmann/json.hpp>
#include <sstream>

#include "sfar/core/atomic_file.h"
#include "sfar/core/error.h"
#include "sfar/io/frame_folder_reader.h"
#include "sfar/io/video_reader.h"

namespace sfar::data {
namespace {

// The colour every pixel of `frames` has (within kConstantTolerance), or an empty string when
// they hold more than one. Frames without pixels (never here) count as more than one colour.
std::string one_colour(const std::vector<io::RgbFrame>& frames) {
  if (frames.empty() || frames.front().data.size() < 3) return {};
  const std::uint8_t* first = frames.front().data.data();
  for (const io::RgbFrame& frame : frames) {
    const std::size_t n = frame.data.size() - frame.data.size() % 3;
    for (std::size_t i = 0; i < n; ++i) {
      if (std::abs(int{frame.data[i]} - int{first[i % 3]}) > kConstantTolerance) return {};
    }
  }
  return "(" + std::to_string(first[0]) + ", " + std::to_string(first[1]) + ", " + std::to_string(first[2]) + ")";
}

// Flags decoded frames that are all one colour; `which` names the frames.
void judge_frames(FileCheck& check, const std::vector<io::RgbFrame>& frames, const std::string& which) {
  if (frames.empty()) return;
  check.decoded = true;
  const std::string colour = one_colour(frames);
  if (colour.empty()) return;
  check.status = "constant";
  check.reason = "every decoded frame (" + which + ") is one colour, RGB " + colour +
                 ": a format the decoder gets wrong, or a blank clip";
}

// Flags a video whose frames end well short of the duration its container declares.
void judge_duration(FileCheck& check, const io::VideoInfo& info) {
  const double shortfall = info.duration - info.frames_duration;
  if (check.status != "ok" || info.duration <= 0 ||
      shortfall <= std::max(kTruncatedMinSeconds, kTruncatedShortfall * info.duration)) {
    return;
  }
  std::ostringstream reason;
  reason << std::fixed << std::setprecision(2) << "truncated: the container declares " << info.duration
         << " s, the " << info.frames << " frames present span " << info.frames_duration << " s";
  check.status = "truncated";
  check.reason = reason.str();
}

std::string probe_names(const std::vector<std::int64_t>& probe) {
  std::string names = "frames";
  for (std::size_t i = 0; i < probe.size(); ++i) names += (i ? ", " : " ") + std::to_string(probe[i]);
  return names;
}

FileCheck check_one(const VideoRecord& record, std::int64_t index, const DatasetCheckOptions& options) {
  FileCheck check;
  check.index = index;
  const std::filesystem::path relative(record.path);
  check.path = relative.is_absolute() || options.root.empty()
                   ? relative.string()
                   : (std::filesystem::path(options.root) / relative).string();
  check.origin = record.origin;
  std::error_code ec;
  const auto status = std::filesystem::status(check.path, ec);
  if (!std::filesystem::exists(status)) {
    check.status = "missing";
    check.reason = "no such file or folder";
    return check;
  }
  if (std::filesystem::is_regular_file(status) && std::filesystem::file_size(check.path, ec) == 0) {
    check.status = "empty";
    check.reason = "0 bytes";
    return check;
  }
  try {
    std::vector<std::int64_t> probe;
    auto probe_indices = [&](std::int64_t n) {
      if (options.decode && n > 0) probe = {0, n / 2, n - 1};
    };
    if (record.num_frames >= 0 || std::filesystem::is_directory(status)) {
      io::FrameFolderReader folder(check.path, io::FrameFolderOptions{options.frame_pattern});
      check.frames = folder.frame_count();
      check.codec = "frames";
      probe_indices(check.frames);
      const auto frames = folder.read_frames(probe);
      if (!frames.empty()) check.width = frames.front().width, check.height = frames.front().height;
      if (record.num_frames >= 0 && record.num_frames > check.frames) {
        throw FormatError(check.path, "the list says " + std::to_string(record.num_frames) + " frames, the folder has",
                          std::to_string(check.frames));
      }
      check.status = "ok";
      judge_frames(check, frames, probe_names(probe));
    } else {
      io::VideoReader reader(check.path, io::VideoReadOptions().threads(1).max_pixels(options.max_frame_pixels));
      check.frames = reader.info().frames;
      check.width = reader.info().width;
      check.height = reader.info().height;
      check.codec = reader.info().codec;
      if (check.frames <= 0) throw FormatError(check.path, "the video has no frames");
      probe_indices(check.frames);
      check.status = "ok";
      judge_frames(check, reader.read_frames(probe), probe_names(probe));
      judge_duration(check, reader.info());
    }
  } catch (const Error& e) {
    check.status = "undecodable";
    check.reason = e.what();
    check.decoded = false;
  }
  return check;
}

}  // namespace

DatasetCheckReport check_dataset(const std::vector<VideoRecord>& records, const DatasetCheckOptions& options,
                                 const std::function<void(std::int64_t, std::int64_t)>& progress) {
  const auto start = std::chrono::steady_clock::now();
  DatasetCheckReport report;
  report.list = options.list;
  report.root = options.root;
  report.class_names = options.class_names;
  report.class_counts.assign(options.class_names.size(), 0);
  std::int64_t frame_sum = 0;
  for (std::size_t i = 0; i < records.size(); ++i) {
    FileCheck check = check_one(records[i], static_cast<std::int64_t>(i), options);
    if (check.status == "ok") {
      report.min_frames = report.ok == 0 ? check.frames : std::min(report.min_frames, check.frames);
      report.max_frames = std::max(report.max_frames, check.frames);
      frame_sum += check.frames;
      ++report.ok;
    } else if (check.status == "missing") {
      ++report.missing;
    } else if (check.status == "empty") {
      ++report.empty;
    } else if (check.status == "constant") {
      ++report.constant;
    } else if (check.status == "truncated") {
      ++report.truncated;
    } else {
      ++report.undecodable;
    }
    for (const std::int64_t label : records[i].labels) {
      if (label < 0) continue;
      if (static_cast<std::size_t>(label) >= report.class_counts.size()) {
        report.class_counts.resize(static_cast<std::size_t>(label) + 1, 0);
      }
      ++report.class_counts[static_cast<std::size_t>(label)];
    }
    if (check.decoded) ++report.decoded;
    report.files.push_back(std::move(check));
    if (progress) progress(static_cast<std::int64_t>(i) + 1, static_cast<std::int64_t>(records.size()));
  }
  report.all_constant = report.decoded > 0 && report.constant == report.decoded;
  report.mean_frames = report.ok > 0 ? static_cast<double>(frame_sum) / static_cast<double>(report.ok) : 0.0;
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return report;
}

namespace {

nlohmann::json summary(const DatasetCheckReport& r) {
  const auto& counts = r.class_counts;
  const std::int64_t lo = counts.empty() ? 0 : *std::min_element(counts.begin(), counts.end());
  const std::int64_t hi = counts.empty() ? 0 : *std::max_element(counts.begin(), counts.end());
  return {{"list", r.list},
          {"root", r.root},
          {"records", r.files.size()},
          {"ok", r.ok},
          {"missing", r.missing},
          {"empty", r.empty},
          {"undecodable", r.undecodable},
          {"constant", r.constant},
          {"truncated", r.truncated},
          {"all_constant", r.all_constant},
          {"frames_min", r.min_frames},
          {"frames_mean", r.mean_frames},
          {"frames_max", r.max_frames},
          {"classes", counts.size()},
          {"empty_classes", std::count(counts.begin(), counts.end(), 0)},
          {"class_count_min", lo},
          {"class_count_max", hi},
          {"seconds", r.seconds}};
}

}  // namespace

std::string check_summary_json(const DatasetCheckReport& report) { return summary(report).dump(); }

std::string check_report_json(const DatasetCheckReport& report) {
  nlohmann::json out = summary(report);
  nlohmann::json classes = nlohmann::json::array();
  for (std::size_t c = 0; c < report.class_counts.size(); ++c) {
    classes.push_back({{"id", c},
                       {"name", c < report.class_names.size() ? report.class_names[c] : ""},
                       {"count", report.class_counts[c]}});
  }
  nlohmann::json files = nlohmann::json::array();
  for (const FileCheck& f : report.files) {
    files.push_back({{"index", f.index}, {"path", f.path}, {"origin", f.origin}, {"status", f.status},
                     {"reason", f.reason}, {"frames", f.frames}, {"width", f.width}, {"height", f.height},
                     {"codec", f.codec}});
  }
  out["class_balance"] = std::move(classes);
  out["files"] = std::move(files);
  return out.dump(2) + "\n";
}

std::string check_report_table(const DatasetCheckReport& r) {
  std::ostringstream out;
  out << "dataset check: " << r.list << " (root " << r.root << ")\n"
      << "records " << r.files.size() << "  ok " << r.ok << "  missing " << r.missing << "  empty " << r.empty
      << "  undecodable " << r.undecodable << "  constant " << r.constant << "  truncated " << r.truncated
      << "\n"
      << (r.all_constant ? "WARNING: every decoded file is one colour; the decoder is likely wrong for this format\n"
                         : "")
      << "frames per video: min " << r.min_frames << "  mean " << std::fixed << std::setprecision(1)
      << r.mean_frames << "  max " << r.max_frames << "\n\n";
  std::size_t name_width = 4;
  for (const auto& name : r.class_names) name_width = std::max(name_width, name.size());
  out << "class balance\n" << std::left << std::setw(6) << "id" << std::setw(static_cast<int>(name_width) + 2)
      << "name" << std::right << std::setw(8) << "count" << "\n";
  for (std::size_t c = 0; c < r.class_counts.size(); ++c) {
    out << std::left << std::setw(6) << c << std::setw(static_cast<int>(name_width) + 2)
        << (c < r.class_names.size() ? r.class_names[c] : "") << std::right << std::setw(8) << r.class_counts[c]
        << "\n";
  }
  out << "\nbad files\n" << std::left << std::setw(13) << "status" << "path / reason\n";
  for (const FileCheck& f : r.files) {
    if (f.status == "ok") continue;
    out << std::left << std::setw(13) << f.status << f.path << " (" << f.origin << ")\n"
        << std::setw(13) << "" << f.reason << "\n";
  }
  return out.str();
}

void write_check_report(const DatasetCheckReport& report, const std::string& dir) {
  write_file_atomic((std::filesystem::path(dir) / "report.json").string(), check_report_json(report));
  write_file_atomic((std::filesystem::path(dir) / "report.txt").string(), check_report_table(report));
}

}  // namespace sfar::data
