// libFuzzer target: sfar::io::VideoReader (FFmpeg demuxing, packet index, seeking decoder,
// RGB conversion) on a file of the input's bytes -- mutated real videos, seeded by
// scripts/fuzz.sh from the shared videos. Opens and indexes the file, then reads the first,
// middle and last frames (out of order, one repeated) at a small size, so that seeking and
// conversion run on whatever the index accepted. FFmpeg itself is not instrumented; sfar's
// code around it is.
#include <algorithm>

#include "fuzz_support.h"
#include "sfar/io/video_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string path = sfar::fuzz::write_scratch_file(".video", data, size);
  return sfar::fuzz::run_expecting_sfar_errors([&] {
    sfar::io::VideoReader reader(path, sfar::io::VideoReadOptions().threads(1).short_side(24).io_timeout_s(5));
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
  });
}
