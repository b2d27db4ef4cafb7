// Lists in, prepared videos and lists out: the mapping from records to outputs, the lock, the
// run, and the files a run reads afterwards (lists, data.yaml, provenance.json).
#include "sfar/data/data_prepare_dataset.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <chrono>
#include <ctime>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "sfar/core/atomic_file.h"
#include "sfar/core/error.h"
#include "sfar/core/name_table.h"

namespace sfar::data {
namespace {

namespace fs = std::filesystem;

std::string source_path(const std::string& root, const std::string& path) {
  const fs::path p(path);
  if (p.is_absolute() || root.empty()) return p.string();
  return (fs::path(root) / p).string();
}

// Holds an exclusive flock on `<out>/.prepare.lock` while alive.
class OutputLock {
 public:
  explicit OutputLock(const fs::path& out) : path_((out / ".prepare.lock").string()) {
    std::error_code ec;
    fs::create_directories(out, ec);
    if (ec) throw IoError(out.string(), "cannot create the output folder: " + ec.message());
    fd_ = ::open(path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0) throw IoError(path_, "cannot create the lock file");
    if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
      ::close(fd_);
      throw IoError(out.string(), "another `sfar data prepare` is writing to this folder (its lock is held)");
    }
  }
  ~OutputLock() { ::close(fd_); }
  OutputLock(const OutputLock&) = delete;
  OutputLock& operator=(const OutputLock&) = delete;

 private:
  std::string path_;
  int fd_ = -1;
};

std::string labels_text(const std::vector<std::int64_t>& labels) {
  std::string text;
  for (const auto l : labels) text += (text.empty() ? "" : ",") + std::to_string(l);
  return text;
}

std::string utc_now() {
  const std::time_t t = std::time(nullptr);
  char buffer[32];
  std::tm tm{};
  gmtime_r(&t, &tm);
  std::strftime(buffer, sizeof(buffer), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buffer;
}

std::string quoted(const std::string& s) { return nlohmann::json(s).dump(); }

std::string data_yaml(const PrepareDatasetRequest& r, const fs::path& out, const std::vector<PreparedListSummary>& lists) {
  std::string yaml = "# Written by `sfar data prepare` (provenance.json beside it). Add it after the run's config:\n"
                     "#   sfar train --config <run>.yaml --config " + (out / "data.yaml").string() + "\n"
                     "data:\n  root: " + quoted((out / "videos").string()) + "\n  format: path_label\n" +
                     "  prepared_short_side: " + std::to_string(r.settings.even_short_side()) + "\n";
  if (!lists.empty()) yaml += "  list: " + quoted(lists[0].path) + "\n";
  if (!r.labels.empty()) yaml += "  labels: " + quoted(fs::absolute(r.labels).lexically_normal().string()) + "\n";
  yaml += std::string("  multi_label: ") + (r.multi_label ? "true" : "false") + "\n";
  for (std::size_t i = 1; i < lists.size(); ++i) {
    if (lists[i].name == "eval") yaml += "eval:\n  list: " + quoted(lists[i].path) + "\n";
  }
  return yaml;
}

nlohmann::json provenance(const PrepareDatasetRequest& r, const PrepareDatasetResult& result) {
  nlohmann::json lists = nlohmann::json::array();
  for (std::size_t i = 0; i < r.lists.size(); ++i) {
    const auto& s = result.lists[i];
    lists.push_back({{"name", s.name}, {"source_list", r.lists[i].list}, {"prepared_list", s.path},
                     {"records", s.records}, {"kept", s.kept}, {"dropped", s.dropped}});
  }
  nlohmann::json bad = nlohmann::json::array();
  for (const auto& b : result.run.bad) bad.push_back({{"path", b.path}, {"reason", b.reason}});
  return {{"tool", "sfar data prepare"},
          {"sfar_version", r.sfar_version},
          {"written_utc", utc_now()},
          {"config_files", r.config_files},
          {"source_root", r.root.empty() ? "" : fs::absolute(r.root).lexically_normal().string()},
          {"settings", {{"codec", entry_of(prepare_codecs(), r.settings.codec).name},
                        {"short_side", r.settings.short_side},
                        {"quality", r.settings.quality},
                        {"gop", r.settings.gop},
                        {"key", r.settings.key()}}},
          {"bad_file_policy", to_string(r.policy)},
          {"lists", lists},
          {"videos", result.videos},
          {"source_bytes", result.source_bytes},
          {"prepared_bytes", result.prepared_bytes},
          {"bad_files", bad}};
}

}  // namespace

std::string prepared_output_path(const std::string& path, const std::string& videos_dir,
                                 const PrepareSettings& settings, const std::string& origin) {
  fs::path rel = fs::path(path).lexically_normal();
  if (rel.is_absolute()) rel = fs::path("abs") / rel.relative_path();
  if (rel.empty() || *rel.begin() == ".." || !rel.has_filename()) {
    throw ArgumentError(origin, "a video path that leaves the dataset root cannot be mapped into the output", path);
  }
  rel.replace_extension(settings.extension());
  return (fs::path(videos_dir) / rel).string();
}

std::vector<PrepareJob> plan_prepare_jobs(const PrepareDatasetRequest& request) {
  const std::string videos = (fs::path(request.out) / "videos").string();
  std::vector<PrepareJob> jobs;
  std::map<std::string, std::size_t> by_output;
  for (const auto& list : request.lists) {
    for (const auto& record : list.records) {
      if (record.start_frame != 0 || record.end_frame != -1) {
        throw ArgumentError(record.origin, "a trimmed record (start/end frame) cannot go into a path_label list; "
                                           "`sfar data prepare` handles whole videos only", record.path);
      }
      PrepareJob job{source_path(request.root, record.path),
                     prepared_output_path(record.path, videos, request.settings, record.origin), record.origin};
      const auto [it, inserted] = by_output.emplace(job.output, jobs.size());
      if (inserted) {
        jobs.push_back(std::move(job));
      } else if (jobs[it->second].source != job.source) {
        throw ArgumentError(record.origin, "two videos would be prepared into one file (" + jobs[it->second].origin +
                                               " names " + jobs[it->second].source + ")", job.output);
      }
    }
  }
  return jobs;
}

PrepareDatasetResult prepare_dataset(const PrepareDatasetRequest& request,
                                     const std::function<void(std::int64_t, std::int64_t)>& progress) {
  if (request.out.empty()) throw ArgumentError("--out", "no output folder given");
  const fs::path out = fs::absolute(request.out).lexically_normal();
  const std::vector<PrepareJob> jobs = plan_prepare_jobs(request);
  OutputLock lock(out);
  PrepareDatasetResult result;
  result.stale_temporaries_removed = remove_stale_temporaries((out / "videos").string());
  result.videos = static_cast<std::int64_t>(jobs.size());
  result.run = run_prepare_jobs(jobs, request.settings, request.policy, request.workers, progress);

  const std::set<std::string> bad(result.run.bad_sources.begin(), result.run.bad_sources.end());
  for (const auto& job : jobs) {
    if (bad.count(job.source)) continue;
    result.source_bytes += static_cast<std::int64_t>(fs::file_size(job.source));
    result.prepared_bytes += static_cast<std::int64_t>(fs::file_size(job.output));
  }
  const std::string videos = (out / "videos").string();
  for (const auto& list : request.lists) {
    PreparedListSummary summary{list.name, (out / (list.name + ".txt")).string(),
                                static_cast<std::int64_t>(list.records.size()), 0, 0};
    std::string text;
    for (const auto& record : list.records) {
      if (bad.count(source_path(request.root, record.path))) {
        ++summary.dropped;
        continue;
      }
      const std::string output = prepared_output_path(record.path, videos, request.settings, record.origin);
      text += fs::path(output).lexically_relative(videos).string() + " " + labels_text(record.labels) + "\n";
      ++summary.kept;
    }
    write_file_atomic(summary.path, text);
    result.lists.push_back(summary);
  }
  result.data_yaml = (out / "data.yaml").string();
  result.provenance = (out / "provenance.json").string();
  write_file_atomic(result.provenance, provenance(request, result).dump(2) + "\n");
  write_file_atomic(result.data_yaml, data_yaml(request, out, result.lists));
  return result;
}

}  // namespace sfar::data
