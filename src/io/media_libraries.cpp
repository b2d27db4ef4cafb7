#include "sfar/io/media_libraries.h"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/avutil.h>
}
#include <opencv2/core/utility.hpp>

namespace sfar::io {
namespace {

std::string libav_version(unsigned version) {
  return std::to_string(AV_VERSION_MAJOR(version)) + "." + std::to_string(AV_VERSION_MINOR(version)) + "." +
         std::to_string(AV_VERSION_MICRO(version));
}

}  // namespace

MediaLibraries media_libraries() {
  return {true, av_version_info(), libav_version(avformat_version()), libav_version(avcodec_version()),
          cv::getVersionString()};
}

}  // namespace sfar::io
