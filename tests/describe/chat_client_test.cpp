#include "sfar/describe/chat_client.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>

#include "fake_chat_server.h"

namespace sfar::describe {
namespace {

using test::FakeReply;

constexpr const char* kSecret = "sk-test-SECRET-0123456789";

ChatClientOptions fast_options(const test::FakeChatServer& server) {
  return test::fast_client_options(server, kSecret, 3, 0.05);
}

const ChatRequest kRequest{"You are an expert.", "Action: abseiling. Describe it.", 0.5, 42};

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

TEST(ChatClient, SendsOpenAiRequestAndReadsAnswer) {
  test::FakeChatServer server;
  ChatClient client(fast_options(server));
  const ChatAnswer answer = client.complete(kRequest);
  EXPECT_EQ(answer.content, test::fake_answer("abseiling"));
  EXPECT_EQ(answer.model, "fake-model-001");
  EXPECT_EQ(answer.finish_reason, "stop");
  EXPECT_EQ(answer.attempts, 1);
  EXPECT_EQ(answer.request_sha256.size(), 64u);
  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].path, "/v1/chat/completions");
  EXPECT_EQ(requests[0].authorization, std::string("Bearer ") + kSecret);
  const auto body = nlohmann::json::parse(requests[0].body);
  EXPECT_EQ(body["model"], "fake-model");
  EXPECT_EQ(body["messages"][0]["role"], "system");
  EXPECT_EQ(body["messages"][0]["content"], "You are an expert.");
  EXPECT_EQ(body["messages"][1]["role"], "user");
  EXPECT_EQ(body["messages"][1]["content"], "Action: abseiling. Describe it.");
  EXPECT_DOUBLE_EQ(body["temperature"].get<double>(), 0.5);
  EXPECT_EQ(body["seed"], 42);
  EXPECT_EQ(requests[0].body.find(kSecret), std::string::npos);
}

TEST(ChatClient, RetriesTimeoutThenSucceeds) {
  test::FakeChatServer server;
  server.slow_ms = 700;
  server.script({FakeReply::slow, FakeReply::ok});
  ChatClient client(fast_options(server));
  const auto start = std::chrono::steady_clock::now();
  const ChatAnswer answer = client.complete(kRequest);
  EXPECT_EQ(answer.attempts, 2);
  EXPECT_GE(seconds_since(start), 0.3);  // the first attempt ran into the time-out
  EXPECT_EQ(answer.content, test::fake_answer("abseiling"));
}

TEST(ChatClient, RetriesRateLimitHonouringRetryAfter) {
  test::FakeChatServer server;
  server.retry_after = "1";
  server.script({FakeReply::rate_limited, FakeReply::ok});
  ChatClient client(fast_options(server));
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(client.complete(kRequest).attempts, 2);
  EXPECT_GE(seconds_since(start), 0.95);  // waited Retry-After, not the 10 ms backoff
}

TEST(ChatClient, RetriesServerErrorsAndCutConnections) {
  test::FakeChatServer server;
  server.script({FakeReply::server_error, FakeReply::cut, FakeReply::server_error, FakeReply::ok});
  ChatClient client(fast_options(server));
  EXPECT_EQ(client.complete(kRequest).attempts, 4);
  EXPECT_EQ(server.requests().size(), 4u);
}

TEST(ChatClient, GivesUpAfterRetriesWithTransportError) {
  test::FakeChatServer server;
  server.script({}, FakeReply::server_error);
  ChatClientOptions options = fast_options(server);
  options.retries = 2;
  ChatClient client(options);
  try {
    client.complete(kRequest);
    FAIL() << "expected ChatError";
  } catch (const ChatError& e) {
    EXPECT_EQ(e.kind(), ChatErrorKind::transport);
    EXPECT_NE(std::string(e.what()).find("failed after 3 attempts"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("HTTP 500"), std::string::npos) << e.what();
  }
  EXPECT_EQ(server.requests().size(), 3u);
}

TEST(ChatClient, StopsAtOnceOnUnauthorizedWithoutLeakingTheKey) {
  test::FakeChatServer server;
  server.script({FakeReply::unauthorized});
  ChatClient client(fast_options(server));
  try {
    client.complete(kRequest);
    FAIL() << "expected ChatError";
  } catch (const ChatError& e) {
    EXPECT_EQ(e.kind(), ChatErrorKind::fatal);
    const std::string what = e.what();
    EXPECT_NE(what.find("HTTP 401 (check the API key)"), std::string::npos) << what;
    EXPECT_NE(what.find("Incorrect API key"), std::string::npos) << what;  // the server's words...
    EXPECT_EQ(what.find(kSecret), std::string::npos) << what;             // ...without the key
    EXPECT_EQ(what.find("SECRET"), std::string::npos) << what;
  }
  EXPECT_EQ(server.requests().size(), 1u);  // no retry
}

TEST(ChatClient, AnswerEchoingTheKeyComesBackRedactedAndFlagged) {
  test::FakeChatServer server;
  server.script({FakeReply::echo_key_subtext, FakeReply::ok});
  ChatClient client(fast_options(server));
  const ChatAnswer echoed = client.complete(kRequest);
  EXPECT_TRUE(echoed.echoed_api_key);
  EXPECT_EQ(echoed.content.find(kSecret), std::string::npos) << echoed.content;
  EXPECT_NE(echoed.content.find("type [API key redacted] and"), std::string::npos) << echoed.content;
  EXPECT_FALSE(client.complete(kRequest).echoed_api_key);
}

// A key with characters a JSON string escapes, echoed in an error body and behind \u escapes.
TEST(ChatClient, KeyIsRedactedInEverySpellingOfErrors) {
  test::FakeChatServer server;
  const std::string key = "sk-\"quoted\"\\SECRET";
  ChatClient client(test::fast_client_options(server, key, 0, 0.05));
  for (const FakeReply reply : {FakeReply::echo_key_error, FakeReply::echo_key_escaped, FakeReply::echo_key_answer}) {
    server.script({reply});
    try {
      const ChatAnswer answer = client.complete(kRequest);
      EXPECT_TRUE(answer.echoed_api_key);
      EXPECT_EQ(answer.content, "Your API key is [API key redacted].");
    } catch (const ChatError& e) {
      const std::string all = std::string(e.what()) + e.value();
      EXPECT_EQ(all.find("SECRET"), std::string::npos) << all;
      EXPECT_EQ(all.find("u0053"), std::string::npos) << all;
      EXPECT_NE(all.find("[API key redacted]"), std::string::npos) << all;
    }
  }
}

TEST(ChatClient, GarbageAnswerIsABadAnswerNotRetried) {
  test::FakeChatServer server;
  server.script({FakeReply::garbage});
  ChatClient client(fast_options(server));
  try {
    client.complete(kRequest);
    FAIL() << "expected ChatError";
  } catch (const ChatError& e) {
    EXPECT_EQ(e.kind(), ChatErrorKind::bad_answer);
    EXPECT_NE(std::string(e.what()).find("answer is not JSON"), std::string::npos) << e.what();
  }
  EXPECT_EQ(server.requests().size(), 1u);
}

TEST(ChatClient, CancelFlagInterruptsWaiting) {
  test::FakeChatServer server;
  server.retry_after = "30";
  server.script({FakeReply::rate_limited});
  std::atomic<bool> cancel{false};
  ChatClientOptions options = fast_options(server);
  options.cancel = &cancel;
  ChatClient client(options);
  std::thread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    cancel = true;
  });
  const auto start = std::chrono::steady_clock::now();
  try {
    client.complete(kRequest);
    ADD_FAILURE() << "expected ChatError";
  } catch (const ChatError& e) {
    EXPECT_EQ(e.kind(), ChatErrorKind::cancelled);
  }
  stopper.join();
  EXPECT_LT(seconds_since(start), 5.0);
}

TEST(ChatClient, RateLimitSpacesRequests) {
  test::FakeChatServer server;
  ChatClientOptions options = fast_options(server);
  options.requests_per_second = 10;
  ChatClient client(options);
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 4; ++i) client.complete(kRequest);
  EXPECT_GE(seconds_since(start), 0.29);  // 3 gaps of 100 ms
}

TEST(ChatClient, RejectsBadOptions) {
  ChatClientOptions options;
  options.endpoint = "ftp://example.com";
  options.model = "m";
  EXPECT_THROW(ChatClient{options}, ArgumentError);
  options.endpoint = "http://127.0.0.1:1/v1";
  options.model = "";
  EXPECT_THROW(ChatClient{options}, ArgumentError);
}

TEST(ChatClient, UnreachableEndpointIsATransportError) {
  ChatClientOptions options;
  options.endpoint = "http://127.0.0.1:1/v1";  // nothing listens on port 1
  options.model = "m";
  options.retries = 1;
  options.backoff_initial_s = 0.01;
  ChatClient client(options);
  try {
    client.complete(kRequest);
    FAIL() << "expected ChatError";
  } catch (const ChatError& e) {
    EXPECT_EQ(e.kind(), ChatErrorKind::transport);
    EXPECT_NE(std::string(e.what()).find("network error"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace sfar::describe
