// libFuzzer target: sfar::io::VideoReader (FFmpeg demuxing, packet index, seeking decoder,
// RGB conversion) on a file of the input's bytes -- mutated real videos, seeded by
// scripts/fuzz.sh from the shared videos. Opens and indexes the file, then reads the first,
// middle and last frames (out of order, one repeated) at a small size, so that seeking and
// conversion run on whatever the index accepted; small videos are read at native size too. FFmpeg itself is not instrumented; sfar's
// code around it is.
#include <algorithm>

#include "fuzz_support.h"
#include "sfar/io/video_reader.h"

namespace {

// Opens and indexes `path`, reads the last, first, middle and first frames at `short_side`
// (0: native) and checks every buffer holds width x height x 3 bytes.
void read_checked(const std::string& path, int short_side) {
  sfar::io::VideoReader reader(path, sfar::io::VideoReadOptions().threads(1).short_side(short_side).io_timeout_s(5));
  const sfar::io::VideoInfo& info = reader.info();
  if (info.frames <= 0) return;
  const std::int64_t last = std::min<std::int64_t>(info.frames - 1, 300);
  const auto frames = reader.read_frames({last, 0, last / 2, 0});
  if (frames.size() != 4) std::abort();
  unsigned checksum = 0;
  for (const auto& f : frames) {
    if (f.data.size() != static_cast<std::size_t>(f.width) * f.height * 3) std::abort();
    for (std::size_t i = 0; i < f.data.size(); i += 97) checksum += f.data[i];
  }
  volatile unsigned sink = checksum;
  (void)sink;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string path = sfar::fuzz::write_scratch_file(".video", data, size);
  return sfar::fuzz::run_expecting_sfar_errors([&] {
    // Resized, and at native size where frames are small enough to stay fast: the native
    // conversion is where row strides that are not a multiple of swscale's SIMD block overflowed.
    const auto probe = sfar::io::VideoReader(path, sfar::io::VideoReadOptions().threads(1).io_timeout_s(5)).info();
    read_checked(path, 24);
    if (static_cast<std::int64_t>(probe.width) * probe.height <= 640 * 480) read_checked(path, 0);
  });
}
