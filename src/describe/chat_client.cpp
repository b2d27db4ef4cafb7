// The only translation unit that includes libcurl.
#include "sfar/describe/chat_client.h"

#include <curl/curl.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <mutex>
#include <random>
#include <thread>

#include "sfar/describe/content_hash.h"

namespace sfar::describe {
namespace {

using nlohmann::json;

double now_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

void init_curl_once() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

std::size_t on_body(char* data, std::size_t size, std::size_t count, void* user) {
  static_cast<std::string*>(user)->append(data, size * count);
  return size * count;
}

std::size_t on_header(char* data, std::size_t size, std::size_t count, void* user) {
  const std::string line(data, size * count);
  const std::string prefix = "retry-after:";
  std::string lower = line.substr(0, prefix.size());
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  if (lower == prefix) {
    try {
      *static_cast<double*>(user) = std::stod(line.substr(prefix.size()));
    } catch (const std::exception&) {
      // An HTTP-date Retry-After: fall back to the computed backoff.
    }
  }
  return size * count;
}

int on_progress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  const auto* cancel = static_cast<const std::atomic<bool>*>(user);
  return cancel && cancel->load() ? 1 : 0;
}

double jittered(double seconds) {
  thread_local std::mt19937 rng{std::random_device{}()};
  return seconds * std::uniform_real_distribution<double>(0.5, 1.0)(rng);
}

// The "error.message" of an OpenAI-style error body, else the body. A JSON body is
// re-serialised, so that a key hidden behind \u escapes is spelled out for redaction. Not
// shortened here: a cut could keep half of the key; ChatClient::complete() shortens after
// redacting.
std::string error_detail(const std::string& body) {
  try {
    const json parsed = json::parse(body);
    if (parsed.contains("error") && parsed["error"].is_object() && parsed["error"].contains("message")) {
      return parsed["error"]["message"].dump();
    }
    return parsed.dump();
  } catch (const json::exception&) {
  }
  return body;
}

// Values carried by errors are cut to this many bytes (after redaction).
constexpr std::size_t kMaxErrorValue = 2000;

}  // namespace

struct ChatClient::Transfer {
  CURLcode code = CURLE_OK;
  std::string error;
  long status = 0;
  std::string body;
  double retry_after_s = -1;
};

ChatClient::ChatClient(ChatClientOptions options) : options_(std::move(options)) {
  if (options_.endpoint.rfind("http://", 0) != 0 && options_.endpoint.rfind("https://", 0) != 0) {
    throw ArgumentError("--endpoint", "expected an http:// or https:// URL", options_.endpoint);
  }
  while (!options_.endpoint.empty() && options_.endpoint.back() == '/') options_.endpoint.pop_back();
  if (options_.model.empty()) throw ArgumentError("--model", "must not be empty");
  if (options_.timeout_s <= 0) throw ArgumentError("--timeout", "must be positive", std::to_string(options_.timeout_s));
  if (options_.retries < 0) throw ArgumentError("--retries", "must not be negative", std::to_string(options_.retries));
  if (!options_.api_key.empty()) {
    key_forms_.push_back(options_.api_key);
    // As a JSON string spells it (a key with '"', '\\' or control characters differs there).
    const std::string quoted = json(options_.api_key).dump(-1, ' ', false, json::error_handler_t::ignore);
    const std::string escaped = quoted.substr(1, quoted.size() - 2);
    if (!escaped.empty() && escaped != options_.api_key) key_forms_.push_back(escaped);
  }
  init_curl_once();
  curl_ = curl_easy_init();
  if (!curl_) throw LibraryError("libcurl curl_easy_init", "could not create a transfer handle (out of memory?)");
}

ChatClient::~ChatClient() { curl_easy_cleanup(static_cast<CURL*>(curl_)); }

std::string ChatClient::request_body(const ChatRequest& request) const {
  json body = {{"model", options_.model},
               {"messages", json::array({{{"role", "system"}, {"content", request.system}},
                                         {{"role", "user"}, {"content", request.user}}})}};
  if (request.temperature) body["temperature"] = *request.temperature;
  if (request.seed) body["seed"] = *request.seed;
  return body.dump();
}

std::string ChatClient::redact(std::string text, bool* found) const {
  if (found) *found = false;
  for (const std::string& form : key_forms_) {
    for (auto at = text.find(form); at != std::string::npos; at = text.find(form, at)) {
      text.replace(at, form.size(), kRedactedKey);
      at += std::char_traits<char>::length(kRedactedKey);
      if (found) *found = true;
    }
  }
  return text;
}

void ChatClient::wait(double seconds) const {
  const double until = now_s() + seconds;
  while (now_s() < until) {
    if (options_.cancel && options_.cancel->load()) {
      throw ChatError(ChatErrorKind::cancelled, options_.endpoint, "interrupted");
    }
    std::this_thread::sleep_for(std::chrono::duration<double>(std::min(0.05, until - now_s())));
  }
}

ChatClient::Transfer ChatClient::perform(const std::string& body) {
  CURL* curl = static_cast<CURL*>(curl_);
  curl_easy_reset(curl);
  Transfer t;
  char error[CURL_ERROR_SIZE] = {0};
  const std::string url = options_.endpoint + "/chat/completions";
  curl_slist* headers = curl_slist_append(nullptr, "Content-Type: application/json");
  if (!options_.api_key.empty()) {
    headers = curl_slist_append(headers, ("Authorization: Bearer " + options_.api_key).c_str());
  }
  const long timeout_ms = static_cast<long>(options_.timeout_s * 1000);
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.c_str());
  curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, timeout_ms);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, std::min(timeout_ms, 30000L));
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &t.body);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &t.retry_after_s);
  curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, on_progress);
  curl_easy_setopt(curl, CURLOPT_XFERINFODATA, options_.cancel);
  curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error);
  t.code = curl_easy_perform(curl);
  curl_slist_free_all(headers);
  if (t.code != CURLE_OK) {
    t.error = error[0] ? error : curl_easy_strerror(t.code);
  } else {
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &t.status);
  }
  return t;
}

// The one exit of complete(): whatever comes back, answer or error, is redacted here.
ChatAnswer ChatClient::complete(const ChatRequest& request) {
  ChatAnswer answer;
  try {
    answer = complete_unredacted(request);
  } catch (const ChatError& e) {
    const std::string where = redact(e.where()), message = redact(e.message());
    if (!e.has_value()) throw ChatError(e.kind(), where, message);
    throw ChatError(e.kind(), where, message, redact(e.value()).substr(0, kMaxErrorValue));
  }
  answer.content = redact(std::move(answer.content), &answer.echoed_api_key);
  answer.model = redact(std::move(answer.model));
  answer.finish_reason = redact(std::move(answer.finish_reason));
  return answer;
}

// Redaction is left to complete(): nothing here may shorten a string that could hold the key.
ChatAnswer ChatClient::complete_unredacted(const ChatRequest& request) {
  const std::string body = request_body(request);
  const std::string& where = options_.endpoint;
  std::string last_error;
  for (int attempt = 0; attempt <= options_.retries; ++attempt) {
    if (options_.requests_per_second > 0) {
      wait(next_request_time_ - now_s());
      next_request_time_ = now_s() + 1.0 / options_.requests_per_second;
    }
    if (options_.cancel && options_.cancel->load()) throw ChatError(ChatErrorKind::cancelled, where, "interrupted");
    const Transfer t = perform(body);
    double retry_after = -1;
    if (t.code == CURLE_ABORTED_BY_CALLBACK) {
      throw ChatError(ChatErrorKind::cancelled, where, "interrupted");
    } else if (t.code != CURLE_OK) {
      last_error = t.code == CURLE_OPERATION_TIMEDOUT ? "timed out: " + t.error : "network error: " + t.error;
    } else if (t.status == 200) {
      json parsed;
      try {
        parsed = json::parse(t.body);
      } catch (const json::exception&) {  // parse_error, and out_of_range for huge numbers
        throw ChatError(ChatErrorKind::bad_answer, where, "answer is not JSON", t.body);
      }
      const json* content = nullptr;
      ChatAnswer answer;
      if (parsed.is_object() && parsed.contains("choices") && parsed["choices"].is_array() && !parsed["choices"].empty()) {
        const json& choice = parsed["choices"][0];
        if (choice.contains("finish_reason") && choice["finish_reason"].is_string()) {
          answer.finish_reason = choice["finish_reason"];
        }
        if (choice.contains("message") && choice["message"].contains("content")) content = &choice["message"]["content"];
      }
      if (answer.finish_reason == "content_filter") {
        throw ChatError(ChatErrorKind::bad_answer, where, "answer refused by the endpoint's content filter");
      }
      if (!content || !content->is_string() || content->get<std::string>().empty()) {
        throw ChatError(ChatErrorKind::bad_answer, where, "answer has no choices[0].message.content",
                        parsed.dump());
      }
      answer.content = *content;
      if (parsed.contains("model") && parsed["model"].is_string()) answer.model = parsed["model"];
      answer.request_sha256 = sha256_hex(body);
      answer.attempts = attempt + 1;
      return answer;
    } else if (t.status == 429 || t.status >= 500) {
      last_error = "HTTP " + std::to_string(t.status) + ": " + error_detail(t.body);
      retry_after = t.retry_after_s;
    } else {
      const std::string hint = t.status == 401 || t.status == 403 ? " (check the API key)"
                               : t.status == 404                  ? " (check the endpoint URL and model)"
                                                                  : "";
      throw ChatError(ChatErrorKind::fatal, where + "/chat/completions",
                      "HTTP " + std::to_string(t.status) + hint, error_detail(t.body));
    }
    if (attempt == options_.retries) break;
    const double backoff = jittered(std::min(options_.backoff_max_s, options_.backoff_initial_s * std::pow(2.0, attempt)));
    wait(retry_after >= 0 ? std::min(retry_after, options_.max_retry_after_s) : backoff);
  }
  throw ChatError(ChatErrorKind::transport, where,
                  "failed after " + std::to_string(options_.retries + 1) + " attempts", last_error);
}

}  // namespace sfar::describe
