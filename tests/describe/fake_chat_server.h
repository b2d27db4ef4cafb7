// A fake OpenAI-compatible Chat Completions endpoint on 127.0.0.1 for the LLM tests. Each
// request takes the next scripted behaviour (then `fallback`); requests are recorded.
#pragma once

#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "sfar/describe/chat_client.h"

namespace sfar::test {

enum class FakeReply {
  ok,            // 200, an answer with four "This action is" steps and a summary
  slow,          // like ok, after `slow_ms`
  rate_limited,  // 429 with Retry-After: `retry_after`
  server_error,  // 500
  garbage,       // 200 with a body that is not JSON
  cut,           // headers sent, then the connection is closed
  unauthorized,  // 401 whose body echoes the Authorization header
  no_sentences,  // 200, an answer without "This action is"
  // The endpoint echoes the API key of the request's Authorization header:
  echo_key_answer,   // 200, content "Your API key is KEY." (no sub-text)
  echo_key_subtext,  // 200, the ok answer with KEY inside its second sub-text
  echo_key_error,    // 500 whose error message holds KEY
  echo_key_escaped,  // 200 without content, KEY spelled with \u escapes in the JSON text
};

struct RecordedRequest {
  std::string body;
  std::string authorization;
  std::string path;
};

class FakeChatServer {
 public:
  FakeChatServer();
  ~FakeChatServer();

  // Base URL, e.g. "http://127.0.0.1:41234/v1".
  std::string endpoint() const;
  void script(std::vector<FakeReply> replies, FakeReply fallback = FakeReply::ok);
  std::vector<RecordedRequest> requests() const;

  int slow_ms = 800;
  std::string retry_after = "0";

 private:
  FakeReply next();
  struct Impl;
  std::unique_ptr<Impl> impl_;
  mutable std::mutex mutex_;
  std::deque<FakeReply> script_;
  FakeReply fallback_ = FakeReply::ok;
  std::vector<RecordedRequest> requests_;
  std::thread thread_;
  int port_ = 0;
};

// The answer FakeChatServer gives for a user message naming `class_name`.
std::string fake_answer(const std::string& class_name);

// Client options aimed at `server` with short time-outs and backoffs, so failure tests stay fast.
inline describe::ChatClientOptions fast_client_options(const FakeChatServer& server, const std::string& api_key,
                                                       int retries, double backoff_max_s) {
  describe::ChatClientOptions o;
  o.endpoint = server.endpoint();
  o.model = "fake-model";
  o.api_key = api_key;
  o.timeout_s = 0.3;
  o.retries = retries;
  o.backoff_initial_s = 0.01;
  o.backoff_max_s = backoff_max_s;
  return o;
}

}  // namespace sfar::test
