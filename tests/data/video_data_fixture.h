// A temporary dataset for the dataset, loader and check tests: links to the clips that
// support/make_references.py encodes (MP4/H.264, AVI/MPEG-4 with MP3, WebM/VP9) next to a
// missing, an empty, a truncated and a non-video file.
#pragma once

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "sfar/data/video_list.h"
#include "support/test_data.h"

namespace sfar::test {

struct VideoDataFixture {
  TempDir dir;
  std::vector<data::VideoRecord> good, bad;

  // False when the generated clips are missing (the sfar_references fixture did not run).
  bool make() {
    const std::vector<std::string> sources = {"h264_28fps.mp4", "h264_30fps.mp4", "mpeg4_mp3.avi",
                                              "vp9_28fps.webm"};
    std::int64_t label = 0;
    for (const auto& name : sources) {
      const std::string source = reference_path("videos/" + name);
      if (!std::filesystem::exists(source)) return false;
      std::filesystem::create_symlink(source, dir.path() / name);
      good.push_back(record(name, label++ % 3));
    }
    std::ofstream(dir.file("zero.mp4")).close();
    std::ofstream(dir.file("notes.mp4")) << "this is a text file, not a video\n";
    const std::string full = read_bytes(reference_path("videos/mpeg4_mp3.avi"));
    std::ofstream(dir.file("cut.avi"), std::ios::binary) << full.substr(0, full.size() * 3 / 10);
    bad = {record("missing.mp4", 0), record("zero.mp4", 1), record("cut.avi", 2), record("notes.mp4", 0)};
    return true;
  }

  static data::VideoRecord record(const std::string& path, std::int64_t label) {
    data::VideoRecord r;
    r.path = path;
    r.labels = {label};
    r.origin = "fixture:" + path;
    return r;
  }

  static std::string read_bytes(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
};

}  // namespace sfar::test

#define SFAR_REQUIRE_VIDEO_FIXTURE(fixture)                                          \
  ::sfar::test::VideoDataFixture fixture;                                            \
  if (!fixture.make()) {                                                             \
    FAIL() << "missing generated clips in " << ::sfar::test::reference_path("videos")            \
           << " (run the CTest fixture sfar_make_references)";                                 \
  }
