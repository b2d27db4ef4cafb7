#include <gtest/gtest.h>

#include "sfar/core/config_archive.h"
#include "sfar/core/config_loader.h"
#include "sfar/core/error.h"
#include "sfar/data/data_config.h"
#include "support/error_text.h"

namespace sfar::data {
namespace {

DataConfig read_data(const std::string& yaml) {
  const ConfigNode tree = parse_config_text(yaml, "data.yaml");
  return read_config<DataConfig>(tree.find("data"), "data");
}

// The policy is parsed once, when the config is read; it is written back in its canonical form.
TEST(DataConfig, BadFilePolicyIsParsedOnReadingAndWrittenBack) {
  EXPECT_EQ(read_data("data: {list: l.txt}\n").bad_file_policy.kind, BadFilePolicy::Kind::kSkip);
  const DataConfig retry = read_data("data: {list: l.txt, bad_file_policy: 'retry:3'}\n");
  EXPECT_EQ(retry.bad_file_policy.kind, BadFilePolicy::Kind::kRetry);
  EXPECT_EQ(retry.bad_file_policy.retries, 3);
  EXPECT_EQ(write_config(retry).find("bad_file_policy")->text(), "retry 3");
  EXPECT_EQ(read_data("data: {bad_file_policy: raise}\n").bad_file_policy.kind, BadFilePolicy::Kind::kRaise);

  const std::string error = test::thrown([] { read_data("data: {bad_file_policy: ignore}\n"); });
  EXPECT_NE(error.find("data.yaml"), std::string::npos) << error;
  EXPECT_NE(error.find("data.bad_file_policy"), std::string::npos) << error;
  EXPECT_NE(error.find("\"ignore\""), std::string::npos) << error;
}

// data.format takes the names of the format table, and its error lists them all.
TEST(DataConfig, FormatNamesComeFromTheFormatTable) {
  for (const auto& format : video_list_formats()) {
    EXPECT_EQ(read_data(std::string("data: {format: ") + format.name + "}\n").format, format.name);
  }
  const std::string error = test::thrown([] { read_data("data: {format: xml}\n"); });
  EXPECT_NE(error.find("data.format"), std::string::npos) << error;
  for (const auto& format : video_list_formats()) EXPECT_NE(error.find(format.name), std::string::npos) << error;
}

}  // namespace
}  // namespace sfar::data
