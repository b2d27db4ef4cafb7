#include "sfar/data/bad_file_policy.h"

#include <cctype>

#include "sfar/core/error.h"
#include "sfar/core/logging.h"

namespace sfar::data {

BadFilePolicy parse_bad_file_policy(const std::string& text) {
  BadFilePolicy policy;
  if (text == "skip") return policy;
  if (text == "raise") {
    policy.kind = BadFilePolicy::Kind::kRaise;
    return policy;
  }
  if (text.rfind("retry", 0) == 0 && text.size() > 6 &&
      (text[5] == ' ' || text[5] == ':' || text[5] == '=')) {
    const std::string number = text.substr(6);
    bool digits = !number.empty() && number.size() < 6;
    for (const char c : number) digits = digits && std::isdigit(static_cast<unsigned char>(c));
    if (digits) {
      policy.kind = BadFilePolicy::Kind::kRetry;
      policy.retries = std::stoll(number);
      return policy;
    }
  }
  throw ArgumentError("bad_file_policy", "expected skip, raise or \"retry N\"", text);
}

std::string to_string(const BadFilePolicy& policy) {
  switch (policy.kind) {
    case BadFilePolicy::Kind::kSkip: return "skip";
    case BadFilePolicy::Kind::kRaise: return "raise";
    case BadFilePolicy::Kind::kRetry: return "retry " + std::to_string(policy.retries);
  }
  return "skip";
}

bool BadFileLog::record(const std::string& path, const std::string& reason) {
  std::lock_guard<std::mutex> lock(mutex_);
  ++failures_;
  auto [it, inserted] = files_.try_emplace(path, BadFile{path, reason, 0});
  ++it->second.failures;
  if (inserted) {
    // sfar errors already start with the path; name it only when the reason does not.
    if (reason.rfind(path, 0) == 0) {
      SFAR_LOG_WARN("bad video file, counted once: {}", reason);
    } else {
      SFAR_LOG_WARN("bad video file, counted once: {}: {}", path, reason);
    }
  }
  return inserted;
}

bool BadFileLog::contains(const std::string& path) const {
  std::lock_guard<std::mutex> lock(mutex_);
  return files_.count(path) > 0;
}

std::vector<BadFile> BadFileLog::files() const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<BadFile> out;
  for (const auto& [path, file] : files_) out.push_back(file);
  return out;
}

std::int64_t BadFileLog::distinct_count() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return static_cast<std::int64_t>(files_.size());
}

std::int64_t BadFileLog::failure_count() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return failures_;
}

void BadFileLog::restore(const std::vector<BadFile>& files) {
  std::lock_guard<std::mutex> lock(mutex_);
  for (const auto& file : files) {
    if (files_.try_emplace(file.path, file).second) failures_ += file.failures;
  }
}

void BadFileLog::count_replacement() {
  std::lock_guard<std::mutex> lock(mutex_);
  ++replacements_;
}

std::int64_t BadFileLog::replacement_count() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return replacements_;
}

}  // namespace sfar::data
