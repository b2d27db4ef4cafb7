// `sfar describe generate` through the binary against an endpoint that hangs, resets the
// connection, returns garbage or rejects the key: the cache keeps every finished class, a
// re-run queries only what is missing, and the API key appears in no output and no file.
#include <gtest/gtest.h>

#include <filesystem>

#include "fake_chat_server.h"
#include "sfar/core/atomic_file.h"
#include "sfar/describe/description_cache.h"
#include "support/run_binary.h"
#include "support/test_data.h"

namespace sfar::describe {
namespace {

namespace fs = std::filesystem;
using test::FakeReply;

constexpr const char* kKey = "sk-fault-SECRET-4242-do-not-log";

struct Generate {
  test::FakeChatServer& server;
  const test::TempDir& dir;
  std::vector<test::CommandResult> results;
  std::string out = "out/cache.json";

  test::CommandResult run() {
    const std::string args = "describe generate --labels " + dir.file("labels.txt") + " --out " + dir.file(out) + " --endpoint " + server.endpoint() +
                             " --model fake-model --api-key-env SFAR_FAULT_TEST_KEY --timeout 0.3 --retries 0"
                             " --backoff 0.01";
    results.push_back(test::run_binary(std::string("SFAR_FAULT_TEST_KEY=") + kKey + " " + SFAR_BINARY, args, dir));
    return results.back();
  }
  std::size_t sets(std::size_t cls) const {
    return load_description_cache(dir.file(out)).classes.at(cls).candidates.size();
  }
};

// Requests since `from` whose prompt names `class_name`.
int requests_naming(const test::FakeChatServer& server, std::size_t from, const std::string& class_name) {
  const auto all = server.requests();
  int n = 0;
  for (std::size_t i = from; i < all.size(); ++i) n += all[i].body.find("Action: " + class_name + ".") != std::string::npos;
  return n;
}

TEST(DescribeFaults, HangResetAndGarbageKeepFinishedClassesAndResume) {
  test::FakeChatServer server;
  test::TempDir dir;
  write_file_atomic(dir.file("labels.txt"), "abseiling\nair drumming\nzumba\n");
  Generate g{server, dir, {}};
  server.slow_ms = 2000;  // a hang, against --timeout 0.3

  // Run 1: class 0 answered in full, one answer of class 1, then the endpoint hangs.
  server.script({FakeReply::ok, FakeReply::ok, FakeReply::ok, FakeReply::ok, FakeReply::ok, FakeReply::slow});
  auto r = g.run();
  EXPECT_EQ(r.status, 1) << r.err;
  EXPECT_NE(r.err.find("sfar: error:"), std::string::npos) << r.err;
  EXPECT_EQ(g.sets(0), 4u);
  EXPECT_EQ(g.sets(1), 1u);

  // Run 2: the connection is reset at once; nothing finished is lost or asked again.
  std::size_t before = server.requests().size();
  server.script({FakeReply::cut});
  r = g.run();
  EXPECT_EQ(r.status, 1) << r.err;
  EXPECT_EQ(server.requests().size() - before, 1u);
  EXPECT_EQ(requests_naming(server, before, "air drumming"), 1);
  EXPECT_EQ(g.sets(0), 4u);
  EXPECT_EQ(g.sets(1), 1u);

  // Run 3: garbage for one prompt (recorded as that prompt's failure), the rest answered.
  before = server.requests().size();
  server.script({FakeReply::garbage});
  r = g.run();
  EXPECT_EQ(r.status, 1) << r.err;  // one prompt failed
  EXPECT_NE(r.err.find("answer is not JSON"), std::string::npos) << r.err;
  EXPECT_EQ(server.requests().size() - before, 7u);  // 3 of class 1, 4 of class 2
  EXPECT_EQ(requests_naming(server, before, "abseiling"), 0);
  EXPECT_EQ(g.sets(1), 3u);
  EXPECT_EQ(g.sets(2), 4u);

  // Run 4: only the failed prompt is asked again; every class is complete.
  before = server.requests().size();
  r = g.run();
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(server.requests().size() - before, 1u);
  for (std::size_t c = 0; c < 3; ++c) EXPECT_EQ(g.sets(c), 4u) << c;

  // Run 5, into a new cache: the endpoint rejects the key and echoes it back in its error.
  server.script({}, FakeReply::unauthorized);
  g.out = "out/cache2.json";
  r = g.run();
  EXPECT_EQ(r.status, 1) << r.err;
  EXPECT_NE(r.err.find("sfar: error:"), std::string::npos) << r.err;

  // The key reached the endpoint on every request, and nothing sfar wrote or printed holds it.
  for (const auto& req : server.requests()) EXPECT_EQ(req.authorization, std::string("Bearer ") + kKey);
  for (std::size_t i = 0; i < g.results.size(); ++i) {
    EXPECT_EQ(g.results[i].out.find(kKey), std::string::npos) << "stdout of run " << i;
    EXPECT_EQ(g.results[i].err.find(kKey), std::string::npos) << "stderr of run " << i << ": " << g.results[i].err;
    EXPECT_EQ(g.results[i].err.find("SECRET"), std::string::npos) << "stderr of run " << i;
  }
  int files = 0;
  for (const auto& e : fs::recursive_directory_iterator(dir.path())) {
    if (!e.is_regular_file()) continue;
    ++files;
    EXPECT_EQ(read_file(e.path().string()).find(kKey), std::string::npos) << e.path();
  }
  EXPECT_GE(files, 3);  // labels, cache, stderr
}

}  // namespace
}  // namespace sfar::describe
