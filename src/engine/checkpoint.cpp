#include "sfar/engine/checkpoint.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <filesystem>
#include <sstream>

#include "sfar/core/atomic_file.h"
#include "sfar/core/error.h"
#include "sfar/core/file_integrity.h"
#include "sfar/core/logging.h"
#include "sfar/core/torch_compat_optim.h"
#include "sfar/engine/model_ema.h"

namespace fs = std::filesystem;

namespace sfar::engine {
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

// True when the two files hold the same bytes.
bool files_equal(const std::string& a, const std::string& b) {
  std::error_code ec_a, ec_b;
  const auto size_a = fs::file_size(a, ec_a), size_b = fs::file_size(b, ec_b);
  if (ec_a || ec_b || size_a != size_b) return false;
  std::ifstream in_a(a, std::ios::binary), in_b(b, std::ios::binary);
  std::vector<char> buf_a(1 << 20), buf_b(1 << 20);
  while (in_a && in_b) {
    in_a.read(buf_a.data(), static_cast<std::streamsize>(buf_a.size()));
    in_b.read(buf_b.data(), static_cast<std::streamsize>(buf_b.size()));
    if (in_a.gcount() != in_b.gcount() ||
        std::memcmp(buf_a.data(), buf_b.data(), static_cast<std::size_t>(in_a.gcount())) != 0) {
      return false;
    }
  }
  return in_a.eof() && in_b.eof();
}

}  // namespace

std::string archive_bytes(torch::serialize::OutputArchive& archive) {
  std::ostringstream out(std::ios::binary);
  archive.save_to(out);
  return out.str();
}

torch::serialize::InputArchive load_checkpoint_archive(const std::string& path) {
  if (!fs::is_regular_file(path)) throw IoError(path, "checkpoint file not found");
  ZipCheck check;
  try {
    check = verify_zip_records(path);  // LibTorch's reader checks no CRC
  } catch (const FormatError& e) {
    throw FormatError(path, "not a readable checkpoint (truncated or corrupt?): " + e.message());
  }
  if (!check.sealed()) {
    SFAR_LOG_WARN("{}: {} of its {} records carry no CRC-32, so they cannot be checked", path, check.unchecked,
                  check.records);
  }
  torch::serialize::InputArchive archive;
  try {
    archive.load_from(path);
  } catch (const std::exception& e) {
    std::string reason = e.what();
    reason = reason.substr(0, reason.find('\n'));
    throw FormatError(path, "not a readable checkpoint (truncated or corrupt?): " + reason);
  }
  c10::IValue format;
  if (!archive.try_read(checkpoint_key::kFormat, format) || !format.isString() ||
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

std::int64_t load_model_weights(torch::nn::Module& model, const std::string& path) {
  auto archive = load_checkpoint_archive(path);
  c10::IValue step;
  if (!archive.try_read(checkpoint_key::kGlobalStep, step) || !step.isInt()) {
    throw FormatError(path + ": global_step", "missing from the checkpoint");
  }
  torch::serialize::InputArchive model_archive;
  if (!archive.try_read(checkpoint_key::kModel, model_archive)) {
    throw FormatError(path + ": model", "missing from the checkpoint");
  }
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
  return step.toInt();
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

std::string CheckpointDir::best_path() const { return (fs::path(dir_) / "best.pt").string(); }

std::string CheckpointDir::save_best(const std::string& bytes) {
  const std::string path = best_path();
  write_file_atomic(path, bytes);
  return path;
}

bool CheckpointDir::sync_best(const std::string& source) const {
  const std::string best = best_path();
  if (fs::exists(best) && files_equal(best, source)) return false;
  const std::string bytes = read_file(source);
  (void)verify_zip_records(source);
  write_file_atomic(best, bytes);
  return true;
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

namespace {

using torch::optim::AdamWOptions;
using torch::optim::AdamWParamState;

std::string group_key(std::size_t i) { return "group_" + std::to_string(i); }
std::string param_key(std::size_t j) { return "param_" + std::to_string(j); }

c10::IValue read_value(torch::serialize::InputArchive& archive, const std::string& key, const std::string& where) {
  c10::IValue value;
  if (!archive.try_read(key, value)) throw FormatError(where + "." + key, "missing from the checkpoint");
  return value;
}

double read_double(torch::serialize::InputArchive& archive, const std::string& key, const std::string& where) {
  const auto v = read_value(archive, key, where);
  if (!v.isDouble()) throw FormatError(where + "." + key, "expected a number");
  return v.toDouble();
}

std::int64_t read_int(torch::serialize::InputArchive& archive, const std::string& key, const std::string& where) {
  const auto v = read_value(archive, key, where);
  if (!v.isInt()) throw FormatError(where + "." + key, "expected an integer");
  return v.toInt();
}

// A saved moment `t` of `param`, checked and moved to the parameter's device and dtype.
torch::Tensor checked_moment(const torch::Tensor& t, const std::string& key, const torch::Tensor& param,
                             const std::string& where) {
  if (t.sizes() != param.sizes()) {
    throw ModelError(where + "." + key, "shape differs from the parameter's " + c10::str(param.sizes()),
                     c10::str(t.sizes()));
  }
  return t.to(param.options());
}

torch::Tensor read_moment(torch::serialize::InputArchive& archive, const std::string& key, const torch::Tensor& param,
                          const std::string& where) {
  torch::Tensor t;
  if (!archive.try_read(key, t)) throw FormatError(where + "." + key, "missing from the checkpoint");
  return checked_moment(t, key, param, where);
}

}  // namespace

void write_adamw_state(torch::serialize::OutputArchive& archive, const torch::optim::AdamW& optimizer) {
  const auto& groups = optimizer.param_groups();
  const auto& state = optimizer.state();
  archive.write("groups", c10::IValue(static_cast<std::int64_t>(groups.size())));
  for (std::size_t i = 0; i < groups.size(); ++i) {
    const auto& o = static_cast<const AdamWOptions&>(groups[i].options());
    torch::serialize::OutputArchive g;
    g.write("lr", c10::IValue(o.lr()));
    g.write("weight_decay", c10::IValue(o.weight_decay()));
    g.write("eps", c10::IValue(o.eps()));
    g.write("beta1", c10::IValue(std::get<0>(o.betas())));
    g.write("beta2", c10::IValue(std::get<1>(o.betas())));
    g.write("amsgrad", c10::IValue(o.amsgrad()));
    g.write("params", c10::IValue(static_cast<std::int64_t>(groups[i].params().size())));
    for (std::size_t j = 0; j < groups[i].params().size(); ++j) {
      const auto it = state.find(compat::optimizer_state_key(state, groups[i].params()[j]));
      if (it == state.end()) continue;  // no step has touched this parameter yet
      const auto& s = static_cast<const AdamWParamState&>(*it->second);
      torch::serialize::OutputArchive p;
      p.write("step", c10::IValue(s.step()));
      p.write("exp_avg", s.exp_avg());
      p.write("exp_avg_sq", s.exp_avg_sq());
      if (s.max_exp_avg_sq().defined()) p.write("max_exp_avg_sq", s.max_exp_avg_sq());
      g.write(param_key(j), p);
    }
    archive.write(group_key(i), g);
  }
}

void read_adamw_state(torch::serialize::InputArchive& archive, torch::optim::AdamW& optimizer,
                      const std::string& where) {
  auto& groups = optimizer.param_groups();
  const std::int64_t saved_groups = read_int(archive, "groups", where);
  if (saved_groups != static_cast<std::int64_t>(groups.size())) {
    throw ModelError(where, "saved for " + std::to_string(saved_groups) + " parameter groups, the optimizer has " +
                                std::to_string(groups.size()));
  }
  // Read and check everything first.
  std::vector<AdamWOptions> options;
  std::vector<std::vector<std::unique_ptr<AdamWParamState>>> saved(groups.size());  // null: no state
  for (std::size_t i = 0; i < groups.size(); ++i) {
    const std::string gw = where + "." + group_key(i);
    torch::serialize::InputArchive g;
    if (!archive.try_read(group_key(i), g)) throw FormatError(gw, "missing from the checkpoint");
    const auto& params = groups[i].params();
    const std::int64_t count = read_int(g, "params", gw);
    if (count != static_cast<std::int64_t>(params.size())) {
      throw ModelError(gw, "saved for " + std::to_string(count) + " parameters, the group has " +
                               std::to_string(params.size()));
    }
    const auto amsgrad = read_value(g, "amsgrad", gw);
    if (!amsgrad.isBool()) throw FormatError(gw + ".amsgrad", "expected true or false");
    AdamWOptions o(read_double(g, "lr", gw));
    o.weight_decay(read_double(g, "weight_decay", gw))
        .eps(read_double(g, "eps", gw))
        .betas({read_double(g, "beta1", gw), read_double(g, "beta2", gw)})
        .amsgrad(amsgrad.toBool());
    options.push_back(o);
    for (std::size_t j = 0; j < params.size(); ++j) {
      torch::serialize::InputArchive p;
      if (!g.try_read(param_key(j), p)) {
        saved[i].emplace_back();
        continue;
      }
      const std::string pw = gw + "." + param_key(j);
      auto s = std::make_unique<AdamWParamState>();
      s->step(read_int(p, "step", pw));
      s->exp_avg(read_moment(p, "exp_avg", params[j], pw));
      s->exp_avg_sq(read_moment(p, "exp_avg_sq", params[j], pw));
      torch::Tensor max_sq;
      if (p.try_read("max_exp_avg_sq", max_sq)) {
        s->max_exp_avg_sq(checked_moment(max_sq, "max_exp_avg_sq", params[j], pw));
      }
      saved[i].push_back(std::move(s));
    }
  }
  // Then replace the optimizer's state and group options.
  auto& state = optimizer.state();
  for (std::size_t i = 0; i < groups.size(); ++i) {
    static_cast<AdamWOptions&>(groups[i].options()) = options[i];
    for (std::size_t j = 0; j < groups[i].params().size(); ++j) {
      const auto key = compat::optimizer_state_key(state, groups[i].params()[j]);
      state.erase(key);
      if (saved[i][j]) state[key] = std::move(saved[i][j]);
    }
  }
}

}  // namespace sfar::engine
