// Shared pieces of the libFuzzer targets. Each target feeds the input to one parser and
// accepts the sfar::Error family (bad input said clearly); anything else escaping -- another
// exception, a crash, a sanitizer report -- is a finding that libFuzzer stops on.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include <unistd.h>

#include "sfar/core/error.h"

namespace sfar::fuzz {

// A per-process scratch file for parsers that only read from paths; rewritten every input.
inline std::string write_scratch_file(const std::string& suffix, const std::uint8_t* data, std::size_t size) {
  const char* tmp = std::getenv("TMPDIR");
  const std::string path = std::string(tmp && *tmp ? tmp : "/tmp") + "/sfar_fuzz_" +
                           std::to_string(::getpid()) + suffix;
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) std::abort();
  if (size > 0 && std::fwrite(data, 1, size, f) != size) std::abort();
  std::fclose(f);
  return path;
}

// $SFAR_DATA_DIR, which scripts/fuzz.sh always sets (to the references when no data folder is
// given). Without it a target stops before any input, saying so.
inline std::string data_dir() {
  const char* env = std::getenv("SFAR_DATA_DIR");
  if (!env || !*env) {
    std::fprintf(stderr, "SFAR_DATA_DIR is not set: run the fuzz targets through scripts/fuzz.sh\n");
    std::abort();
  }
  return env;
}

// Runs `body`; the sfar::Error family is the expected answer to bad input.
template <class F>
int run_expecting_sfar_errors(F&& body) {
  try {
    body();
  } catch (const sfar::Error&) {
  }
  return 0;
}

}  // namespace sfar::fuzz
