#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>

#include "sfar/core/atomic_file.h"
#include "sfar/core/error.h"
#include "support/test_data.h"

namespace sfar {
namespace {

TEST(AtomicFile, WritesAndReplaces) {
  test::TempDir dir;
  const std::string path = dir.file("deep/er/file.txt");
  write_file_atomic(path, "one");
  EXPECT_EQ(read_file(path), "one");
  write_file_atomic(path, "two");
  EXPECT_EQ(read_file(path), "two");
  // No temporary files are left behind.
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir.file("deep/er"))) {
    (void)entry;
    ++files;
  }
  EXPECT_EQ(files, 1);
}

TEST(AtomicFile, FailureKeepsThePreviousFile) {
  if (::geteuid() == 0) {
    // root ignores directory permissions; use a path whose parent is a file instead.
    test::TempDir dir;
    write_file_atomic(dir.file("f"), "keep");
    EXPECT_THROW(write_file_atomic(dir.file("f/child"), "x"), IoError);
    EXPECT_EQ(read_file(dir.file("f")), "keep");
    return;
  }
  test::TempDir dir;
  const std::string path = dir.file("f");
  write_file_atomic(path, "keep");
  ::chmod(dir.path().c_str(), 0500);
  EXPECT_THROW(write_file_atomic(path, "lost"), IoError);
  ::chmod(dir.path().c_str(), 0700);
  EXPECT_EQ(read_file(path), "keep");
}

TEST(AtomicFile, MissingFileErrorNamesPath) {
  try {
    read_file("/nonexistent/sfar/file");
    FAIL();
  } catch (const IoError& e) {
    EXPECT_EQ(e.where(), "/nonexistent/sfar/file");
  }
}

}  // namespace
}  // namespace sfar
