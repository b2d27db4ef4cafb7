// A tiny `sfar train` run on the tiny reference CLIP (support/make_references.py), written as
// one baseline config and the options the tests vary, so that a test reads as "a tiny run with X":
//
//   const std::string config = test::TinyRun(root, "train.txt", test::write_tiny_labels(dir.file("labels.csv")))
//                                  .work_dir(dir.file("run")).head("sfar").frames(4).eval_list("val.txt")
//                                  .write(dir.file("tiny.yaml"));
//
// The baseline: run {name: tiny, threads: 2, device: cpu}; the tiny CLIP with quick GELU and
// CLIP's vocabulary; the mean head; 2 frames of 64 px (short side 72) through two workers with
// prefetch 2; random resized crop, flip and normalize for training, centre crop and normalize
// for evaluation; one epoch of batch 3, no warm-up, lr 1e-4, a metrics line per step; no
// evaluation list. Anything else: set(section, key, value).
#pragma once

#include <charconv>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "sfar/core/atomic_file.h"
#include "support/test_data.h"

namespace sfar::test {

class TinyRun {
 public:
  // `root` holds the videos, `list` (under root) the training list, `labels` the class names.
  TinyRun(const std::string& root, const std::string& list, const std::string& labels) {
    set("run", "name", "tiny").threads(2).set("run", "device", "cpu");
    set("model", "arch", "auto").set("model", "weights", tiny_clip_path()).set("model", "activation", "quick_gelu");
    set("text", "vocab", clip_vocab_path());
    head("mean");
    set("data", "root", root).set("data", "list", list).set("data", "labels", labels);
    frames(2).set("data", "short_side", "72").workers(2).set("data", "prefetch", "2");
    set("data", "train_pipeline", "[{type: random_resized_crop, size: 64}, {type: flip}, {type: normalize}]");
    set("data", "test_pipeline", "[{type: center_crop, size: 64}, {type: normalize}]");
    epochs(1).warmup_epochs(0).lr(1.0e-4).batch_size(3).set("train", "log_interval", "1");
  }

  TinyRun& name(const std::string& n) { return set("run", "name", n); }
  TinyRun& work_dir(const std::string& dir) { return set("run", "work_dir", dir); }
  TinyRun& threads(int n) { return set("run", "threads", std::to_string(n)); }
  TinyRun& seed(int n) { return set("run", "seed", std::to_string(n)); }
  TinyRun& head(const std::string& type) { return set("head", "type", type); }
  TinyRun& loss(const std::string& type) { return set("loss", "type", type); }
  // descriptions.cache and .num_subtexts (the sfar and temporal heads read sub-texts).
  TinyRun& descriptions(const std::string& cache, int num_subtexts) {
    return set("descriptions", "cache", cache).set("descriptions", "num_subtexts", std::to_string(num_subtexts));
  }
  TinyRun& frames(int n) { return set("data", "num_frames", std::to_string(n)); }
  TinyRun& workers(int n) { return set("data", "workers", std::to_string(n)); }
  // Training without the flip, or with a centre crop in place of the random resized one.
  TinyRun& without_flip() {
    return set("data", "train_pipeline", "[{type: random_resized_crop, size: 64}, {type: normalize}]");
  }
  TinyRun& center_crop_training() {
    return set("data", "train_pipeline", "[{type: center_crop, size: 64}, {type: normalize}]");
  }
  TinyRun& eval_list(const std::string& list) { return set("eval", "list", list); }
  TinyRun& epochs(int n) { return set("train", "epochs", std::to_string(n)); }
  TinyRun& warmup_epochs(double e) { return set("train", "warmup_epochs", number(e)); }
  TinyRun& lr(double rate) { return set("train", "lr", number(rate)); }
  // train.batch_size, and data.batch_size (the evaluation batch) with it.
  TinyRun& batch_size(int n) { return set("train", "batch_size", std::to_string(n)).eval_batch_size(n); }
  TinyRun& eval_batch_size(int n) { return set("data", "batch_size", std::to_string(n)); }

  // Any other key, its value written as YAML (`true`, `2`, `[a, b]`); unset leaves a key out.
  TinyRun& set(const std::string& section, const std::string& key, const std::string& value) {
    auto& entries = section_entries(section);
    for (auto& entry : entries) {
      if (entry.first == key) {
        entry.second = value;
        return *this;
      }
    }
    entries.emplace_back(key, value);
    return *this;
  }
  TinyRun& unset(const std::string& section, const std::string& key) {
    auto& entries = section_entries(section);
    for (auto it = entries.begin(); it != entries.end(); ++it) {
      if (it->first == key) {
        entries.erase(it);
        break;
      }
    }
    return *this;
  }

  // One flow mapping per section, in the order the sections were first set.
  std::string yaml() const {
    std::string out;
    for (const auto& [section, entries] : sections_) {
      out += section + ": {";
      for (std::size_t i = 0; i < entries.size(); ++i) out += (i ? ", " : "") + entries[i].first + ": " + entries[i].second;
      out += "}\n";
    }
    return out;
  }
  // Writes yaml() to `path`; returns `path`.
  std::string write(const std::string& path) const {
    write_file_atomic(path, yaml());
    return path;
  }

 private:
  using Entries = std::vector<std::pair<std::string, std::string>>;

  Entries& section_entries(const std::string& section) {
    for (auto& [name, entries] : sections_) {
      if (name == section) return entries;
    }
    sections_.emplace_back(section, Entries{});
    return sections_.back().second;
  }
  // The shortest text that reads back as the same double.
  static std::string number(double value) {
    char text[32];
    const auto end = std::to_chars(text, text + sizeof text, value).ptr;
    return std::string(text, end);
  }

  std::vector<std::pair<std::string, Entries>> sections_;
};

// The three classes of the tiny runs, as a label file at `path`; returns `path`.
inline std::string write_tiny_labels(const std::string& path) {
  write_file_atomic(path, "id,name\n0,arm wrestling\n1,cleaning pool\n2,applying eye makeup\n");
  return path;
}

// videos/ under `dir` with `names` linked to the clips in `shared_dir` (cycling through three of
// them, so that video i has class i % 3), a list file `list` ("name label" lines) under it and
// labels.csv in `dir`. Returns the videos root.
inline std::string make_tiny_videos(const TempDir& dir, const std::string& shared_dir,
                                    const std::vector<std::string>& names, const std::string& list) {
  namespace fs = std::filesystem;
  const fs::path root = dir.path() / "videos";
  fs::create_directories(root);
  const char* sources[] = {"h264_28fps.mp4", "h264_30fps.mp4", "mpeg4_mp3.avi"};
  std::string lines;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (!fs::exists(root / names[i])) fs::create_symlink(shared_dir + "/" + sources[i % 3], root / names[i]);
    lines += names[i] + " " + std::to_string(i % 3) + "\n";
  }
  write_file_atomic((root / list).string(), lines);
  write_tiny_labels(dir.file("labels.csv"));
  return root.string();
}

}  // namespace sfar::test
