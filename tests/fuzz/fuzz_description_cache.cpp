// libFuzzer target: the description-cache loader (sfar::parse_description_cache). The first
// byte picks the checks (against a two-class label list or none, required selection and
// candidates, minimum sub-texts); the rest is the cache's JSON. An accepted cache must write
// out as JSON that loads again.
#include "fuzz_support.h"
#include "sfar/describe/description_cache.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  static const sfar::io::ClassNames labels({"abseiling", "air drumming"}, "fuzz_labels.csv", sfar::io::ClassNameFormat::csv);
  const std::uint8_t selector = data[0];
  sfar::describe::DescriptionCacheCheck check;
  if (selector & 1) check.labels = &labels;
  check.require_selected = (selector & 2) != 0;
  check.require_candidates = (selector & 4) != 0;
  check.min_subtexts = (selector >> 3) & 7;
  const std::string text(reinterpret_cast<const char*>(data + 1), size - 1);
  return sfar::fuzz::run_expecting_sfar_errors([&] {
    const sfar::describe::DescriptionCache cache = sfar::describe::parse_description_cache(text, "fuzz_cache.json", check);
    (void)sfar::describe::description_cache_json_lines(cache);
    (void)sfar::describe::parse_description_cache(sfar::describe::description_cache_to_json(cache), "fuzz_roundtrip.json", check);
  });
}
