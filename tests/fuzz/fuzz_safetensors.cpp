// libFuzzer target: sfar::io::SafetensorsReader on arbitrary bytes. Every accepted entry's
// bytes are read in full, so that an entry the validation let through out of bounds shows up
// as an AddressSanitizer report.
#include "fuzz_support.h"
#include "sfar/io/safetensors_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string path = sfar::fuzz::write_scratch_file(".safetensors", data, size);
  (void)sfar::io::looks_like_safetensors(path);
  return sfar::fuzz::run_expecting_sfar_errors([&] {
    sfar::io::SafetensorsReader reader(path);
    unsigned checksum = 0;
    for (const auto& entry : reader.tensors()) {
      const std::byte* bytes = reader.bytes(entry);
      for (std::uint64_t i = 0; i < entry.end - entry.begin; ++i) checksum += static_cast<unsigned>(bytes[i]);
      if (reader.entry(entry.name).begin != entry.begin) std::abort();
    }
    volatile unsigned sink = checksum;
    (void)sink;
  });
}
