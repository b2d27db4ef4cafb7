// libFuzzer target: the annotation-file readers (sfar::data::read_video_list), every format.
// The first byte picks the format (bits 0-2), multi-label (bit 3), whether a class list is
// given (bit 4) and the separator of the SlowFast CSV (bits 5-6); the rest is the file.
#include "fuzz_support.h"
#include "sfar/data/video_list.h"

namespace {

const sfar::data::VideoListFormat kFormats[] = {
    sfar::data::VideoListFormat::kPathLabel,   sfar::data::VideoListFormat::kRawFrames,
    sfar::data::VideoListFormat::kKineticsCsv, sfar::data::VideoListFormat::kSlowFastCsv,
    sfar::data::VideoListFormat::kSsv2Json,    sfar::data::VideoListFormat::kUcfSplit,
    sfar::data::VideoListFormat::kDiving48Json};

// Names the seeds (scripts/fuzz.sh) use, so that class-name formats get past the lookup.
const std::vector<std::string> kClassNames = {
    "abseiling", "air drumming", "ApplyEyeMakeup", "Archery", "brush_hair", "cartwheel",
    "Holding something", "Pushing something from left to right", "Back+15som+NoTwis+PIKE"};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::uint8_t selector = data[0];
  sfar::data::VideoListOptions options;
  options.multi_label = (selector & 0x08) != 0;
  if (selector & 0x10) options.class_names = kClassNames;
  static const char kSeparators[] = {' ', ',', ';', '\t'};
  options.separator = kSeparators[(selector >> 5) & 3];
  const sfar::data::VideoListFormat format = kFormats[(selector & 7) % 7];
  const std::string path = sfar::fuzz::write_scratch_file(".list", data + 1, size - 1);
  return sfar::fuzz::run_expecting_sfar_errors([&] {
    for (const auto& record : sfar::data::read_video_list(path, format, options)) {
      if (record.labels.empty() && format != sfar::data::VideoListFormat::kUcfSplit) std::abort();
      for (std::int64_t label : record.labels) {
        if (label < 0 || (!options.class_names.empty() && label >= static_cast<std::int64_t>(kClassNames.size()))) {
          std::abort();
        }
      }
    }
  });
}
