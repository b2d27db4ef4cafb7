// What `sfar train` checks before it writes its run directory, through the binary: a bad list,
// label file, weights file or description cache, and loader sizes no machine can hold, leave
// no run directory behind (or a pre-existing one untouched); and a head that reads no sub-texts
// trains from a description cache whose sub-texts were never selected.
#include <gtest/gtest.h>

#include <filesystem>
#include <set>

#include "sfar/core/atomic_file.h"
#include "sfar/describe/description_cache.h"
#include "sfar/io/class_names.h"
#include "support/run_binary.h"
#include "support/test_data.h"
#include "support/tiny_run.h"

namespace sfar::recipes {
namespace {

namespace fs = std::filesystem;
using Result = test::CommandResult;

class RunPreflight : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(test::tiny_clip_path()) || !fs::exists(test::reference_path("videos/h264_30fps.mp4"))) {
      GTEST_SKIP() << "needs the generated references (ctest -R sfar_make_references)";
    }
    root_ = test::make_tiny_videos(dir_, test::reference_path("videos"), {"a.mp4", "b.mp4", "c.avi"}, "train.txt");
    config_ = test::TinyRun(root_, "train.txt", dir_.file("labels.csv")).work_dir(work_dir()).seed(7)
                  .write(dir_.file("tiny.yaml"));
  }

  std::string work_dir() const { return dir_.file("run"); }
  Result train(const std::string& sets) const {
    return test::run_binary(SFAR_BINARY, "train --config " + config_ + " " + sets, dir_);
  }
  // Every path under the work directory ("" entries only when it does not exist).
  std::set<std::string> tree() const {
    std::set<std::string> out;
    if (!fs::exists(work_dir())) return out;
    for (const auto& e : fs::recursive_directory_iterator(work_dir())) out.insert(e.path().string());
    return out;
  }
  // Exit 1 with `what` in the error, and the work directory as it was before.
  void expect_refused(const std::string& sets, const std::string& what) {
    const auto before = tree();
    const bool existed = fs::exists(work_dir());
    const Result r = train(sets);
    EXPECT_EQ(r.status, 1) << r.err;
    EXPECT_NE(r.err.find(what), std::string::npos) << r.err;
    EXPECT_EQ(fs::exists(work_dir()), existed) << sets;
    EXPECT_EQ(tree(), before) << sets;
  }

  test::TempDir dir_;
  std::string root_, config_;
};

TEST_F(RunPreflight, BadListLabelsWeightsOrCacheLeaveNoRunDirectory) {
  write_file_atomic(root_ + "/bad.txt", "a.mp4 0\nb.mp4 7\n");  // label 7 of 3 classes
  expect_refused("--set data.list=bad.txt", "bad.txt");
  write_file_atomic(dir_.file("dup.csv"), "id,name\n0,a\n1,a\n2,b\n");
  expect_refused("--set data.labels=" + dir_.file("dup.csv"), "dup.csv");
  expect_refused("--set model.weights=" + dir_.file("missing.pt"), "missing.pt");
  write_file_atomic(dir_.file("cache.json"), "{not json");
  expect_refused("--set descriptions.cache=" + dir_.file("cache.json"), "cache.json");
  expect_refused("--set eval.list=" + root_ + "/bad.txt", "bad.txt");
}

TEST_F(RunPreflight, PreExistingRunDirectoryIsLeftUntouched) {
  write_file_atomic(work_dir() + "/notes.txt", "an earlier run's notes\n");
  write_file_atomic(root_ + "/bad.txt", "a.mp4 0\nb.mp4 7\n");
  expect_refused("--set data.list=bad.txt", "bad.txt");
  EXPECT_EQ(read_file(work_dir() + "/notes.txt"), "an earlier run's notes\n");
}

TEST_F(RunPreflight, LoaderSizesNoMachineHoldsAreRefusedByKey) {
  expect_refused("--set data.workers=100000", "data.workers");
  expect_refused("--set data.decoder_threads=100000", "data.decoder_threads");
  expect_refused("--set data.num_frames=1000000000", "data.num_frames");
  expect_refused("--set data.short_side=1000000", "data.short_side");
  const Result r = train("--set data.num_frames=1000000000");
  EXPECT_NE(r.err.find("GiB"), std::string::npos) << r.err;  // the estimate
  EXPECT_EQ(r.err.find("bad_alloc"), std::string::npos) << r.err;
}

TEST_F(RunPreflight, MeanHeadTrainsWithAnUnselectedCache) {
  const auto labels = io::read_class_names(dir_.file("labels.csv"));
  describe::DescriptionCache cache = describe::new_description_cache(labels, "tiny");
  describe::DescriptionProvenance provenance;
  provenance.generator = "test";
  for (auto& c : cache.classes) c.candidates.push_back({{"One step.", "Another step."}, provenance, {}});
  describe::save_description_cache(dir_.file("unselected.json"), cache);
  const std::string with_cache = "--set descriptions.cache=" + dir_.file("unselected.json");
  const Result mean = train(with_cache);
  EXPECT_EQ(mean.status, 0) << mean.err;
  EXPECT_NE(mean.err.find("reads no sub-texts"), std::string::npos) << mean.err;
  // A head that reads sub-texts still needs the selection, and is refused before the run directory.
  fs::remove_all(work_dir());
  expect_refused(with_cache + " --set head.type=sfar", "no sub-text set is selected");
}

}  // namespace
}  // namespace sfar::recipes
