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

  test::CommandResult run(const std::string& extra = {}) {
    const std::string args = "describe generate --labels " + dir.file("labels.txt") + " --out " + dir.file(out) + " --endpoint " + server.endpoint() +
                             " --model fake-model --api-key-env SFAR_FAULT_TEST_KEY --timeout 0.3 --retries 0"
                             " --backoff 0.01 " + extra;
    results.push_back(test::run_binary(std::string("SFAR_FAULT_TEST_KEY=") + kKey + " " + SFAR_BINARY, args, dir));
    return results.back();
  }
  std::size_t sets(std::size_t cls) const {
    return load_description_cache(dir.file(out)).classes.at(cls).candidates.size();
  }
};

// Nothing `results` printed and no file under `dir` holds `needle`; returns the files read.
int expect_nowhere(const std::string& needle, const std::vector<test::CommandResult>& results, const fs::path& dir) {
  for (std::size_t i = 0; i < results.size(); ++i) {
    EXPECT_EQ(results[i].out.find(needle), std::string::npos) << "stdout of run " << i << ": " << results[i].out;
    EXPECT_EQ(results[i].err.find(needle), std::string::npos) << "stderr of run " << i << ": " << results[i].err;
  }
  int files = 0;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (!e.is_regular_file()) continue;
    ++files;
    EXPECT_EQ(read_file(e.path().string()).find(needle), std::string::npos) << needle << " in " << e.path();
  }
  return files;
}

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
  EXPECT_GE(expect_nowhere(kKey, g.results, dir.path()), 3);  // labels, cache, stderr
  expect_nowhere("SECRET", g.results, dir.path());
}

// The endpoint echoes the key in 200 answers (as the whole answer, inside a sub-text, behind
// JSON \u escapes) and in an error body: sfar prints and stores no spelling of it, keeps no
// sub-text that held it, and says what happened.
TEST(DescribeFaults, KeyEchoedInAnswersErrorsAndSubtextsIsRedactedEverywhere) {
  test::FakeChatServer server;
  test::TempDir dir;
  write_file_atomic(dir.file("labels.txt"), "abseiling\nair drumming\nzumba\n");
  Generate g{server, dir, {}};
  // Class 0: three echoing answers and one good one; class 1: good; class 2: a 500 that echoes.
  server.script({FakeReply::echo_key_answer, FakeReply::echo_key_subtext, FakeReply::echo_key_escaped, FakeReply::ok,
                 FakeReply::ok, FakeReply::ok, FakeReply::ok, FakeReply::ok, FakeReply::echo_key_error});
  auto r = g.run();
  EXPECT_EQ(r.status, 1) << r.err;
  EXPECT_NE(r.err.find("the answer holds the API key; not stored"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("upstream rejected key [API key redacted]"), std::string::npos) << r.err;
  const DescriptionCache cache = load_description_cache(dir.file(g.out));
  EXPECT_EQ(cache.classes[0].candidates.size(), 1u);  // only the answer without the key
  EXPECT_EQ(cache.classes[0].failures.size(), 3u);
  EXPECT_EQ(cache.classes[1].candidates.size(), 4u);
  EXPECT_EQ(server.requests().size(), 9u);

  // `describe show` prints the cache; a second run gets the key echoed in a 401.
  g.results.push_back(test::run_binary(SFAR_BINARY, "describe show --cache " + dir.file(g.out), dir));
  EXPECT_EQ(g.results.back().status, 0) << g.results.back().err;
  server.script({}, FakeReply::unauthorized);
  r = g.run();
  EXPECT_EQ(r.status, 1) << r.err;

  for (const auto& req : server.requests()) EXPECT_EQ(req.authorization, std::string("Bearer ") + kKey);
  EXPECT_GE(expect_nowhere(kKey, g.results, dir.path()), 3);
  expect_nowhere("SECRET", g.results, dir.path());
  expect_nowhere("u006b", g.results, dir.path());  // the key's "k" as the escaped answer spells it
}

// `--force` against an endpoint that fails (bad answers, then a 500) leaves every class as it
// was; a refresh replaces exactly the classes whose four new sets all arrived.
TEST(DescribeFaults, ForceKeepsEachClassUntilItsReplacementSucceeded) {
  test::FakeChatServer server;
  test::TempDir dir;
  write_file_atomic(dir.file("labels.txt"), "abseiling\nair drumming\nzumba\n");
  Generate g{server, dir, {}};
  ASSERT_EQ(g.run("--seed 1").status, 0) << g.results.back().err;
  DescriptionCache paid = load_description_cache(dir.file(g.out));
  paid.classes[0].selected = 2;  // as `describe select` leaves it
  paid.classes[0].tpp = 61.5;
  save_description_cache(dir.file(g.out), paid);
  const std::string before = read_file(dir.file(g.out));

  server.script({}, FakeReply::garbage);  // every answer unusable
  auto r = g.run("--seed 2 --force");
  EXPECT_EQ(r.status, 1) << r.err;
  EXPECT_NE(r.err.find("zumba: --force refresh incomplete; its previous sets are kept"), std::string::npos) << r.err;
  EXPECT_EQ(test::last_json_line(r.out).value("kept", -1), 3) << r.out;
  EXPECT_EQ(read_file(dir.file(g.out)), before);

  server.script({}, FakeReply::server_error);  // the endpoint is down: the run stops
  r = g.run("--seed 2 --force");
  EXPECT_EQ(r.status, 1) << r.err;
  EXPECT_EQ(read_file(dir.file(g.out)), before);

  // Class 1 gets one bad answer: classes 0 and 2 are replaced, class 1 keeps its paid-for sets.
  server.script({FakeReply::ok, FakeReply::ok, FakeReply::ok, FakeReply::ok, FakeReply::ok, FakeReply::garbage});
  r = g.run("--seed 2 --force");
  EXPECT_EQ(r.status, 1) << r.err;
  const DescriptionCache after = load_description_cache(dir.file(g.out));
  const auto seeds = [&](std::size_t cls) {
    std::vector<std::int64_t> out;
    for (const auto& set : after.classes[cls].candidates) out.push_back(set.provenance.seed.value_or(-1));
    return out;
  };
  EXPECT_EQ(seeds(0), std::vector<std::int64_t>(4, 2));
  EXPECT_FALSE(after.classes[0].selected.has_value());  // new sets: the old selection no longer holds
  EXPECT_EQ(seeds(1), std::vector<std::int64_t>(4, 1));
  EXPECT_EQ(after.classes[1].failures.size(), 0u);
  EXPECT_EQ(seeds(2), std::vector<std::int64_t>(4, 2));
  EXPECT_EQ(description_cache_json_lines(after, "air drumming"), description_cache_json_lines(paid, "air drumming"));
}

}  // namespace
}  // namespace sfar::describe
