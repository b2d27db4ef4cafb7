// What a dataset does with a video that cannot be read (missing, empty, truncated, not a
// video): a corrupt file is data, handled by a policy, never a crash of the run. A config's
// `bad_file_policy` key is parsed into a BadFilePolicy once, when the config is read.
//
//   BadFilePolicy policy = parse_bad_file_policy("retry 2");
//   BadFileLog log;                    // shared by all loader workers
//   log.record(path, error.what());   // logs the first time only; counted every time
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "sfar/core/config_archive.h"

namespace sfar::data {

struct BadFilePolicy {
  enum class Kind {
    kSkip,   // replace the sample by another one drawn from (seed, epoch, index)
    kRetry,  // read the same file `retries` more times (transient I/O), then skip
    kRaise,  // throw, naming the file
  };
  Kind kind = Kind::kSkip;
  std::int64_t retries = 0;
};

// "skip" | "raise" | "retry N" (also "retry:N", "retry=N"); ArgumentError otherwise.
BadFilePolicy parse_bad_file_policy(const std::string& text);
std::string to_string(const BadFilePolicy& policy);
inline bool operator==(const BadFilePolicy& a, const BadFilePolicy& b) {
  return a.kind == b.kind && a.retries == b.retries;
}

struct BadFile {
  std::string path;
  std::string reason;       // the first error seen for this file
  std::int64_t failures = 0;  // every failed read, retries included
};

// Thread-safe record of bad files: each file is logged (warning) once, with its reason.
class BadFileLog {
 public:
  // Returns true the first time `path` is recorded.
  bool record(const std::string& path, const std::string& reason);
  bool contains(const std::string& path) const;
  // Distinct bad files, sorted by path.
  std::vector<BadFile> files() const;
  std::int64_t distinct_count() const;
  std::int64_t failure_count() const;
  // Adds files recorded by an earlier process (a resumed run), without logging them again;
  // a path already recorded keeps its entry.
  void restore(const std::vector<BadFile>& files);
  // Samples that were served by a replacement because their file was bad.
  void count_replacement();
  std::int64_t replacement_count() const;

 private:
  mutable std::mutex mutex_;
  std::map<std::string, BadFile> files_;
  std::int64_t failures_ = 0;
  std::int64_t replacements_ = 0;
};

}  // namespace sfar::data

namespace sfar::cfg {
template <>
struct TextCodec<data::BadFilePolicy> {
  static data::BadFilePolicy parse(const std::string& text) { return data::parse_bad_file_policy(text); }
  static std::string format(const data::BadFilePolicy& policy) { return data::to_string(policy); }
};
}  // namespace sfar::cfg
