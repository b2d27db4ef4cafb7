#include "sfar/train/checkpoint.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <sstream>

#include "sfar/core/atomic_file.h"
#include "sfar/core/error.h"
#include "sfar/train/model_ema.h"

namespace fs = std::filesystem;

namespace sfar::train {
namespace {

// Step number of "step_000000123.pt", or -1 for other names.
std::int64_t step_of(const std::string& filename) {
  const std::string prefix = "step_", suffix = ".pt";
  if (filename.size() <= prefix.size() + suffix.size() || filename.rfind(prefix, 0) != 0 ||
      filename.compare(filename.size() - suffix.size(), suffix.size(), suffix) != 0) {
    return -1;
  }
  const std::string digits =
      filename.substr(prefix.size(), filename.size() - prefix.size() - suffix.size());
  if (digits.empty() || !std::all_of(digits.begin(), digits.end(), ::isdigit)) return -1;
  return std::stoll(digits);
}

// write_file_atomic's temporary name for `target`: "." + target + ".tmp" + digits.
bool is_partial_write(const std::string& filename) {
  const auto tmp = filename.find(".pt.tmp");
  if (filename.empty() || filename[0] != '.' || tmp == std::string::npos) return false;
  const std::string target = filename.substr(1, tmp + 3 - 1);
  return target == "best.pt" || step_of(target) >= 0;
}

}  // namespace

std::string archive_bytes(torch::serialize::OutputArchive& archive) {
  std::ostringstream out(std::ios::binary);
  archive.save_to(out);
  return out.str();
}

torch::serialize::InputArchive load_checkpoint_archive(const std::string& path) {
  if (!fs::is_regular_file(path)) throw IoError(path, "checkpoint file not found");
  torch::serialize::InputArchive archive;
  try {
    archive.load_from(path);
  } catch (const std::exception& e) {
    std::string reason = e.what();
    reason = reason.substr(0, reason.find('\n'));
    throw FormatError(path, "not a readable checkpoint (truncated or corrupt?): " + reason);
  }
  c10::IValue format;
  if (!archive.try_read("format", format) || !format.isString() ||
      format.toStringRef() != kCheckpointFormat) {
    throw FormatError(path, std::string("not an sfar training checkpoint (expected format ") +
                                kCheckpointFormat + ")");
  }
  return archive;
}

void write_named_tensors(torch::serialize::OutputArchive& archive,
                         const torch::OrderedDict<std::string, torch::Tensor>& tensors) {
  c10::List<std::string> names;
  std::int64_t i = 0;
  for (const auto& item : tensors) {
    names.push_back(item.key());
    archive.write(std::to_string(i++), item.value().detach().cpu(), /*is_buffer=*/true);
  }
  archive.write("names", c10::IValue(names));
}

torch::OrderedDict<std::string, torch::Tensor> read_named_tensors(
    torch::serialize::InputArchive& archive) {
  c10::IValue names;
  archive.read("names", names);
  const auto list = names.toList();
  torch::OrderedDict<std::string, torch::Tensor> tensors;
  for (std::size_t i = 0; i < list.size(); ++i) {
    torch::Tensor t;
    archive.read(std::to_string(i), t, /*is_buffer=*/true);
    tensors.insert(list.get(i).toStringRef(), t);
  }
  return tensors;
}

void load_model_weights(torch::nn::Module& model, const std::string& path) {
  auto archive = load_checkpoint_archive(path);
  torch::serialize::InputArchive model_archive;
  if (!archive.try_read("model", model_archive)) throw FormatError(path + ": model", "missing from the checkpoint");
  const auto saved = read_named_tensors(model_archive);
  auto current = model_state(model);
  for (const auto& item : current) {
    const torch::Tensor* t = saved.find(item.key());
    if (!t) throw ModelError(path + ": " + item.key(), "missing from the checkpoint");
    if (t->sizes() != item.value().sizes()) {
      throw ModelError(path + ": " + item.key(), "shape differs from the model's " + c10::str(item.value().sizes()),
                       c10::str(t->sizes()));
    }
  }
  torch::NoGradGuard no_grad;
  for (auto& item : current) item.value().copy_(*saved.find(item.key()));
}

std::string config_hash(const std::string& text) {
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ull;
  }
  char buf[17];
  std::snprintf(buf, sizeof(buf), "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

CheckpointDir::CheckpointDir(std::string dir, std::int64_t keep_last)
    : dir_(std::move(dir)), keep_last_(keep_last) {
  if (keep_last < 1) throw ArgumentError("checkpoint keep_last", "must be at least 1",
                                         std::to_string(keep_last));
}

std::string CheckpointDir::path_for_step(std::int64_t step) const {
  char name[40];
  std::snprintf(name, sizeof(name), "step_%09lld.pt", static_cast<long long>(step));
  return (fs::path(dir_) / name).string();
}

std::string CheckpointDir::save(const std::string& bytes, std::int64_t step) {
  const std::string path = path_for_step(step);
  write_file_atomic(path, bytes);
  auto existing = list();
  while (static_cast<std::int64_t>(existing.size()) > keep_last_) {
    std::error_code ec;
    fs::remove(existing.front(), ec);
    if (ec) throw IoError(existing.front(), "cannot delete old checkpoint: " + ec.message());
    existing.erase(existing.begin());
  }
  return path;
}

std::string CheckpointDir::save_best(const std::string& bytes) {
  const std::string path = (fs::path(dir_) / "best.pt").string();
  write_file_atomic(path, bytes);
  return path;
}

std::vector<std::string> CheckpointDir::list() const {
  std::vector<std::pair<std::int64_t, std::string>> found;
  std::error_code ec;
  if (!fs::is_directory(dir_, ec)) return {};
  for (const auto& entry : fs::directory_iterator(dir_, ec)) {
    const std::int64_t step = step_of(entry.path().filename().string());
    if (step >= 0 && entry.is_regular_file()) found.emplace_back(step, entry.path().string());
  }
  std::sort(found.begin(), found.end());
  std::vector<std::string> paths;
  for (auto& f : found) paths.push_back(std::move(f.second));
  return paths;
}

std::vector<std::string> CheckpointDir::remove_partial_writes() const {
  std::vector<std::string> removed;
  std::error_code ec;
  if (!fs::is_directory(dir_, ec)) return removed;
  for (const auto& entry : fs::directory_iterator(dir_, ec)) {
    if (!is_partial_write(entry.path().filename().string()) || !entry.is_regular_file()) continue;
    std::error_code remove_ec;
    if (fs::remove(entry.path(), remove_ec)) removed.push_back(entry.path().string());
  }
  std::sort(removed.begin(), removed.end());
  return removed;
}

std::optional<std::string> CheckpointDir::newest_valid(std::vector<std::string>* skipped) const {
  const auto paths = list();
  for (auto it = paths.rbegin(); it != paths.rend(); ++it) {
    try {
      (void)load_checkpoint_archive(*it);
      return *it;
    } catch (const Error& e) {
      if (skipped) skipped->push_back(*it + ": " + e.message());
    }
  }
  return std::nullopt;
}

}  // namespace sfar::train
