#include "sfar/describe/description_generator.h"

#include <gtest/gtest.h>

#include "fake_chat_server.h"
#include "sfar/core/atomic_file.h"
#include "support/test_data.h"

namespace sfar::describe {
namespace {

using test::FakeReply;

constexpr const char* kSecret = "sk-gen-SECRET-987";

ChatClientOptions fast_options(const test::FakeChatServer& server) {
  return test::fast_client_options(server, kSecret, 2, 0.02);
}

io::ClassNames three_classes() {
  return io::ClassNames({"abseiling", "air drumming", "zumba"}, "three.txt", io::ClassNameFormat::lines);
}

const std::vector<std::string> kExpected = {
    "This action is getting ready to abseiling.", "This action is beginning to abseiling with care.",
    "This action is continuing to abseiling steadily.", "This action is finishing abseiling"};

TEST(DescriptionGenerator, QueriesFourPromptsPerClassAndSavesProvenance) {
  test::FakeChatServer server;
  test::TempDir dir;
  const std::string path = dir.file("cache.json");
  ChatClient client(fast_options(server));
  DescriptionCache cache = new_description_cache(three_classes(), "tiny");
  DescriptionGeneratorOptions options;
  options.seed = 7;
  std::vector<std::size_t> progress;
  options.on_progress = [&](const DescriptionProgress& p) { progress.push_back(p.done); };
  const auto report = generate_descriptions(cache, path, client, options);
  EXPECT_EQ(report.queried, 3u);
  EXPECT_EQ(report.requests, 12u);
  EXPECT_TRUE(report.failures.empty());
  EXPECT_EQ(progress, (std::vector<std::size_t>{1, 2, 3}));
  EXPECT_EQ(server.requests().size(), 12u);

  const io::ClassNames labels = three_classes();
  const DescriptionCache saved = load_description_cache(path, {&labels, 4});
  ASSERT_EQ(saved.classes[0].candidates.size(), 4u);
  const CandidateSet& first = saved.classes[0].candidates[0];
  EXPECT_EQ(first.sentences, kExpected);  // summary dropped, markdown and list marks gone
  EXPECT_EQ(first.provenance.generator, kDescriptionGeneratorName);
  EXPECT_EQ(first.provenance.source, server.endpoint());
  EXPECT_EQ(first.provenance.model, "fake-model");
  EXPECT_EQ(first.provenance.prompt_id, "steps");
  EXPECT_EQ(first.provenance.prompt.rfind("Action: abseiling. This action is a sequence of four steps.", 0), 0u);
  EXPECT_EQ(first.provenance.temperature, 0.7);
  EXPECT_EQ(first.provenance.seed, 7);
  EXPECT_EQ(first.provenance.request_sha256.size(), 64u);
  EXPECT_EQ(saved.classes[2].candidates[3].provenance.prompt_id, "perspectives");
  EXPECT_EQ(read_file(path).find(kSecret), std::string::npos);  // the key is never stored
}

TEST(DescriptionGenerator, ResumesWithoutRequeryingAndForceRequeries) {
  test::FakeChatServer server;
  test::TempDir dir;
  const std::string path = dir.file("cache.json");
  ChatClient client(fast_options(server));
  DescriptionCache cache = new_description_cache(three_classes(), "tiny");
  std::atomic<bool> stop{false};
  DescriptionGeneratorOptions options;
  options.stop = &stop;
  options.on_progress = [&](const DescriptionProgress& p) {
    if (p.done == 1) stop = true;  // as if Ctrl-C came during the first class
  };
  auto report = generate_descriptions(cache, path, client, options);
  EXPECT_TRUE(report.interrupted);
  EXPECT_EQ(server.requests().size(), 4u);

  // A new run (new process): loads the saved file, queries only the two missing classes.
  DescriptionCache resumed = load_description_cache(path);
  EXPECT_EQ(resumed.classes[0].candidates.size(), 4u);
  EXPECT_TRUE(resumed.classes[1].candidates.empty());
  stop = false;
  options.on_progress = nullptr;
  report = generate_descriptions(resumed, path, client, options);
  EXPECT_EQ(report.skipped, 1u);
  EXPECT_EQ(report.queried, 2u);
  EXPECT_EQ(server.requests().size(), 12u);
  report = generate_descriptions(resumed, path, client, options);
  EXPECT_EQ(report.skipped, 3u);
  EXPECT_EQ(server.requests().size(), 12u);
  options.force = true;
  report = generate_descriptions(resumed, path, client, options);
  EXPECT_EQ(report.queried, 3u);
  EXPECT_EQ(server.requests().size(), 24u);
  EXPECT_EQ(load_description_cache(path).classes[1].candidates.size(), 4u);
}

TEST(DescriptionGenerator, RecordsMalformedAnswersAndGoesOn) {
  test::FakeChatServer server;
  test::TempDir dir;
  const std::string path = dir.file("cache.json");
  // class 0: garbage, refusal, then 500 + ok (retried), ok; classes 1, 2: ok.
  server.script({FakeReply::garbage, FakeReply::no_sentences, FakeReply::server_error, FakeReply::cut});
  ChatClient client(fast_options(server));
  DescriptionCache cache = new_description_cache(three_classes(), "tiny");
  const auto report = generate_descriptions(cache, path, client, {});
  ASSERT_EQ(report.failures.size(), 2u);
  EXPECT_NE(report.failures[0].find("abseiling: steps: "), std::string::npos) << report.failures[0];
  EXPECT_NE(report.failures[0].find("answer is not JSON"), std::string::npos) << report.failures[0];
  EXPECT_NE(report.failures[1].find("abseiling: movements: "), std::string::npos) << report.failures[1];
  EXPECT_NE(report.failures[1].find("no sentence beginning"), std::string::npos) << report.failures[1];
  DescriptionCache saved = load_description_cache(path);
  EXPECT_EQ(saved.classes[0].candidates.size(), 2u);
  EXPECT_EQ(saved.classes[0].failures.size(), 2u);
  EXPECT_EQ(saved.classes[1].candidates.size(), 4u);
  EXPECT_EQ(saved.classes[2].candidates.size(), 4u);
  // The next run retries only the two failed prompts of class 0.
  const std::size_t before = server.requests().size();
  const auto again = generate_descriptions(saved, path, client, {});
  EXPECT_EQ(server.requests().size() - before, 2u);
  EXPECT_TRUE(again.failures.empty());
  saved = load_description_cache(path);
  EXPECT_EQ(saved.classes[0].candidates.size(), 4u);
  EXPECT_TRUE(saved.classes[0].failures.empty());
}

TEST(DescriptionGenerator, StopsOnUnauthorizedAfterSavingProgress) {
  test::FakeChatServer server;
  test::TempDir dir;
  const std::string path = dir.file("cache.json");
  server.script({FakeReply::ok, FakeReply::ok, FakeReply::ok, FakeReply::ok, FakeReply::ok}, FakeReply::unauthorized);
  ChatClient client(fast_options(server));
  DescriptionCache cache = new_description_cache(three_classes(), "tiny");
  try {
    generate_descriptions(cache, path, client, {});
    FAIL() << "expected ChatError";
  } catch (const ChatError& e) {
    EXPECT_EQ(e.kind(), ChatErrorKind::fatal);
    EXPECT_EQ(std::string(e.what()).find(kSecret), std::string::npos) << e.what();
  }
  EXPECT_EQ(server.requests().size(), 6u);  // class 0, one answer of class 1, then the 401
  const DescriptionCache saved = load_description_cache(path);
  EXPECT_EQ(saved.classes[0].candidates.size(), 4u);
  EXPECT_EQ(saved.classes[1].candidates.size(), 1u);
  EXPECT_EQ(read_file(path).find(kSecret), std::string::npos);
}

}  // namespace
}  // namespace sfar::describe
