// The parallel part of `sfar data prepare`: a pool of threads takes jobs in list order, each job
// one video from decode to record. Bad files follow the run's BadFilePolicy.
#include "sfar/data/data_prepare.h"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <exception>
#include <filesystem>
#include <mutex>
#include <thread>

#include "sfar/core/error.h"
#include "sfar/core/logging.h"

namespace sfar::data {
namespace {

namespace fs = std::filesystem;

std::int64_t resolve_workers(std::int64_t workers, std::size_t jobs) {
  std::int64_t n = workers > 0 ? workers : static_cast<std::int64_t>(std::thread::hardware_concurrency());
  return std::clamp<std::int64_t>(n, 1, std::max<std::int64_t>(1, static_cast<std::int64_t>(jobs)));
}

bool is_temporary_name(const std::string& name) {
  const auto at = name.find(".tmp");
  return name.size() > 1 && name[0] == '.' && at != std::string::npos && at + 4 < name.size() &&
         std::isdigit(static_cast<unsigned char>(name[at + 4]));
}

// One job to the end: prepared, current, or bad (returns false). Throws only under `raise`.
class JobRunner {
 public:
  JobRunner(const PrepareSettings& settings, const BadFilePolicy& policy, BadFileLog& log)
      : settings_(settings), policy_(policy), log_(log) {}

  // 0: current, 1: prepared fresh, 2: redone (stale), -1: bad.
  int run(const PrepareJob& job) {
    PrepareState state = PrepareState::kFresh;
    const std::int64_t attempts = policy_.kind == BadFilePolicy::Kind::kRetry ? 1 + policy_.retries : 1;
    for (std::int64_t attempt = 0;; ++attempt) {
      try {
        if (attempt == 0) state = check_prepared(job.source, job.output, settings_);
        if (state == PrepareState::kCurrent) return 0;
        prepare_video(job.source, job.output, settings_);
        return state == PrepareState::kStale ? 2 : 1;
      } catch (const PrepareOutputError&) {
        throw;  // a full disk is no bad source: stop whatever the policy
      } catch (const Error& e) {
        if (policy_.kind == BadFilePolicy::Kind::kRaise) {
          throw IoError(job.origin, std::string("cannot prepare this video (data.bad_file_policy: raise): ") + e.what());
        }
        if (attempt + 1 >= attempts) {
          // Recorded only once every attempt failed (a retry that succeeds is no bad file);
          // the log counts each failed read.
          for (std::int64_t i = 0; i < attempts; ++i) log_.record(job.source, e.what());
          return -1;
        }
      }
    }
  }

 private:
  const PrepareSettings& settings_;
  const BadFilePolicy& policy_;
  BadFileLog& log_;
};

}  // namespace

PrepareRun run_prepare_jobs(const std::vector<PrepareJob>& jobs, const PrepareSettings& settings,
                            const BadFilePolicy& policy, std::int64_t workers,
                            const std::function<void(std::int64_t, std::int64_t)>& progress) {
  const auto start = std::chrono::steady_clock::now();
  BadFileLog log;
  JobRunner runner(settings, policy, log);
  std::atomic<std::size_t> next{0};
  std::atomic<bool> stop{false};
  std::atomic<std::int64_t> prepared{0}, redone{0}, current{0}, done{0};
  std::mutex mutex;
  std::exception_ptr failure;
  auto work = [&] {
    for (std::size_t i = next++; i < jobs.size() && !stop; i = next++) {
      try {
        const int outcome = runner.run(jobs[i]);
        if (outcome == 0) ++current;
        if (outcome >= 1) ++prepared;
        if (outcome == 2) ++redone;
      } catch (...) {
        std::lock_guard<std::mutex> lock(mutex);
        if (!failure) failure = std::current_exception();
        stop = true;
        return;
      }
      const std::int64_t finished = ++done;
      if (progress) {
        std::lock_guard<std::mutex> lock(mutex);
        progress(finished, static_cast<std::int64_t>(jobs.size()));
      }
    }
  };
  std::vector<std::thread> pool;
  const std::int64_t n = resolve_workers(workers, jobs.size());
  for (std::int64_t t = 1; t < n; ++t) pool.emplace_back(work);
  work();
  for (auto& thread : pool) thread.join();
  if (failure) std::rethrow_exception(failure);
  PrepareRun run;
  run.prepared = prepared;
  run.redone = redone;
  run.current = current;
  run.bad = log.files();
  for (const auto& bad : run.bad) run.bad_sources.push_back(bad.path);
  run.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return run;
}

std::int64_t remove_stale_temporaries(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return 0;
  std::vector<fs::path> stale;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    if (it->is_regular_file(ec) && is_temporary_name(it->path().filename().string())) stale.push_back(it->path());
  }
  if (ec) throw IoError(dir, "cannot list the folder: " + ec.message());
  for (const auto& path : stale) {
    if (!fs::remove(path, ec) && ec) throw IoError(path.string(), "cannot remove a stale temporary file: " + ec.message());
  }
  return static_cast<std::int64_t>(stale.size());
}

}  // namespace sfar::data
