// `sfar bench checkpoint --arch ViT-B/16 [--runs 5] [--dir D]`: what checking a file's
// integrity costs (core/file_integrity.h). Writes a randomly initialised CLIP of the preset as a
// training checkpoint (its model tensors, as the Trainer writes them), a `.pt` export and a
// `.safetensors` export, then loads each `--runs` times and prints the medians as one JSON line:
// a checkpoint load (archive and model tensors) without and with the CRC-32 check, and the
// check alone for each file. The files are deleted afterwards.
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <unistd.h>

#include "../command.h"
#include "sfar/core/error.h"
#include "sfar/core/file_integrity.h"
#include "sfar/engine/checkpoint.h"
#include "sfar/io/safetensors_reader.h"
#include "sfar/models/clip_model.h"
#include "sfar/models/safetensors_writer.h"
#include "sfar/models/torch_save.h"

namespace sfar::cli {
namespace {

namespace fs = std::filesystem;

struct BenchCheckpointOptions {
  std::string arch = "ViT-B/16";
  std::int64_t runs = 5;
  std::string dir;
};

// Median ms of `runs` calls of `step`.
template <typename Step>
double median_ms(std::int64_t runs, Step step) {
  std::vector<double> ms;
  for (std::int64_t i = 0; i < runs; ++i) {
    const auto start = std::chrono::steady_clock::now();
    step();
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
  }
  std::sort(ms.begin(), ms.end());
  return ms.size() % 2 ? ms[ms.size() / 2] : (ms[ms.size() / 2 - 1] + ms[ms.size() / 2]) / 2;
}

// The model tensors of a checkpoint archive that is already loaded.
std::size_t model_tensor_count(torch::serialize::InputArchive& archive) {
  torch::serialize::InputArchive model;
  archive.read(engine::checkpoint_key::kModel, model);
  return engine::read_named_tensors(model).size();
}

// The three files: checkpoint, .pt export, .safetensors export.
struct BenchFiles {
  std::string checkpoint, pt, safetensors;
  std::int64_t parameters = 0;
};

BenchFiles write_files(const BenchCheckpointOptions& options, const fs::path& dir) {
  torch::manual_seed(0);
  models::ClipModel model(models::clip_preset(options.arch));
  BenchFiles files{(dir / "checkpoint.pt").string(), (dir / "export.pt").string(),
                   (dir / "export.safetensors").string(), model->parameter_count()};
  torch::serialize::OutputArchive archive, model_archive;
  archive.write(engine::checkpoint_key::kFormat, c10::IValue(std::string(engine::kCheckpointFormat)));
  archive.write(engine::checkpoint_key::kGlobalStep, c10::IValue(std::int64_t{0}));
  torch::OrderedDict<std::string, torch::Tensor> state;
  std::vector<std::pair<std::string, torch::Tensor>> tensors;
  c10::Dict<std::string, torch::Tensor> dict;
  for (const auto& item : model->named_parameters()) {
    state.insert(item.key(), item.value());
    tensors.emplace_back(item.key(), item.value().detach());
    dict.insert(item.key(), item.value().detach());
  }
  engine::write_named_tensors(model_archive, state);
  archive.write(engine::checkpoint_key::kModel, model_archive);
  archive.save_to(files.checkpoint);
  models::save_torch_file(c10::IValue(dict), files.pt);
  models::save_safetensors(tensors, {}, files.safetensors);
  return files;
}

int run_bench_checkpoint(const BenchCheckpointOptions& options) {
  if (options.runs <= 0) throw ArgumentError("--runs", "must be positive", std::to_string(options.runs));
  const fs::path dir = options.dir.empty()
                           ? fs::temp_directory_path() / ("sfar_bench_checkpoint_" + std::to_string(::getpid()))
                           : fs::path(options.dir);
  fs::create_directories(dir);
  const BenchFiles files = write_files(options, dir);
  std::size_t tensors = 0;
  const double plain_ms = median_ms(options.runs, [&] {
    torch::serialize::InputArchive archive;  // LibTorch alone: no CRC is checked
    archive.load_from(files.checkpoint);
    tensors = model_tensor_count(archive);
  });
  const double verified_ms = median_ms(options.runs, [&] {
    auto archive = engine::load_checkpoint_archive(files.checkpoint);
    tensors = model_tensor_count(archive);
  });
  const double zip_check_ms = median_ms(options.runs, [&] { verify_zip_records(files.checkpoint); });
  const double pt_check_ms = median_ms(options.runs, [&] { verify_zip_records(files.pt); });
  const double safetensors_open_ms = median_ms(options.runs, [&] { io::SafetensorsReader reader(files.safetensors); });
  const auto size = [](const std::string& f) { return static_cast<std::int64_t>(fs::file_size(f)); };
  const std::int64_t checkpoint_bytes = size(files.checkpoint), pt_bytes = size(files.pt),
                     safetensors_bytes = size(files.safetensors);
  if (options.dir.empty()) fs::remove_all(dir);
  print_json_line({{"command", "bench checkpoint"},
                   {"arch", options.arch},
                   {"parameters", files.parameters},
                   {"tensors", static_cast<std::int64_t>(tensors)},
                   {"runs", options.runs},
                   {"checkpoint_bytes", checkpoint_bytes},
                   {"load_unchecked_ms", plain_ms},
                   {"load_checked_ms", verified_ms},
                   {"check_overhead", plain_ms > 0 ? verified_ms / plain_ms - 1 : 0.0},
                   {"checkpoint_crc_ms", zip_check_ms},
                   {"pt_export_bytes", pt_bytes},
                   {"pt_export_crc_ms", pt_check_ms},
                   {"safetensors_bytes", safetensors_bytes},
                   {"safetensors_open_sealed_ms", safetensors_open_ms}});
  return 0;
}

}  // namespace

void add_bench_checkpoint_command(CLI::App& app, CommandContext& context) {
  CLI::App* bench = bench_group(app);
  auto options = std::make_shared<BenchCheckpointOptions>();
  auto* sub = bench->add_subcommand("checkpoint", "Load time of checkpoints and exports with and without CRC checks");
  sub->add_option("--arch", options->arch, "CLIP preset of the random weights: ViT-B/32, ViT-B/16, ViT-L/14")
      ->capture_default_str();
  sub->add_option("--runs", options->runs, "Loads timed per case; the median is printed")->capture_default_str();
  sub->add_option("--dir", options->dir, "Where to write the files (kept); default a temporary directory, deleted");
  context.on_run(sub, [options] { return run_bench_checkpoint(*options); });
}

}  // namespace sfar::cli
