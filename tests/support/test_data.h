// Locating the shared test data (see ../shared/data/README.md) and scratch directories.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

namespace sfar::test {

// $SFAR_DATA_DIR, or ../shared/data beside the repository.
std::string data_dir();
// data_dir() + "/" + relative.
std::string data_path(const std::string& relative);
// True when CI=true: there a missing shared file fails the test instead of skipping it.
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

// Declares `var` as the path of a shared data file; skips the test (fails it in CI) when the
// file is missing, naming the file.
#define SFAR_REQUIRE_DATA(var, relative)                                       \
  const std::string var = ::sfar::test::data_path(relative);                   \
  if (!std::filesystem::exists(var)) {                                         \
    if (::sfar::test::in_ci()) {                                               \
      FAIL() << "missing shared data file " << var;                            \
    } else {                                                                   \
      GTEST_SKIP() << "missing shared data file " << var;                      \
    }                                                                          \
  }
