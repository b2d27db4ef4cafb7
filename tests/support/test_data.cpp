#include "support/test_data.h"

#include <cstdlib>
#include <random>

namespace sfar::test {

std::string source_dir() { return SFAR_SOURCE_DIR; }

// $SFAR_REFERENCE_DIR moves them, for test binaries run on another machine (scripts/gpu_check.sh).
std::string reference_dir() {
  const char* moved = std::getenv("SFAR_REFERENCE_DIR");
  return moved && *moved ? moved : SFAR_REFERENCE_DIR;
}

std::string reference_path(const std::string& relative) { return reference_dir() + "/" + relative; }

std::string repo_data_path(const std::string& relative) { return source_dir() + "/data/" + relative; }

std::string clip_vocab_path() { return reference_path("clip/bpe_simple_vocab_16e6.txt.gz"); }

std::string tiny_clip_path() { return reference_path("clip/vit_tiny/openai.pt"); }

std::string data_dir() {
  const char* env = std::getenv("SFAR_DATA_DIR");
  return env ? env : "";
}

std::string data_path(const std::string& relative) { return data_dir() + "/" + relative; }

bool in_ci() {
  const char* env = std::getenv("CI");
  return env && std::string(env) == "true";
}

TempDir::TempDir() {
  std::random_device rd;
  const auto base = std::filesystem::temp_directory_path();
  for (;;) {
    path_ = base / ("sfar_test_" + std::to_string(rd()));
    if (std::filesystem::create_directory(path_)) break;
  }
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

}  // namespace sfar::test
