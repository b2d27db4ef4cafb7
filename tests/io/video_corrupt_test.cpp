// Bad input must give a clear error naming the file and the reason, never a crash or a hang.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "sfar/core/error.h"
#include "sfar/io/video_reader.h"
#include "support/test_data.h"
#include "video_test_support.h"

namespace sfar::io {
namespace {

void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

// Copies the first `fraction` of `source` to `target`.
void truncated_copy(const std::string& source, const std::string& target, double fraction) {
  const auto size = std::filesystem::file_size(source);
  std::ifstream in(source, std::ios::binary);
  std::string bytes(static_cast<std::size_t>(size * fraction), '\0');
  in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  write_bytes(target, bytes);
}

// Opening `path` throws ErrorType whose message names the file and contains `reason`.
template <typename ErrorType>
void expect_error(const std::string& path, const std::string& reason) {
  try {
    VideoReader reader(path);
    reader.read_frames({0});
    FAIL() << "no error for " << path;
  } catch (const ErrorType& e) {
    EXPECT_EQ(e.where(), path);
    EXPECT_NE(std::string(e.what()).find(reason), std::string::npos) << e.what();
  }
}

TEST(VideoCorrupt, MissingFile) {
  test::TempDir dir;
  expect_error<IoError>(dir.file("absent.mp4"), "no such file");
}

TEST(VideoCorrupt, Directory) {
  test::TempDir dir;
  expect_error<IoError>(dir.path().string(), "not a regular file");
}

TEST(VideoCorrupt, ZeroByteFile) {
  test::TempDir dir;
  write_bytes(dir.file("empty.mp4"), "");
  expect_error<FormatError>(dir.file("empty.mp4"), "empty file");
}

TEST(VideoCorrupt, TextFileNamedMp4) {
  test::TempDir dir;
  write_bytes(dir.file("notes.mp4"), "these are not the frames you are looking for\n");
  expect_error<FormatError>(dir.file("notes.mp4"), "not a readable video file");
}

TEST(VideoCorrupt, RandomBytes) {
  test::TempDir dir;
  std::string bytes(100000, '\0');
  std::uint32_t x = 12345;
  for (char& c : bytes) c = static_cast<char>((x = x * 1664525u + 1013904223u) >> 24);
  write_bytes(dir.file("noise.avi"), bytes);
  EXPECT_THROW(VideoReader(dir.file("noise.avi")), FormatError);
}

TEST(VideoCorrupt, AudioOnlyFileHasNoVideoStream) {
  SFAR_REQUIRE_FFMPEG_CLI();
  test::TempDir dir;
  ASSERT_TRUE(test::run_ffmpeg("-f lavfi -i sine=duration=1 " + dir.file("tone.wav")));
  expect_error<FormatError>(dir.file("tone.wav"), "no video stream");
}

TEST(VideoCorrupt, TruncatedMp4WithIndexAtTheEnd) {
  const std::string source = ::sfar::test::reference_path("videos/h264_30fps.mp4");
  test::TempDir dir;
  truncated_copy(source, dir.file("cut.mp4"), 0.3);
  expect_error<FormatError>(dir.file("cut.mp4"), "not a readable video file");
}

TEST(VideoCorrupt, TruncatedMp4WithIndexAtTheStart) {
  const std::string source = ::sfar::test::reference_path("videos/h264_30fps.mp4");
  SFAR_REQUIRE_FFMPEG_CLI();
  test::TempDir dir;
  ASSERT_TRUE(test::run_ffmpeg("-i " + source + " -c copy -movflags +faststart " + dir.file("fast.mp4")));
  truncated_copy(dir.file("fast.mp4"), dir.file("cut.mp4"), 0.3);
  expect_error<FormatError>(dir.file("cut.mp4"), "truncated");
}

TEST(VideoCorrupt, TruncatedAvi) {
  const std::string source = ::sfar::test::reference_path("videos/mpeg4_mp3.avi");
  test::TempDir dir;
  truncated_copy(source, dir.file("cut.avi"), 0.3);
  expect_error<FormatError>(dir.file("cut.avi"), "truncated");
}

}  // namespace
}  // namespace sfar::io
