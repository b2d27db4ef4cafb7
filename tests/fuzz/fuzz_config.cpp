// libFuzzer target: the YAML config loader (parse_config_text) and the typed reading of the
// result into SfarConfig (read_config), then the round trip through config_to_yaml; and the
// input's first line as the value of a `--set` override (apply_config_override). `_base_`
// names resolve inside an empty directory, so that inputs cannot pull in files of the machine.
// fuzz_config.dict holds YAML's anchors, aliases, tags and flow tokens and SfarConfig's keys.
#include "fuzz_support.h"
#include "sfar/core/config_archive.h"
#include "sfar/core/config_loader.h"
#include "sfar/core/sfar_config.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  sfar::fuzz::run_expecting_sfar_errors([&] {
    sfar::ConfigNode root = sfar::parse_config_text("run: {seed: 1}", "base.yaml");
    sfar::apply_config_override(root, "run.seed=" + text.substr(0, text.find('\n')));
    (void)sfar::read_config<sfar::SfarConfig>(&root);
  });
  return sfar::fuzz::run_expecting_sfar_errors([&] {
    const sfar::ConfigNode tree = sfar::parse_config_text(text, "fuzz.yaml", "/nonexistent/sfar_fuzz");
    // Whatever parsed must write out as YAML that parses again.
    (void)sfar::parse_config_text(sfar::config_to_yaml(tree), "fuzz-roundtrip.yaml", "/nonexistent/sfar_fuzz");
    const sfar::SfarConfig config = sfar::read_config<sfar::SfarConfig>(&tree);
    (void)sfar::sfar_config_to_yaml(config);
  });
}
