// sfar_io_media reports the FFmpeg and OpenCV it decodes with (sfar env prints them).
#include <gtest/gtest.h>

#include "sfar/io/media_libraries.h"

namespace sfar::io {
namespace {

TEST(MediaLibraries, TheMediaVariantNamesFfmpegAndOpenCV) {
  const MediaLibraries media = media_libraries();
  EXPECT_TRUE(media.linked);
  EXPECT_FALSE(media.ffmpeg.empty());
  EXPECT_NE(media.libavcodec.find('.'), std::string::npos) << media.libavcodec;
  EXPECT_NE(media.libavformat.find('.'), std::string::npos) << media.libavformat;
  EXPECT_EQ(media.opencv.rfind("4.", 0), 0u) << media.opencv;
}

}  // namespace
}  // namespace sfar::io
