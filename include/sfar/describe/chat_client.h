// A client for OpenAI-compatible Chat Completions endpoints (POST {endpoint}/chat/completions)
// over HTTP or HTTPS. It retries what may pass (time-outs, cut connections, 429, 5xx) with
// exponential backoff and jitter, honouring Retry-After; it spaces requests to a rate limit;
// it stops at once on what will not pass (401, 403, 404, other 4xx). The API key is sent
// only in the Authorization header. The client is the one place the key is known: every
// string complete() hands back (answer content, the endpoint's model name, every error's
// where, message and value) passes one redaction, so the key an endpoint echoes (in an
// answer, an error body, a sub-text) reaches no output, cache, log or event.
//
//   ChatClient client({.endpoint = "https://api.openai.com/v1", .model = "gpt-4o", .api_key = key});
//   ChatAnswer answer = client.complete({system, user, 0.7, 1234});
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sfar/core/error.h"

namespace sfar::describe {

struct ChatClientOptions {
  std::string endpoint;             // base URL, e.g. "https://api.openai.com/v1"
  std::string model;
  std::string api_key;              // empty: no Authorization header
  double timeout_s = 120;           // per request
  int retries = 5;                  // extra attempts after the first
  double backoff_initial_s = 1.0;   // delay before retry k: initial * 2^k, jittered to [50%, 100%]
  double backoff_max_s = 60.0;
  double max_retry_after_s = 600;   // a larger Retry-After is capped to this
  double requests_per_second = 0;   // 0: no limit
  const std::atomic<bool>* cancel = nullptr;  // set: abort the request in flight and any wait
};

struct ChatRequest {
  std::string system;
  std::string user;
  std::optional<double> temperature;
  std::optional<std::int64_t> seed;
};

struct ChatAnswer {
  std::string content;
  std::string finish_reason;
  std::string model;           // as the endpoint reports it
  std::string request_sha256;  // of the JSON request body
  int attempts = 1;
  bool echoed_api_key = false;  // the content held the API key (now redacted out of it)
};

// Why a request failed. `transport`: retries exhausted on time-outs, network errors, 429 or
// 5xx. `fatal`: the endpoint refuses the client (401, 403, 404, other 4xx): stop the run.
// `bad_answer`: the endpoint answered 200 but the answer is unusable (bad JSON, no content,
// refused by a content filter). `cancelled`: the cancel flag was set.
enum class ChatErrorKind { transport, fatal, bad_answer, cancelled };

class ChatError : public NetworkError {
 public:
  ChatError(ChatErrorKind kind, std::string where, std::string message)
      : NetworkError(std::move(where), std::move(message)), kind_(kind) {}
  ChatError(ChatErrorKind kind, std::string where, std::string message, std::string value)
      : NetworkError(std::move(where), std::move(message), std::move(value)), kind_(kind) {}
  ChatErrorKind kind() const noexcept { return kind_; }

 private:
  ChatErrorKind kind_;
};

class ChatClient {
 public:
  explicit ChatClient(ChatClientOptions options);
  ~ChatClient();
  ChatClient(const ChatClient&) = delete;
  ChatClient& operator=(const ChatClient&) = delete;

  // Sends one request (with retries). Throws ChatError. The answer and the error hold no API key.
  ChatAnswer complete(const ChatRequest& request);

  // The JSON body complete() would send (model, messages [system, user], temperature, seed).
  std::string request_body(const ChatRequest& request) const;
  const ChatClientOptions& options() const { return options_; }
  // The endpoint URL with the API key redacted (for provenance records).
  std::string source() const { return redact(options_.endpoint); }

  // `text` with every occurrence of the API key (as sent, and as a JSON string escapes it)
  // replaced by kRedactedKey; `found` (if given) says whether there was one.
  std::string redact(std::string text, bool* found = nullptr) const;

  static constexpr const char* kRedactedKey = "[API key redacted]";

 private:
  struct Transfer;
  Transfer perform(const std::string& body);
  ChatAnswer complete_unredacted(const ChatRequest& request);
  void wait(double seconds) const;

  ChatClientOptions options_;
  std::vector<std::string> key_forms_;  // the spellings of the API key that redact() removes
  double next_request_time_ = 0;  // steady-clock seconds
  void* curl_ = nullptr;          // CURL*, kept for connection reuse
};

}  // namespace sfar::describe
