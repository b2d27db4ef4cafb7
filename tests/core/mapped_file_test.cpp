// MappedFile: the bytes of a regular file, an empty file as (nullptr, 0), and IoError naming the
// path for a missing file or a directory (so no reader maps something that is not a file).
#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include "sfar/core/atomic_file.h"
#include "sfar/core/error.h"
#include "sfar/core/mapped_file.h"
#include "support/test_data.h"

namespace sfar {
namespace {

TEST(MappedFile, MapsTheFilesBytes) {
  test::TempDir dir;
  const std::string text = std::string("ab\0cd", 5);
  write_file_atomic(dir.file("f.bin"), text);
  for (const auto access : {MappedFile::Access::kRandom, MappedFile::Access::kSequential}) {
    const MappedFile file(dir.file("f.bin"), access);
    ASSERT_EQ(file.size(), text.size());
    EXPECT_EQ(std::memcmp(file.data(), text.data(), text.size()), 0);
  }
}

TEST(MappedFile, EmptyFileMapsToNothing) {
  test::TempDir dir;
  write_file_atomic(dir.file("empty"), "");
  const MappedFile file(dir.file("empty"));
  EXPECT_EQ(file.size(), 0u);
  EXPECT_EQ(file.data(), nullptr);
}

TEST(MappedFile, MissingFileAndDirectoryAreErrorsNamingThePath) {
  test::TempDir dir;
  for (const std::string& path : {dir.file("absent.bin"), dir.path().string()}) {
    try {
      const MappedFile file(path);
      ADD_FAILURE() << path << " was mapped";
    } catch (const IoError& e) {
      EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
    }
  }
}

}  // namespace
}  // namespace sfar
