#include "video_geometry_support.h"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <mutex>
#include <set>
#include <sstream>

namespace sfar::test {
namespace {

// Output of a shell command (stdout), and its exit status.
std::pair<std::string, int> capture(const std::string& command) {
  std::string out;
  std::FILE* pipe = ::popen(command.c_str(), "r");
  if (!pipe) return {"", -1};
  char buffer[4096];
  std::size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof(buffer), pipe)) > 0) out.append(buffer, n);
  const int status = ::pclose(pipe);
  return {out, status};
}

std::string read_all_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace

bool have_encoder(const std::string& encoder) {
  static std::once_flag once;
  static std::set<std::string> encoders;
  std::call_once(once, [] {
    std::istringstream lines(capture("ffmpeg -hide_banner -encoders 2>/dev/null").first);
    std::string line;
    while (std::getline(lines, line)) {
      std::istringstream fields(line);
      std::string flags, name;
      if (fields >> flags >> name && flags.size() == 6) encoders.insert(name);
    }
  });
  return encoders.count(encoder) > 0;
}

std::string ffmpeg_error(const std::string& args) {
  const auto [out, status] = capture("ffmpeg -nostdin -hide_banner -loglevel error -y " + args + " 2>&1");
  if (status == 0) return "";
  return "ffmpeg " + args + "\n" + (out.empty() ? "failed" : out);
}

std::string pattern_input(int width, int height) {
  return "-f lavfi -i testsrc2=size=" + std::to_string(width) + "x" + std::to_string(height) + ":rate=10";
}

std::string clip_output_args(const ClipSpec& spec, const std::string& path) {
  return "-map 0:v -frames:v " + std::to_string(spec.frames) + " -vf scale=" + std::to_string(spec.width) +
         ":" + std::to_string(spec.height) + ",format=" + spec.pix_fmt + spec.filters + " " + spec.codec_args +
         " " + spec.extra_output_args + " " + path;
}

std::vector<FfmpegDecode> ffmpeg_rgb(const std::vector<RgbRequest>& requests) {
  std::string inputs, outputs;
  for (std::size_t i = 0; i < requests.size(); ++i) {
    const RgbRequest& r = requests[i];
    inputs += r.input_args + " -i " + r.path + " ";
    // passthrough: every decoded frame once, as the file's timestamps say (no CFR duplication);
    // bilinear: the filter sfar resizes with (it also picks swscale's conversion path).
    outputs += "-map " + std::to_string(i) + ":v:0 -fps_mode passthrough -sws_flags bilinear ";
    if (r.width > 0 && r.height > 0) {
      outputs += "-vf scale=" + std::to_string(r.width) + ":" + std::to_string(r.height) + ":flags=bilinear ";
    }
    outputs += "-f rawvideo -pix_fmt rgb24 " + r.path + "." + std::to_string(i) + ".rgb ";
  }
  const std::string error = ffmpeg_error(inputs + outputs);
  std::vector<FfmpegDecode> decodes(requests.size());
  for (std::size_t i = 0; i < requests.size(); ++i) {
    const std::string out = requests[i].path + "." + std::to_string(i) + ".rgb";
    decodes[i].error = error;
    if (error.empty()) {
      const std::string bytes = read_all_bytes(out);
      decodes[i].bytes.assign(bytes.begin(), bytes.end());
    }
    std::filesystem::remove(out);
  }
  return decodes;
}

FfmpegDecode ffmpeg_rgb(const std::string& path, int width, int height, const std::string& input_args) {
  return ffmpeg_rgb(std::vector<RgbRequest>{{path, width, height, input_args}}).front();
}

FrameDifference compare_rgb(const io::RgbFrame& frame, const std::vector<std::uint8_t>& reference,
                            std::size_t offset) {
  FrameDifference d;
  const std::size_t n = static_cast<std::size_t>(frame.width) * frame.height * 3;
  EXPECT_EQ(frame.data.size(), n) << "frame buffer of " << frame.width << "x" << frame.height;
  EXPECT_LE(offset + n, reference.size()) << "ffmpeg decoded fewer bytes than sfar";
  if (frame.data.size() != n || offset + n > reference.size()) {
    d.mean = 255;
    d.max = 255;
    return d;
  }
  std::uint64_t sum = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const int diff = std::abs(int(frame.data[i]) - int(reference[offset + i]));
    sum += diff;
    d.max = std::max(d.max, diff);
  }
  d.mean = n ? double(sum) / n : 0.0;
  return d;
}

std::pair<int, int> short_side_size(int width, int height, int short_side) {
  if (width <= height) {
    return {short_side, static_cast<int>((static_cast<std::int64_t>(height) * short_side + width / 2) / width)};
  }
  return {static_cast<int>((static_cast<std::int64_t>(width) * short_side + height / 2) / height), short_side};
}

}  // namespace sfar::test
