#include "sfar/recipes/model_benches.h"

#include <torch/torch.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <memory>
#include <vector>

#include "sfar/core/error.h"
#include "sfar/core/file_integrity.h"
#include "sfar/core/runtime.h"
#include "sfar/core/torch_compat.h"
#include "sfar/engine/checkpoint.h"
#include "sfar/engine/trainer.h"
#include "sfar/io/safetensors_reader.h"
#include "sfar/models/clip_model.h"
#include "sfar/models/safetensors_writer.h"
#include "sfar/models/torch_save.h"

namespace sfar::recipes {
namespace {

namespace fs = std::filesystem;

double ms_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

// Mean ms per call of `step` over `iters` calls, after one warm-up call.
template <typename Step>
double mean_ms(const torch::Device& device, std::int64_t iters, Step step) {
  step();
  if (device.is_cuda()) torch::cuda::synchronize();
  const auto start = std::chrono::steady_clock::now();
  for (std::int64_t i = 0; i < iters; ++i) step();
  if (device.is_cuda()) torch::cuda::synchronize();
  return ms_since(start) / static_cast<double>(iters);
}

// Median ms of `runs` calls of `step`.
template <typename Step>
double median_ms(std::int64_t runs, Step step) {
  std::vector<double> ms;
  for (std::int64_t i = 0; i < runs; ++i) {
    const auto start = std::chrono::steady_clock::now();
    step();
    ms.push_back(ms_since(start));
  }
  std::sort(ms.begin(), ms.end());
  return ms.size() % 2 ? ms[ms.size() / 2] : (ms[ms.size() / 2 - 1] + ms[ms.size() / 2]) / 2;
}

void require_positive(std::int64_t value, const char* option) {
  if (value <= 0) throw ArgumentError(option, "must be positive", std::to_string(value));
}

// The model tensors of a checkpoint archive that is already loaded.
std::size_t model_tensor_count(torch::serialize::InputArchive& archive) {
  torch::serialize::InputArchive model;
  archive.read(engine::checkpoint_key::kModel, model);
  return engine::read_named_tensors(model).size();
}

struct BenchFiles {
  std::string checkpoint, pt, safetensors;
  std::int64_t parameters = 0;
};

BenchFiles write_files(const models::ClipConfig& config, const fs::path& dir) {
  torch::manual_seed(0);
  models::ClipModel model(config);
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

}  // namespace

nlohmann::json bench_forward(const models::ClipConfig& config, const ForwardBenchOptions& options) {
  require_positive(options.batch, "--batch");
  require_positive(options.iters, "--iters");
  if (options.precision == engine::Precision::kFp16) {
    throw ArgumentError("--precision", "expected fp32 or bf16", engine::to_string(options.precision));
  }
  const torch::Device device(resolve_device(options.device));
  seed_everything(options.seed);
  const auto start = std::chrono::steady_clock::now();
  models::ClipModel model(config);
  model->to(device);
  model->eval();
  const double init_ms = ms_since(start);

  torch::NoGradGuard no_grad;
  std::unique_ptr<compat::AutocastGuard> autocast;
  if (engine::precision_entry(options.precision).autocast) {
    autocast = std::make_unique<compat::AutocastGuard>(device.type(), engine::compute_dtype(options.precision));
  }
  const auto r = config.image_resolution;
  const auto images = torch::randn({options.batch, 3, r, r}, torch::TensorOptions().device(device));
  // "<start> random ids <end>" padded with zeros, as the tokenizer lays texts out.
  auto tokens = torch::randint(1, config.eot_token_id, {options.batch, config.context_length},
                               torch::TensorOptions().dtype(torch::kInt64).device(device));
  tokens.slice(1, 12).zero_();
  tokens.select(1, 11).fill_(config.eot_token_id);
  const double image_ms = mean_ms(device, options.iters, [&] { model->encode_image(images); });
  const double text_ms = mean_ms(device, options.iters, [&] { model->encode_text(tokens); });
  const auto per_item = [&](double ms) { return ms / static_cast<double>(options.batch); };
  return {{"command", "bench forward"},
          {"device", device.str()},
          {"precision", engine::to_string(options.precision)},
          {"torch", compat::torch_version()},
          {"threads", torch::get_num_threads()},
          {"parameters", model->parameter_count()},
          {"init_ms", init_ms},
          {"batch", options.batch},
          {"iters", options.iters},
          {"image_ms_per_item", per_item(image_ms)},
          {"text_ms_per_item", per_item(text_ms)}};
}

nlohmann::json bench_checkpoint(const models::ClipConfig& config, const CheckpointBenchOptions& options) {
  require_positive(options.runs, "--runs");
  const fs::path dir = options.dir.empty()
                           ? fs::temp_directory_path() / ("sfar_bench_checkpoint_" + std::to_string(::getpid()))
                           : fs::path(options.dir);
  fs::create_directories(dir);
  const BenchFiles files = write_files(config, dir);
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
  nlohmann::json line = {{"command", "bench checkpoint"},
                         {"parameters", files.parameters},
                         {"tensors", static_cast<std::int64_t>(tensors)},
                         {"runs", options.runs},
                         {"checkpoint_bytes", size(files.checkpoint)},
                         {"load_unchecked_ms", plain_ms},
                         {"load_checked_ms", verified_ms},
                         {"check_overhead", plain_ms > 0 ? verified_ms / plain_ms - 1 : 0.0},
                         {"checkpoint_crc_ms", zip_check_ms},
                         {"pt_export_bytes", size(files.pt)},
                         {"pt_export_crc_ms", pt_check_ms},
                         {"safetensors_bytes", size(files.safetensors)},
                         {"safetensors_open_sealed_ms", safetensors_open_ms}};
  if (options.dir.empty()) fs::remove_all(dir);
  return line;
}

}  // namespace sfar::recipes
