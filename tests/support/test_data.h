// Where the tests' reference files live, and scratch directories.
//
// The default suite reads only reference_path(): files that support/make_references.py
// generated in the build tree (the CTest fixture sfar_references) and data/ in the repository
// (source_dir()). Tests named *RealData* form the extra suite and read data_path(): the real
// videos, published descriptions and shipped goldens of the folder $SFAR_DATA_DIR names.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

namespace sfar::test {

// The generated references: <build>/test_references (see support/make_references.py).
std::string reference_dir();
// reference_dir() + "/" + relative, e.g. "clip/vit_tiny/openai.pt", "videos/h264_30fps.mp4".
std::string reference_path(const std::string& relative);
// A label or split file that ships in the repository: source_dir() + "/data/" + relative.
std::string repo_data_path(const std::string& relative);
// CLIP's BPE vocabulary (open_clip's copy) and the tiny CLIP the training tests use.
std::string clip_vocab_path();
std::string tiny_clip_path();

// Extra suite only: $SFAR_DATA_DIR (empty when unset).
std::string data_dir();
// data_dir() + "/" + relative.
std::string data_path(const std::string& relative);
// True when CI=true: there a missing extra-suite file fails the test instead of skipping it.
bool in_ci();
// The repository root (for configs/ and other checked-in files).
std::string source_dir();

// A fresh empty directory removed when the object goes out of scope.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

}  // namespace sfar::test

// Extra suite only (*RealData* tests): declares `var` as the path of a file under data_dir();
// skips the test (fails it in CI) when the file is missing, naming the file.
#define SFAR_REQUIRE_DATA(var, relative)                                       \
  const std::string var = ::sfar::test::data_path(relative);                   \
  if (!std::filesystem::exists(var)) {                                         \
    if (::sfar::test::in_ci()) {                                               \
      FAIL() << "missing data file " << var << " (set SFAR_DATA_DIR)";          \
    } else {                                                                   \
      GTEST_SKIP() << "missing data file " << var << " (set SFAR_DATA_DIR)";    \
    }                                                                          \
  }
