#include "sfar/recipes/dry_run.h"

#include <cmath>

#include "sfar/core/error.h"
#include "sfar/core/logging.h"
#include "sfar/data/data_config.h"
#include "sfar/engine/runtime_setup.h"
#include "sfar/recipes/sfar_step.h"
#include "sfar/recipes/sfar_task.h"

namespace sfar::recipes {
namespace {

nlohmann::json bytes_json(std::int64_t bytes) { return {{"bytes", bytes}, {"human", engine::human_bytes(bytes)}}; }

// The sum of the head's gradient norms after one backward: zero says the head learns nothing.
double head_grad_norm(method::SfarModelImpl& model) {
  double norm = 0;
  for (const auto& p : model.head->parameters()) {
    if (p.grad().defined()) norm += p.grad().norm().item<double>();
  }
  return norm;
}

}  // namespace

nlohmann::json parameter_json(const method::SfarModelImpl& model) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [part, c] : method::count_parameters(model)) {
    out[part] = {{"total", c.total}, {"trainable", c.trainable}, {"frozen", c.frozen}};
  }
  return out;
}

nlohmann::json memory_json(const engine::MemoryEstimate& e, const std::string& device) {
  nlohmann::json j = {{"micro_batch", e.micro_batch},
                      {"parameters", bytes_json(e.parameter_bytes)},
                      {"gradients", bytes_json(e.gradient_bytes)},
                      {"optimizer_states", bytes_json(e.optimizer_bytes)},
                      {"activations_measured", e.per_clip.measured},
                      {"method", "activations: CPU allocations of one fp32 clip's forward still held when it returns "
                                 "(saved for backward), times the micro-batch; optimizer: AdamW's two fp32 moments "
                                 "per trainable parameter"}};
  if (e.per_clip.measured) {
    j["activations_per_clip"] = bytes_json(e.per_clip.saved_bytes);
    j["peak_one_clip_forward_backward"] = bytes_json(e.per_clip.peak_bytes);
    j["activations"] = bytes_json(e.activation_bytes);
  } else {
    j["activations"] = nullptr;
    j["note"] = "activations are measured on CPU only (device " + device + ")";
  }
  j["total"] = bytes_json(e.total_bytes);
  return j;
}

nlohmann::json scan_json(const ListScan& s) {
  return {{"list", s.list},       {"videos", s.videos}, {"present", s.present},
          {"missing", s.missing}, {"empty", s.empty},   {"bad", s.bad}};
}

nlohmann::json scan_dataset(const SfarRunConfig& config, const std::vector<std::string>& class_names) {
  nlohmann::json out = nlohmann::json::object();
  std::vector<std::pair<std::string, std::string>> lists = {{"train", config.data.list}};
  if (!config.eval.list.empty()) lists.emplace_back("eval", config.eval.list);
  for (const auto& [name, list] : lists) {
    data::DataConfig with_list = config.data;
    with_list.list = list;
    const auto scan = scan_list_files(data::load_records(with_list, class_names), config.data.root, list);
    out[name] = scan_json(scan);
    if (scan.ok()) {
      SFAR_LOG_INFO("dataset check {}", scan_summary(scan));
      continue;
    }
    if (config.data.bad_file_policy.kind == data::BadFilePolicy::Kind::kRaise || scan.present == 0) {
      throw IoError(list,
                    std::to_string(scan.missing) + " missing and " + std::to_string(scan.empty) + " empty of " +
                        std::to_string(scan.videos) + " listed videos" +
                        (scan.present == 0 ? " (none usable)" : " (data.bad_file_policy is raise)") + ", the first",
                    scan.bad.front());
    }
    SFAR_LOG_WARN("dataset check {}; training skips them (data.bad_file_policy {})", scan_summary(scan),
                  data::to_string(config.data.bad_file_policy));
  }
  return out;
}

DryRunResult dry_run(const SfarRunConfig& config) {
  const std::string device_name = engine::apply_runtime(config.run);  // scaffold step 1
  const nlohmann::json dataset = scan_dataset(config, data::load_class_names(config.data));
  SfarRun run = build_sfar_run(config, device_name, "");  // step 3; writes nothing
  SfarTrainTask task(run, config);                         // step 4
  const torch::Device device(run.device);
  run.model->to(device);
  run.model->train();
  const auto loss = task.first_batch_loss(device);
  loss.backward();
  // Activations of one clip (random pixels, label 0), measured by counting allocations, through
  // the loss every SFAR task computes.
  const auto bank = run.bank.to(device);
  const std::int64_t resolution = run.model->clip->config().image_resolution;
  const auto clip = torch::randn({1, config.data.num_frames, 3, resolution, resolution}, device);
  const auto label = torch::zeros({1}, torch::TensorOptions().dtype(torch::kInt64).device(device));
  SfarStep step(run.model, config.loss, 1, nullptr);
  const auto per_clip = engine::measure_activations([&] { return step.clips_loss(clip, label, bank); });
  const auto memory = engine::estimate_training_memory(*run.model, per_clip, config.train.micro_batch_size());
  DryRunResult result;
  result.finite_loss = std::isfinite(loss.item<double>());
  result.line = {{"dry_run", true},
                 {"device", run.device},
                 {"classes", run.class_names.size()},
                 {"train_videos", task.train_size()},
                 {"eval_videos", task.eval_size()},
                 {"steps_per_epoch", task.steps_per_epoch()},
                 {"parameters", parameter_json(*run.model)},
                 {"loss", loss.item<double>()},
                 {"head_grad_norm", head_grad_norm(*run.model)},
                 {"memory", memory_json(memory, run.device)},
                 {"dataset", dataset}};
  return result;
}

}  // namespace sfar::recipes
