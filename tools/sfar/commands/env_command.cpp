// `sfar env`: one JSON line describing this build and machine, for bug reports (as PyTorch's
// collect_env does): sfar's version and commit, LibTorch and what it was built with (CUDA,
// cuDNN, NCCL, BLAS), the CUDA devices present, threads, the CPU model, and the FFmpeg and OpenCV
// sfar links (io/media_libraries.h).

#include "../command.h"
#include "sfar/core/build_info.h"
#include "sfar/core/machine_info.h"
#include "sfar/core/runtime.h"
#include "sfar/engine/distributed.h"
#include "sfar/io/media_libraries.h"

namespace sfar::cli {
namespace {

// FFmpeg's and OpenCV's versions; null in a binary linked without them (io/media_libraries.h:
// a build without video I/O, or the GPU check's pack).
nlohmann::json ffmpeg_version() {
  const io::MediaLibraries media = io::media_libraries();
  if (!media.linked) return nullptr;
  return {{"version", media.ffmpeg}, {"libavformat", media.libavformat}, {"libavcodec", media.libavcodec}};
}
nlohmann::json opencv_version() {
  const io::MediaLibraries media = io::media_libraries();
  return media.linked ? nlohmann::json(media.opencv) : nlohmann::json();
}

nlohmann::json environment() {
  const auto torch = torch_environment();
  const auto collectives = engine::collective_support();
  nlohmann::json devices = nlohmann::json::array();
  for (const auto& device : torch.devices) {
    devices.push_back({{"name", device.name}, {"memory_gib", device.memory_bytes / double(1 << 30)}});
  }
  const auto or_null = [](const std::string& text) { return text.empty() ? nlohmann::json() : nlohmann::json(text); };
  return {
      {"sfar", std::string(SFAR_VERSION) + "+" + build_info::git_commit()},
      {"libtorch", torch.libtorch},
      {"cuda_compiled", torch.cuda_compiled},
      {"cuda_version", or_null(torch.cuda_version)},
      {"cudnn", or_null(torch.cudnn)},
      {"nccl", or_null(collectives.nccl_version)},
      {"gloo", collectives.gloo},
      {"blas", torch.blas},
      {"devices", devices},
      {"threads", torch.threads},
      {"cpu", cpu_model()},
      {"ffmpeg", ffmpeg_version()},
      {"opencv", opencv_version()},
      {"compiler", build_info::compiler()},
  };
}

}  // namespace

void add_env_command(CLI::App& app, CommandContext& context) {
  auto* command = app.add_subcommand(
      "env", "Print this build and machine as one JSON line (versions, CUDA, devices) for bug reports");
  context.on_run(command, [] {
    print_json_line(environment());
    return 0;
  });
}

}  // namespace sfar::cli
