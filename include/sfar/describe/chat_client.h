// A client for OpenAI-compatible Chat Completions endpoints (POST {endpoint}/chat/completions)
// over HTTP or HTTPS. It retries what may pass (time-outs, cut connections, 429, 5xx) with
// exponential backoff and jitter, honouring Retry-After; it spaces requests to a rate limit;
// it stops at once on what will not pass (401, 403, 404, other 4xx). The API key is sent
// only in the Authorization header and never appears in an error or a log line.
//
//   ChatClient client({.endpoint = "https://api.openai.com/v1", .model = "gpt-4o", .api_key = key});
//   ChatAnswer answer = client.complete({system, user, 0.7, 1234});
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>

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

  // Sends one request (with retries). Throws ChatError.
  ChatAnswer complete(const ChatRequest& request);

  // The JSON body complete() would send (model, messages [system, user], temperature, seed).
  std::string request_body(const ChatRequest& request) const;
  const ChatClientOptions& options() const { return options_; }

 private:
  struct Transfer;
  Transfer perform(const std::string& body);
  void wait(double seconds) const;
  std::string redact(std::string text) const;

  ChatClientOptions options_;
  double next_request_time_ = 0;  // steady-clock seconds
  void* curl_ = nullptr;          // CURL*, kept for connection reuse
};

}  // namespace sfar::describe
