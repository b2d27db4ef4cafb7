#include "sfar/engine/run_dir.h"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "sfar/core/atomic_file.h"
#include "sfar/core/build_info.h"
#include "sfar/core/error.h"
#include "sfar/core/logging.h"
#include "sfar/core/machine_info.h"
#include "sfar/engine/tfevents_writer.h"

namespace fs = std::filesystem;

namespace sfar::engine {
namespace {

std::string hostname() {
  char buf[256] = {0};
  return ::gethostname(buf, sizeof(buf) - 1) == 0 ? buf : "unknown";
}

// JSON numbers cannot be NaN or infinite; those become null.
nlohmann::json number(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(); }

// The line's numbers as TensorBoard scalars (its bookkeeping fields and nulls left out), so
// that the event file holds exactly the values metrics.jsonl holds.
std::vector<std::pair<std::string, double>> tensorboard_scalars(const std::string& prefix, const nlohmann::json& line) {
  std::vector<std::pair<std::string, double>> out;
  for (const auto& [key, value] : line.items()) {
    if (key == "kind" || key == "step" || key == "epoch" || !value.is_number()) continue;
    out.emplace_back(prefix + key, value.get<double>());
  }
  return out;
}

}  // namespace

double max_rss_mb() {
  rusage usage{};
  if (::getrusage(RUSAGE_SELF, &usage) != 0) return 0;
  return static_cast<double>(usage.ru_maxrss) / 1024.0;  // Linux reports KiB
}

std::string environment_json(const RunDirOptions& options) {
  nlohmann::json env;
#ifdef SFAR_VERSION
  env["sfar_version"] = SFAR_VERSION;
#else
  env["sfar_version"] = "unknown";
#endif
  env["libtorch_version"] = options.libtorch_version.empty() ? "unknown" : options.libtorch_version;
  env["device"] = options.device;
  env["threads"] = options.threads;
  env["hostname"] = hostname();
  env["git_commit"] = build_info::git_commit();  // the commit built, wherever the run starts
  env["cpu_model"] = cpu_model();
  env["working_directory"] = fs::current_path().string();
  return env.dump(2) + "\n";
}

std::vector<EvalLine> read_eval_lines(const std::string& metrics_path) {
  std::ifstream in(metrics_path, std::ios::binary);
  if (!in) throw IoError(metrics_path, "cannot open file");
  std::vector<EvalLine> lines;
  std::string text;
  for (int number = 1; std::getline(in, text); ++number) {
    if (text.find("\"eval\"") == std::string::npos) continue;  // train lines, quickly
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(text);
    } catch (const nlohmann::json::parse_error& e) {
      throw FormatError(metrics_path + ":" + std::to_string(number), std::string("invalid JSON: ") + e.what());
    }
    if (!j.is_object() || j.value("kind", "") != "eval") continue;
    EvalLine line;
    line.epoch = j.value("epoch", std::int64_t{0});
    line.step = j.value("step", std::int64_t{0});
    for (const auto& [key, value] : j.items()) {
      if (key == "kind" || key == "epoch" || key == "step") continue;
      if (value.is_number()) line.metrics[key] = value.get<double>();
      if (value.is_null()) line.metrics[key] = std::nan("");
    }
    const auto same = std::find_if(lines.begin(), lines.end(), [&](const EvalLine& l) { return l.epoch == line.epoch; });
    if (same != lines.end()) lines.erase(same);  // evaluated again after a resume: the later line holds
    lines.push_back(std::move(line));
  }
  return lines;
}

RunDir::RunDir(const RunDirOptions& options) : path_(options.work_dir) {
  if (path_.empty()) throw ArgumentError("work_dir", "must not be empty");
  std::error_code ec;
  fs::create_directories(path_, ec);
  if (ec) throw IoError(path_, "cannot create the run directory: " + ec.message());
  if (!options.config_text.empty()) write_file_atomic(file("resolved.yaml"), options.config_text);
  write_file_atomic(file("environment.json"), environment_json(options));
  if (options.log_to_file) init_logging({options.log_level, file("log.txt"), 0});
  if (options.tensorboard) events_ = std::make_unique<EventFileWriter>(path_);
}

RunDir::~RunDir() = default;

std::string RunDir::event_file() const { return events_ ? events_->path() : std::string(); }

std::string RunDir::file(const std::string& name) const { return (fs::path(path_) / name).string(); }

void RunDir::append_metrics_line(const std::string& line) {
  const std::string path = file("metrics.jsonl");
  std::ofstream out(path, std::ios::app | std::ios::binary);
  if (!out) throw IoError(path, "cannot open for appending");
  out << line << '\n';
  out.flush();
  if (!out) throw IoError(path, "write failed");
}

MetricsRepair RunDir::truncate_metrics(std::int64_t step) {
  MetricsRepair repair;
  repair.path = file("metrics.jsonl");
  if (!fs::exists(repair.path)) return repair;
  std::string text = read_file(repair.path);
  if (!text.empty() && text.back() != '\n') {  // a kill in the middle of a line
    repair.torn = true;
    text.erase(text.rfind('\n') == std::string::npos ? 0 : text.rfind('\n') + 1);
  }
  std::string kept;
  for (std::size_t at = 0; at < text.size();) {
    const std::size_t end = text.find('\n', at);
    const std::string line = text.substr(at, end - at);
    at = end + 1;
    if (line.empty()) continue;
    const auto j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    const bool later = j.is_object() && j.contains("step") && j["step"].is_number_integer() &&
                       j["step"].get<std::int64_t>() > step;
    if (!j.is_object() || later) {
      ++repair.dropped;
      continue;
    }
    kept += line + '\n';
  }
  if (repair.dropped > 0 || repair.torn) write_file_atomic(repair.path, kept);
  return repair;
}

void RunDir::log_train(const TrainMetrics& m) {
  nlohmann::json j;
  j["kind"] = "train";
  j["step"] = m.step;
  j["epoch"] = m.epoch;
  j["loss"] = number(m.loss);
  j["lr"] = number(m.lr);
  j["samples_per_s"] = number(m.samples_per_s);
  j["grad_norm"] = number(m.grad_norm);
  j["skipped_steps"] = m.skipped_steps;
  if (m.loss_scale > 0) j["loss_scale"] = m.loss_scale;
  j["max_rss_mb"] = max_rss_mb();
  for (const auto& [name, value] : m.counters) j[name] = value;
  append_metrics_line(j.dump());
  if (events_) events_->add_scalars(tensorboard_scalars("train/", j), m.step);
}

void RunDir::log_eval(std::int64_t epoch, std::int64_t step,
                      const std::map<std::string, double>& metrics) {
  nlohmann::json j;
  j["kind"] = "eval";
  j["epoch"] = epoch;
  j["step"] = step;
  for (const auto& [name, value] : metrics) j[name] = number(value);
  append_metrics_line(j.dump());
  if (events_) {
    events_->add_scalars(tensorboard_scalars("eval/", j), step);
    events_->flush();
  }
}

}  // namespace sfar::engine
