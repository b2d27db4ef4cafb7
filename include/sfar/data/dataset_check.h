// Scanning a dataset without training: which files are missing, empty or undecodable, how
// many frames each has, and how balanced the classes are. The report is written as JSON and
// as a readable text table.
//
//   auto report = check_dataset(records, {.root = "/data/ucf101", .class_names = names});
//   write_check_report(report, "reports/ucf101");  // report.json + report.txt, atomically
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "sfar/data/video_list.h"
#include "sfar/io/video_limits.h"

namespace sfar::data {

struct DatasetCheckOptions {
  std::string root;
  std::string frame_pattern = "img_{:05d}.jpg";
  std::vector<std::string> class_names;  // optional: names in the table, empty classes found
  bool decode = true;  // decode the first, middle and last frame (finds truncated files)
  std::int64_t max_frame_pixels = io::kDefaultMaxFramePixels;  // larger frames: undecodable
  std::string list;    // the annotation file, for the report
};

// Largest difference, in levels of 0..255, between any channel of a decoded frame and the first
// pixel's, for a file to count as one colour (exact in flat regions; 2 levels for YUV rounding).
inline constexpr int kConstantTolerance = 2;
// A video is truncated when the span of its frames falls short of its declared duration by
// more than both of these: a tenth of the duration, and half a second. Rounding of the last
// frame's length and an audio track running on for a frame or two stay under both; a file
// cut off mid-way (3.0 s declared, 0.7 s of frames) is far over.
inline constexpr double kTruncatedShortfall = 0.1;
inline constexpr double kTruncatedMinSeconds = 0.5;

struct FileCheck {
  std::int64_t index = 0;
  std::string path;
  std::string origin;  // "list:line"
  // ok | missing | empty | undecodable | constant | truncated. The last two still decode:
  // constant (every decoded frame one colour, kConstantTolerance) is what a decoder that gets
  // a format wrong outputs, e.g. a palettized clip without its palette comes out black;
  // truncated (the frames present end well short of the duration the container declares,
  // kTruncatedShortfall) is a file cut off after its header was written (MKV, WebM).
  std::string status;
  std::string reason;
  std::int64_t frames = -1;
  int width = 0, height = 0;
  std::string codec;   // "frames" for frame folders
  bool decoded = false;  // its frames were decoded and judged
};

struct DatasetCheckReport {
  std::string list, root;
  std::vector<FileCheck> files;               // one per record, in list order
  std::int64_t ok = 0, missing = 0, empty = 0, undecodable = 0, constant = 0, truncated = 0;
  std::int64_t decoded = 0;  // files whose frames were decoded and judged (decode on)
  // Set when every decoded file is constant: the decoder, not the data, is the likely fault.
  bool all_constant = false;
  std::int64_t min_frames = 0, max_frames = 0;
  double mean_frames = 0.0;
  std::vector<std::int64_t> class_counts;     // samples per label
  std::vector<std::string> class_names;
  double seconds = 0.0;
};

// `progress(done, total)` is called after each record when given.
DatasetCheckReport check_dataset(const std::vector<VideoRecord>& records, const DatasetCheckOptions& options,
                                 const std::function<void(std::int64_t, std::int64_t)>& progress = {});

// The whole report as JSON text, and the one-line summary (counts only).
std::string check_report_json(const DatasetCheckReport& report);
std::string check_summary_json(const DatasetCheckReport& report);
// Summary, class balance and bad files as aligned text tables.
std::string check_report_table(const DatasetCheckReport& report);
// Writes `dir`/report.json and `dir`/report.txt atomically; IoError names the file.
void write_check_report(const DatasetCheckReport& report, const std::string& dir);

}  // namespace sfar::data
