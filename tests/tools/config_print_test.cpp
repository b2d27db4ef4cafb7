// `sfar config print` on every file under configs/ (globbed now, so a new config is covered
// without editing this test): it must load as the command that reads it would, print every key
// the file holds, and its print must read back to the same print.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "sfar/core/config_loader.h"
#include "support/run_binary.h"
#include "support/test_data.h"

namespace {

namespace fs = std::filesystem;

std::string quoted(const std::string& s) { return "'" + s + "'"; }

sfar::test::CommandResult print_config(const std::string& path, const sfar::test::TempDir& dir) {
  return sfar::test::run_binary(SFAR_BINARY, "config print --config " + quoted(path), dir);
}

// Every key of `file` (maps within maps) is in `printed`, at the same path.
void expect_keys_kept(const sfar::ConfigNode& file, const sfar::ConfigNode& printed, const std::string& path) {
  if (!file.is_map()) return;
  ASSERT_TRUE(printed.is_map()) << path << " is not a mapping in the print";
  for (const auto& [key, child] : file.fields()) {
    const sfar::ConfigNode* out = printed.find(key);
    ASSERT_NE(out, nullptr) << path + key << " is missing from the print";
    expect_keys_kept(child, *out, path + key + ".");
  }
}

TEST(ConfigPrint, EveryShippedConfigPrintsEveryKeyAndReadsBackToItself) {
  const fs::path configs = fs::path(sfar::test::source_dir()) / "configs";
  sfar::test::TempDir dir;
  int printed = 0;
  for (const auto& entry : fs::recursive_directory_iterator(configs)) {
    const auto ext = entry.path().extension();
    if (!entry.is_regular_file() || (ext != ".yaml" && ext != ".yml")) continue;
    SCOPED_TRACE(entry.path().string());
    const auto first = print_config(entry.path().string(), dir);
    ASSERT_EQ(first.status, 0) << first.err;
    ++printed;
    const sfar::ConfigNode out = sfar::parse_config_text(first.out, "print");
    expect_keys_kept(sfar::load_config_file(entry.path().string()), out, "");

    const std::string copy = dir.file("printed.yaml");
    std::ofstream(copy) << first.out;
    const auto second = print_config(copy, dir);
    ASSERT_EQ(second.status, 0) << second.err;
    EXPECT_EQ(second.out, first.out) << "the print does not read back to itself";
  }
  EXPECT_GT(printed, 0) << "no configs under " << configs;
}

}  // namespace
