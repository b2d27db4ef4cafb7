// Decompression bombs: a file of a few hundred bytes whose header declares a huge frame is
// refused, naming the file and the size, before a frame of it is allocated; the per-frame
// pixel limit is exact and configurable.
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "sfar/core/error.h"
#include "sfar/io/video_reader.h"
#include "support/test_data.h"
#include "video_test_support.h"

namespace sfar::io {
namespace {

std::string le16(int v) { return {static_cast<char>(v & 0xff), static_cast<char>((v >> 8) & 0xff)}; }

// A 288-byte GIF whose screen and only image are width x height: a two-colour table and one
// full data sub-block of zero codes.
std::string gif_declaring(int width, int height) {
  std::string gif = "GIF89a" + le16(width) + le16(height);
  gif += std::string{'\x80', '\0', '\0'};                 // global colour table of 2, background 0
  gif += std::string{'\0', '\0', '\0', '\xff', '\xff', '\xff'};  // black, white
  gif += ",";                                             // image descriptor
  gif += le16(0) + le16(0) + le16(width) + le16(height) + std::string(1, '\0');
  gif += std::string(1, '\x02');                          // LZW minimum code size
  gif += std::string(1, '\xff') + std::string(255, '\0');  // one data sub-block
  gif += std::string(1, '\0') + ";";                      // block terminator, trailer
  return gif;
}

// Peak resident set (VmHWM) in kB since the last reset_peak_rss(), or -1.
long peak_rss_kb() {
  std::ifstream status("/proc/self/status");
  std::string key;
  long value = -1;
  while (status >> key) {
    if (key == "VmHWM:") return status >> value ? value : -1;
    status.ignore(1 << 12, '\n');
  }
  return -1;
}

// Sets the peak resident set back to the current one (Linux: "5" to clear_refs); false when
// the kernel does not allow it.
bool reset_peak_rss() {
  std::ofstream clear("/proc/self/clear_refs");
  clear << "5";
  clear.flush();
  return static_cast<bool>(clear);
}

void expect_refused(const std::string& path, const std::string& size, const VideoReadOptions& options = {}) {
  try {
    VideoReader reader(path, options);
    FAIL() << "no error for " << path;
  } catch (const FormatError& e) {
    EXPECT_EQ(e.where(), path);
    const std::string what = e.what();
    EXPECT_NE(what.find("frame size " + size), std::string::npos) << what;
    EXPECT_NE(what.find("exceeds the per-frame limit"), std::string::npos) << what;
  }
}

TEST(VideoLimits, GifDeclaring16000x16000IsRefusedNamingFileAndSize) {
  test::TempDir dir;
  const std::string bomb = gif_declaring(16000, 16000);
  ASSERT_EQ(bomb.size(), 288u);
  std::ofstream(dir.file("bomb.gif"), std::ios::binary) << bomb;
  expect_refused(dir.file("bomb.gif"), "16000x16000 (256000000 pixels)");
}

// Before the limit this file cost 3.7-5.2 GB of RSS; refused, it costs next to nothing.
TEST(VideoLimits, GifBombIsRefusedBeforeAnyLargeAllocation) {
  test::TempDir dir;
  std::ofstream(dir.file("bomb.gif"), std::ios::binary) << gif_declaring(16000, 16000);
  if (!reset_peak_rss() || peak_rss_kb() < 0) GTEST_SKIP() << "the kernel cannot reset the peak RSS here";
  const long before = peak_rss_kb();
  EXPECT_THROW(VideoReader reader(dir.file("bomb.gif")), FormatError);
  const long grown_mb = (peak_rss_kb() - before) / 1024;
  EXPECT_LT(grown_mb, 64) << "peak RSS grew by " << grown_mb << " MB";
}

TEST(VideoLimits, TheLimitIsExactAndConfigurable) {
  SFAR_REQUIRE_FFMPEG_CLI();
  test::TempDir dir;
  const std::string path = dir.file("small.mkv");
  ASSERT_TRUE(test::run_ffmpeg("-f lavfi -i testsrc2=size=64x48:rate=10 -frames:v 3 -c:v ffv1 " + path));
  expect_refused(path, "64x48 (3072 pixels)", VideoReadOptions().max_pixels(64 * 48 - 1));
  VideoReader reader(path, VideoReadOptions().max_pixels(64 * 48));
  EXPECT_EQ(reader.read_frames({2}).front().width, 64);
  // The same GIF at a small size opens under the default limit.
  test::TempDir gifs;
  std::ofstream(gifs.file("ok.gif"), std::ios::binary) << gif_declaring(64, 48);
  EXPECT_EQ(VideoReader(gifs.file("ok.gif")).info().width, 64);
}

TEST(VideoLimits, ALimitOutsideFfmpegsRangeIsAnArgumentError) {
  test::TempDir dir;
  std::ofstream(dir.file("a.gif"), std::ios::binary) << gif_declaring(64, 48);
  EXPECT_THROW(VideoReader(dir.file("a.gif"), VideoReadOptions().max_pixels(0)), ArgumentError);
  EXPECT_THROW(VideoReader(dir.file("a.gif"), VideoReadOptions().max_pixels(1LL << 40)), ArgumentError);
}

}  // namespace
}  // namespace sfar::io
