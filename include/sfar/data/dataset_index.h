// Turning a researcher's own videos into the files a run reads: an annotation list per split
// ("<path> <label>", paths relative to the videos folder), the class-name file (id,name) and a
// data.yaml that names them. The videos come as a folder per class (videos/<class>/**/<file>)
// or as a CSV of path and class name. The train/val split is drawn per class from a seed, over
// the sorted paths, so the same folder and seed give the same lists on every machine.
//
//   DatasetIndex index = index_class_folders("/data/my_actions", {.val_fraction = 0.2, .seed = 0});
//   write_dataset_index(index, "/data/my_actions", "runs/my_actions/data", /*overwrite=*/false);
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace sfar::data {

struct DatasetIndexOptions {
  double val_fraction = 0.2;  // per class, rounded; a class of 2+ videos keeps 1+ in each split
  std::uint64_t seed = 0;
  // Class folders' names as they are ("mandelbrot_zoom"); false: as words for the prompts
  // ("mandelbrot zoom", class_name_from_folder).
  bool keep_folder_names = false;
};

// A class folder's name as the prompts read it: underscores become spaces, runs of spaces one,
// ends trimmed ("air_drumming" -> "air drumming", Kinetics' own spelling).
std::string class_name_from_folder(const std::string& folder);

struct IndexedVideo {
  std::string path;  // relative to the videos folder, '/'-separated
  std::int64_t label = -1;
};

struct DatasetIndex {
  std::vector<std::string> classes;  // sorted class names; a label is an index into them
  std::vector<IndexedVideo> train, val;
  std::vector<std::string> skipped;  // files passed over: not a video by their extension
};

// True for the file extensions FFmpeg-readable videos usually carry (case-insensitive).
bool has_video_extension(const std::string& path);

// `root`/<class>/... : every video file under each class folder (nested folders included; hidden
// files and folders skipped), the class named by class_name_from_folder unless
// keep_folder_names. IoError when `root` is not a folder; ArgumentError naming the folder when a
// class folder holds no video, when two folders give the same class name, or when there are
// fewer than two classes.
DatasetIndex index_class_folders(const std::string& root, const DatasetIndexOptions& options);

// A CSV of `path,class name` rows (a first row "path,label" is a header; quotes allowed), paths
// relative to `root` or absolute. FormatError naming the file and line for a malformed row;
// IoError naming the video when a listed file does not exist.
DatasetIndex index_csv(const std::string& csv, const std::string& root, const DatasetIndexOptions& options);

// Writes train.txt, val.txt, classes.csv and data.yaml (root, list, labels; eval.list) into
// `out`, each atomically. ArgumentError naming the file when one exists and !overwrite.
void write_dataset_index(const DatasetIndex& index, const std::string& root, const std::string& out,
                         bool overwrite);

// The JSON summary `sfar data index` prints: command, classes, train, val, videos_per_class (min
// and max over train and val together; 0 and 0 without classes), skipped_not_video (the paths),
// seed, out and config (<out>/data.yaml).
std::string dataset_index_summary_json(const DatasetIndex& index, std::uint64_t seed, const std::string& out);

}  // namespace sfar::data
