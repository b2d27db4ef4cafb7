// libFuzzer target: the YAML config loader (parse_config_text) and the typed reading of the
// result into SfarConfig (read_config), then the round trip through config_to_yaml. `_base_`
// names resolve inside an empty directory, so that inputs cannot pull in files of the machine.
#include "fuzz_support.h"
#include "sfar/core/config_archive.h"
#include "sfar/core/config_loader.h"
#include "sfar/core/sfar_config.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  return sfar::fuzz::run_expecting_sfar_errors([&] {
    const sfar::ConfigNode tree = sfar::parse_config_text(text, "fuzz.yaml", "/nonexistent/sfar_fuzz");
    // Whatever parsed must write out as YAML that parses again.
    (void)sfar::parse_config_text(sfar::config_to_yaml(tree), "fuzz-roundtrip.yaml", "/nonexistent/sfar_fuzz");
    const sfar::SfarConfig config = sfar::read_config<sfar::SfarConfig>(&tree);
    (void)sfar::sfar_config_to_yaml(config);
  });
}
