// PNG plots drawn by gnuplot from metrics.jsonl.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "sfar/core/atomic_file.h"
#include "sfar/core/error.h"
#include "sfar/engine/curve_plots.h"
#include "support/test_data.h"

namespace sfar::engine {
namespace {

namespace fs = std::filesystem;

// A resumed run: step 2 logged twice (the later line wins), a null loss, two evaluations.
const char* kMetrics =
    "{\"kind\":\"train\",\"step\":1,\"epoch\":0,\"loss\":2.5,\"lr\":1e-05}\n"
    "{\"kind\":\"train\",\"step\":2,\"epoch\":0,\"loss\":9.0,\"lr\":2e-05}\n"
    "{\"kind\":\"eval\",\"epoch\":0,\"step\":2,\"top1\":25.0,\"top5\":50.0,\"videos\":4}\n"
    "{\"kind\":\"train\",\"step\":2,\"epoch\":0,\"loss\":2.0,\"lr\":2e-05}\n"
    "{\"kind\":\"train\",\"step\":3,\"epoch\":1,\"loss\":null,\"lr\":1.5e-05}\n"
    "{\"kind\":\"eval\",\"epoch\":1,\"step\":4,\"top1\":50.0,\"top5\":75.0,\"videos\":4}\n";

// A run directory whose name a shell would trip over.
std::string odd_run_dir(const test::TempDir& dir) {
  const std::string run = dir.file("it's a \"run\" $(touch pwned); `x`");
  fs::create_directories(run);
  write_file_atomic(run + "/metrics.jsonl", kMetrics);
  return run;
}

bool valid_png(const std::string& path, std::uint32_t* width) {
  std::ifstream in(path, std::ios::binary);
  std::string head(24, '\0');
  in.read(head.data(), 24);
  if (in.gcount() != 24 || head.substr(0, 8) != "\x89PNG\r\n\x1a\n" || head.substr(12, 4) != "IHDR") return false;
  *width = 0;
  for (int i = 16; i < 20; ++i) *width = (*width << 8) | static_cast<unsigned char>(head[i]);
  return true;
}

TEST(CurvePlots, WritesDataAndScript) {
  test::TempDir dir;
  const std::string run = odd_run_dir(dir);
  const auto r = plot_training_curves(run, dir.file("no-such-gnuplot"));
  EXPECT_EQ(r.dir, run + "/plots");
  EXPECT_TRUE(r.pngs.empty());
  EXPECT_NE(r.warning.find("gnuplot not found"), std::string::npos) << r.warning;
  EXPECT_NE(r.warning.find("apt-get install gnuplot-nox"), std::string::npos) << r.warning;
  EXPECT_EQ(read_file(r.dir + "/loss.dat"), "# step loss\n1 2.5\n2 2\n3 ?\n");
  EXPECT_EQ(read_file(r.dir + "/lr.dat"), "# step lr\n1 1e-05\n2 2e-05\n3 1.5e-05\n");
  EXPECT_EQ(read_file(r.dir + "/eval.dat"), "# epoch top1 top5\n1 25 50\n2 50 75\n");
  const std::string script = read_file(r.dir + "/curves.gp");
  EXPECT_EQ(script, curves_gnuplot_script({"top1", "top5"}, true, true));
  EXPECT_EQ(script.find(run), std::string::npos);  // no user path reaches gnuplot's parser
  EXPECT_NE(script.find("\"eval.dat\" using 1:3"), std::string::npos);
}

TEST(CurvePlots, FailingGnuplotIsAWarning) {
  test::TempDir dir;
  const std::string run = odd_run_dir(dir);
  const auto r = plot_training_curves(run, "/bin/false");
  EXPECT_TRUE(r.pngs.empty());
  EXPECT_NE(r.warning.find("exit status 1"), std::string::npos) << r.warning;
  EXPECT_THROW(plot_training_curves(dir.file("no-run")), IoError);
}

TEST(CurvePlots, GnuplotDrawsValidPngs) {
  if (find_program("gnuplot").empty()) GTEST_SKIP() << "gnuplot is not installed (Debian: gnuplot-nox)";
  test::TempDir dir;
  const std::string run = odd_run_dir(dir);
  const auto r = plot_training_curves(run);
  EXPECT_TRUE(r.warning.empty()) << r.warning << "\n" << read_file(r.dir + "/gnuplot.log");
  ASSERT_EQ(r.pngs.size(), 3u);
  for (const char* name : {"loss.png", "lr.png", "eval.png"}) {
    const std::string png = r.dir + "/" + name;
    EXPECT_NE(std::find(r.pngs.begin(), r.pngs.end(), png), r.pngs.end()) << png;
    std::uint32_t width = 0;
    EXPECT_TRUE(valid_png(png, &width)) << png;
    EXPECT_EQ(width, 900u) << png;
    EXPECT_GT(fs::file_size(png), 5000u) << png;  // axes, labels and a curve, not a blank image
  }
  EXPECT_FALSE(fs::exists(fs::path(run) / "pwned"));
  EXPECT_FALSE(fs::exists(fs::path(run) / "plots" / "pwned"));
}

}  // namespace
}  // namespace sfar::engine
