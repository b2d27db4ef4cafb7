// libFuzzer target: class-name files (sfar::parse_class_names) in every format. The first
// byte picks the format; the rest is the file's content.
#include "fuzz_support.h"
#include "sfar/io/class_names.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  static const sfar::io::ClassNameFormat kFormats[] = {
      sfar::io::ClassNameFormat::automatic, sfar::io::ClassNameFormat::csv,       sfar::io::ClassNameFormat::lines,
      sfar::io::ClassNameFormat::ssv2_json, sfar::io::ClassNameFormat::class_ind, sfar::io::ClassNameFormat::json_list};
  const sfar::io::ClassNameFormat format = kFormats[data[0] % 6];
  const std::string text(reinterpret_cast<const char*>(data + 1), size - 1);
  return sfar::fuzz::run_expecting_sfar_errors([&] {
    const sfar::io::ClassNames names = sfar::io::parse_class_names(text, "fuzz_labels.txt", format);
    for (std::size_t i = 0; i < names.size(); ++i) {
      const auto found = names.find(names.name(static_cast<std::int64_t>(i)));
      if (!found) std::abort();
    }
  });
}
