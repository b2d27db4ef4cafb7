#include "support/test_data.h"

#include <cstdlib>
#include <random>

namespace sfar::test {

std::string source_dir() { return SFAR_SOURCE_DIR; }

std::string data_dir() {
  const char* env = std::getenv("SFAR_DATA_DIR");
  if (env && *env) return env;
  return (std::filesystem::path(SFAR_SOURCE_DIR) / ".." / "shared" / "data").lexically_normal().string();
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
