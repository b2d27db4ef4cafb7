// Bad input must give a clear error naming the file and the reason, never a crash or a hang.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "sfar/core/error.h"
#include "sfar/io/video_reader.h"
#include "support/test_data.h"
#include "video_geometry_support.h"
#include "video_test_support.h"

namespace sfar::io {
namespace {

void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
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

// Two clips' MPEG-TS bytes appended (`cat a.ts b.ts`): the demuxer flags the packet before the
// continuity break as corrupt, but at a join the next packet is a key frame whose timestamps
// start over. ffmpeg decodes all 20 frames; so does the reader, frame for frame.
TEST(VideoCorrupt, ConcatenatedMpegTsDecodesAsFfmpegDoes) {
  SFAR_REQUIRE_ENCODER("mpeg2video");
  test::TempDir dir;
  const std::string clip = "-f lavfi -i testsrc2=size=64x48:rate=10 -frames:v 10 -c:v mpeg2video ";
  ASSERT_TRUE(test::run_ffmpeg(clip + dir.file("a.ts")));
  ASSERT_TRUE(test::run_ffmpeg("-ss 2 " + clip + dir.file("b.ts")));
  write_bytes(dir.file("ab.ts"), read_bytes(dir.file("a.ts")) + read_bytes(dir.file("b.ts")));
  const test::FfmpegDecode reference = test::ffmpeg_rgb(dir.file("ab.ts"));
  ASSERT_EQ(reference.error, "");
  VideoReader reader(dir.file("ab.ts"), VideoReadOptions().threads(1));
  ASSERT_EQ(reader.info().frames, 20);
  const std::size_t frame_bytes = 64 * 48 * 3;
  ASSERT_EQ(reference.bytes.size(), 20 * frame_bytes);
  std::int64_t count = 0;
  reader.read_all([&](std::int64_t i, RgbFrame&& frame) {
    EXPECT_LE(test::compare_rgb(frame, reference.bytes, i * frame_bytes).mean, 1.0) << "frame " << i;
    ++count;
  });
  EXPECT_EQ(count, 20);
  const auto picked = reader.read_frames({15, 3});
  EXPECT_LE(test::compare_rgb(picked[0], reference.bytes, 15 * frame_bytes).mean, 1.0);
}

// Data lost inside a stream (TS packets cut out of the middle) is still refused: the packet
// after the break is no key frame starting over.
TEST(VideoCorrupt, MpegTsWithPacketsCutOutIsRefused) {
  SFAR_REQUIRE_ENCODER("mpeg2video");
  test::TempDir dir;
  ASSERT_TRUE(test::run_ffmpeg("-f lavfi -i testsrc2=size=64x48:rate=10 -frames:v 10 -c:v mpeg2video -g 100 " +
                               dir.file("a.ts")));
  const std::string bytes = read_bytes(dir.file("a.ts"));
  const std::size_t ts = 188, middle = bytes.size() / ts / 2 * ts;
  write_bytes(dir.file("gap.ts"), bytes.substr(0, middle) + bytes.substr(middle + 3 * ts));
  expect_error<FormatError>(dir.file("gap.ts"), "truncated or corrupt");
}

// A WebM cut off after its header keeps the declared duration (3.0 s); the frames present
// span less, which is what `sfar data check` reports as truncated.
TEST(VideoCorrupt, TruncatedWebmSpansLessThanItsDeclaredDuration) {
  SFAR_REQUIRE_ENCODER("libvpx");
  test::TempDir dir;
  ASSERT_TRUE(test::run_ffmpeg("-f lavfi -i testsrc2=size=64x48:rate=10 -t 3 -c:v libvpx -deadline realtime -g 5 " +
                               dir.file("full.webm")));
  const VideoInfo full = VideoReader(dir.file("full.webm")).info();
  EXPECT_EQ(full.frames, 30);
  EXPECT_NEAR(full.duration, 3.0, 0.01);
  EXPECT_NEAR(full.frames_duration, 3.0, 0.01);
  truncated_copy(dir.file("full.webm"), dir.file("cut.webm"), 0.4);
  const VideoInfo cut = VideoReader(dir.file("cut.webm")).info();
  EXPECT_NEAR(cut.duration, 3.0, 0.01);
  EXPECT_LT(cut.frames, 20);
  EXPECT_NEAR(cut.frames_duration, cut.frames * 0.1, 0.01);
}

}  // namespace
}  // namespace sfar::io
