#include "fake_chat_server.h"

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>

namespace sfar::test {

struct FakeChatServer::Impl {
  httplib::Server server;
};

std::string fake_answer(const std::string& class_name) {
  return "Here is the breakdown:\n\n"
         "1. **Preparation**: This action is getting ready to " + class_name + ".\n"
         "2. **Start:** This action is beginning to " + class_name + " with care.\n"
         "- This action is continuing to " + class_name + " steadily. It takes effort.\n"
         "* Step 4 - this action is finishing " + class_name + "\n\n"
         "In summary, this action is a whole made of four parts.\n"
         "This action is a summary that must be dropped.";
}

namespace {

std::string user_message(const std::string& body) {
  const auto json = nlohmann::json::parse(body);
  return json["messages"][1]["content"].get<std::string>();
}

// "Action: abseiling. This action is ..." -> "abseiling"
std::string class_of(const std::string& user) {
  const auto start = user.find(": ") + 2;
  return user.substr(start, user.find(". ", start) - start);
}

std::string ok_body(const std::string& request_body) {
  const std::string answer = fake_answer(class_of(user_message(request_body)));
  return nlohmann::json{{"id", "chatcmpl-1"}, {"object", "chat.completion"}, {"model", "fake-model-001"},
                        {"choices", {{{"index", 0}, {"message", {{"role", "assistant"}, {"content", answer}}},
                                      {"finish_reason", "stop"}}}}}
      .dump();
}

std::string answer_body(const std::string& content) {
  return nlohmann::json{{"model", "fake-model-001"},
                        {"choices", {{{"message", {{"role", "assistant"}, {"content", content}}},
                                      {"finish_reason", "stop"}}}}}
      .dump();
}

// The key of "Bearer KEY".
std::string key_of(const httplib::Request& req) {
  const std::string header = req.get_header_value("Authorization");
  return header.rfind("Bearer ", 0) == 0 ? header.substr(7) : header;
}

// Sets `res` for the replies that echo the key.
void echo_key(FakeReply reply, const httplib::Request& req, httplib::Response& res) {
  const std::string key = key_of(req);
  if (reply == FakeReply::echo_key_answer) {
    res.set_content(answer_body("Your API key is " + key + "."), "application/json");
  } else if (reply == FakeReply::echo_key_subtext) {
    std::string answer = fake_answer(class_of(user_message(req.body)));
    const std::string second = "This action is beginning to ";
    answer.insert(answer.find(second) + second.size(), "type " + key + " and ");
    res.set_content(answer_body(answer), "application/json");
  } else if (reply == FakeReply::echo_key_error) {
    res.status = 500;
    res.set_content(nlohmann::json{{"error", {{"message", "upstream rejected key " + key}}}}.dump(),
                    "application/json");
  } else {
    std::string escaped;
    for (unsigned char c : key) {
      char buffer[8];
      std::snprintf(buffer, sizeof(buffer), "\\u%04x", c);
      escaped += buffer;
    }
    res.set_content("{\"choices\": [], \"note\": \"key " + escaped + "\"}", "application/json");
  }
}

}  // namespace

FakeChatServer::FakeChatServer() : impl_(std::make_unique<Impl>()) {
  impl_->server.Post("/v1/chat/completions", [this](const httplib::Request& req, httplib::Response& res) {
    const FakeReply reply = next();
    {
      std::lock_guard<std::mutex> lock(mutex_);
      requests_.push_back({req.body, req.get_header_value("Authorization"), req.path});
    }
    switch (reply) {
      case FakeReply::slow:
        std::this_thread::sleep_for(std::chrono::milliseconds(slow_ms));
        res.set_content(ok_body(req.body), "application/json");
        break;
      case FakeReply::ok: res.set_content(ok_body(req.body), "application/json"); break;
      case FakeReply::rate_limited:
        res.status = 429;
        res.set_header("Retry-After", retry_after);
        res.set_content(R"({"error": {"message": "Rate limit reached", "type": "requests"}})", "application/json");
        break;
      case FakeReply::server_error:
        res.status = 500;
        res.set_content(R"({"error": {"message": "The server had an error"}})", "application/json");
        break;
      case FakeReply::garbage: res.set_content("<html>oops</html>{", "application/json"); break;
      case FakeReply::cut:
        // Promise 1000 bytes, send none: the client sees the connection close mid-answer.
        res.set_content_provider(1000, "application/json",
                                 [](std::size_t, std::size_t, httplib::DataSink&) { return false; });
        break;
      case FakeReply::unauthorized:
        res.status = 401;
        res.set_content(nlohmann::json{{"error", {{"message", "Incorrect API key provided: " +
                                                                  req.get_header_value("Authorization")}}}}
                            .dump(),
                        "application/json");
        break;
      case FakeReply::no_sentences: {
        const auto body = nlohmann::json{{"choices", {{{"message", {{"content", "I cannot help with that."}}},
                                                       {"finish_reason", "stop"}}}}};
        res.set_content(body.dump(), "application/json");
        break;
      }
      case FakeReply::echo_key_answer:
      case FakeReply::echo_key_subtext:
      case FakeReply::echo_key_error:
      case FakeReply::echo_key_escaped: echo_key(reply, req, res); break;
    }
  });
  port_ = impl_->server.bind_to_any_port("127.0.0.1");
  thread_ = std::thread([this] { impl_->server.listen_after_bind(); });
}

FakeChatServer::~FakeChatServer() {
  impl_->server.stop();
  if (thread_.joinable()) thread_.join();
}

std::string FakeChatServer::endpoint() const { return "http://127.0.0.1:" + std::to_string(port_) + "/v1"; }

void FakeChatServer::script(std::vector<FakeReply> replies, FakeReply fallback) {
  std::lock_guard<std::mutex> lock(mutex_);
  script_.assign(replies.begin(), replies.end());
  fallback_ = fallback;
}

std::vector<RecordedRequest> FakeChatServer::requests() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return requests_;
}

FakeReply FakeChatServer::next() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (script_.empty()) return fallback_;
  const FakeReply reply = script_.front();
  script_.pop_front();
  return reply;
}

}  // namespace sfar::test
