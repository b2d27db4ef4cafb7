// Reading the annotation files of the standard video datasets into one record type.
// Every parse error names the file and line; a label outside the class list is an error.
//
//   auto records = read_video_list("hmdb_splits/val1.txt", VideoListFormat::kPathLabel, {51});
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace sfar::data {

struct VideoRecord {
  std::string path;                  // relative to the dataset root (or a frame folder)
  std::vector<std::int64_t> labels;  // one for single-label sets, several for multi-label
  std::int64_t num_frames = -1;      // known for raw-frame lists, else -1
  std::int64_t start_frame = 0;      // trimmed clips (Diving48)
  std::int64_t end_frame = -1;       // inclusive, -1 = to the end
  std::string origin;                // "file:line", for messages about this sample
};

enum class VideoListFormat {
  kPathLabel,     // "<path> <label>" (X-CLIP / ViFi-CLIP / mmaction2); split on the last space
  kRawFrames,     // "<dir> <num_frames> <label>"
  kKineticsCsv,   // label,youtube_id,time_start,time_end,split (label is a class name)
  kSlowFastCsv,   // "<path><sep><label>", separator configurable
  kSsv2Json,      // [{"id", "template", ...}] with labels from the SSv2 labels JSON
  kUcfSplit,      // UCF101 trainlistNN.txt ("Class/v_x.avi 1", 1-based) or testlistNN.txt
  kDiving48Json,  // [{"vid_name", "label", "start_frame", "end_frame"}]
};

struct VideoListOptions {
  // The dataset's class names, in label order. Needed for formats that name classes
  // (Kinetics CSV, SSv2, UCF test lists) and to check label ranges; may be empty for
  // numeric formats, in which case labels are only checked to be non-negative.
  std::vector<std::string> class_names;
  char separator = ' ';                  // kSlowFastCsv
  std::string video_extension = ".mp4";  // appended where the format stores bare ids
  bool multi_label = false;              // kPathLabel: "<path> <l1>,<l2>,..." allowed
};

// The one table of list formats: the `data.format` names, `sfar data --format` help and the
// errors for unknown names come from it. Names are keyed by enumerator (cfg::enum_name).
using VideoListReader = std::vector<VideoRecord> (*)(const std::string& path, const VideoListOptions& options);
struct VideoListFormatEntry {
  const char* name;
  VideoListFormat value;
  const char* description;
  VideoListReader read;
};
const std::vector<VideoListFormatEntry>& video_list_formats();

// ArgumentError naming `where`, the name and every known format otherwise.
VideoListFormat parse_video_list_format(const std::string& name, const std::string& where = "video list format");
std::string to_string(VideoListFormat format);

std::vector<VideoRecord> read_video_list(const std::string& path, VideoListFormat format,
                                         const VideoListOptions& options = {});

// Datasets whose video names carry the class (HMDB51, UCF101) reveal a class list in the wrong
// order: if the videos of some label are mostly named after another class, the class list
// contradicts the split file (the HMDB51 trap: ViFi-CLIP's CSV swaps "kick"/"kick ball" and
// "sword"/"sword exercise"). Throws FormatError naming the list's line, the label, its name and
// the name the videos carry. Lists whose names carry no class (Kinetics ids, SSv2 numbers) pass.
// Only strong evidence counts: most of a label's videos, two at least, named after one other
// class; names under three letters or digits ("a", "b2") identify nothing and are never judged.
void check_class_names_match_videos(const std::vector<VideoRecord>& records,
                                    const std::vector<std::string>& class_names,
                                    const std::string& class_file);

// HMDB51's official split files: one "<class>_test_split<N>.txt" per class in `dir`, each line
// "<video> <0|1|2>" (1 = train, 2 = test). Returns the records of `subset` ("train"/"test"),
// labels indexing `class_names` (a class file missing from `dir` is an error).
std::vector<VideoRecord> read_hmdb_split(const std::string& dir, int split, const std::string& subset,
                                         const std::vector<std::string>& class_names);

}  // namespace sfar::data
