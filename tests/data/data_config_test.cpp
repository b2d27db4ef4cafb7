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

// The per-frame pixel limit defaults to 8192x8192 and stays within what FFmpeg takes (INT_MAX).
TEST(DataConfig, MaxFramePixelsHasAn8KDefaultAndARange) {
  EXPECT_EQ(read_data("data: {list: l.txt}\n").max_frame_pixels, 8192LL * 8192LL);
  EXPECT_EQ(read_data("data: {max_frame_pixels: 33177600}\n").max_frame_pixels, 7680LL * 4320LL);
  for (const char* bad : {"0", "3000000000"}) {
    const std::string error = test::thrown([&] { read_data(std::string("data: {max_frame_pixels: ") + bad + "}\n"); });
    EXPECT_NE(error.find("data.max_frame_pixels"), std::string::npos) << error;
  }
}

// data.format takes the names of the format table, and its error lists them all.
TEST(DataConfig, FormatNamesComeFromTheFormatTable) {
  for (const auto& format : video_list_formats()) {
    EXPECT_EQ(read_data(std::string("data: {format: ") + format.name + "}\n").format, format.value);
  }
  const std::string error = test::thrown([] { read_data("data: {format: xml}\n"); });
  EXPECT_NE(error.find("data.format"), std::string::npos) << error;
  for (const auto& format : video_list_formats()) EXPECT_NE(error.find(format.name), std::string::npos) << error;
}

// data.sampler reads every name of the sampler table into its enumerator (table order is
// enumerator order), builds that sampler, prints back by name, and an unknown name is refused
// with the key and every known name.
TEST(DataConfig, SamplerNamesComeFromTheSamplerTable) {
  const auto& samplers = frame_samplers();
  for (std::size_t i = 0; i < samplers.size(); ++i) {
    EXPECT_EQ(static_cast<std::size_t>(samplers[i].value), i) << samplers[i].name;
    const DataConfig config = read_data(std::string("data: {sampler: ") + samplers[i].name + ", num_frames: 4}\n");
    EXPECT_EQ(config.sampler, samplers[i].value);
    EXPECT_EQ(make_sampler(config)->describe().rfind(samplers[i].name, 0), 0u) << make_sampler(config)->describe();
    const std::string printed = config_to_yaml(write_config(config));
    EXPECT_NE(printed.find(std::string("sampler: \"") + samplers[i].name + "\""), std::string::npos) << printed;
  }
  const std::string error = test::thrown([] { read_data("data: {sampler: random}\n"); });
  EXPECT_NE(error.find("data.sampler"), std::string::npos) << error;
  for (const auto& sampler : samplers) EXPECT_NE(error.find(sampler.name), std::string::npos) << error;
}

}  // namespace
}  // namespace sfar::data
