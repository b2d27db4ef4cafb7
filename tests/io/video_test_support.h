// Helpers shared by the video tests: shared clips and clips made at run time with ffmpeg.
#pragma once

#include <cstdlib>
#include <string>

#include "support/test_data.h"

namespace sfar::test {

inline bool have_ffmpeg_cli() { return std::system("ffmpeg -version > /dev/null 2>&1") == 0; }

// Runs ffmpeg quietly; true on success.
inline bool run_ffmpeg(const std::string& args) {
  return std::system(("ffmpeg -hide_banner -loglevel error -y " + args + " > /dev/null 2>&1").c_str()) == 0;
}

// Makes a synthetic clip (moving test pattern) with the given output arguments.
inline bool make_test_clip(const std::string& path, const std::string& codec_args, int frames = 60) {
  return run_ffmpeg("-f lavfi -i testsrc2=size=176x144:rate=25 -frames:v " + std::to_string(frames) +
                    " -pix_fmt yuv420p " + codec_args + " " + path);
}

}  // namespace sfar::test

#define SFAR_REQUIRE_FFMPEG_CLI()                                          \
  if (!::sfar::test::have_ffmpeg_cli()) {                                  \
    GTEST_SKIP() << "ffmpeg command-line tool not installed; clip skipped"; \
  }
