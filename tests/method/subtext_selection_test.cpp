#include "sfar/method/subtext_scoring.h"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <sstream>

#include "sfar/core/error.h"
#include "sfar/describe/description_importers.h"
#include "sfar/method/tpp.h"
#include "sfar/models/clip_loader.h"
#include "support/test_data.h"

namespace sfar::method {
namespace {

describe::ClassDescriptions make_class(std::int64_t id, const std::string& name, const std::string& global,
                                       const std::vector<std::vector<std::string>>& sets) {
  describe::ClassDescriptions c;
  c.id = id;
  c.name = name;
  c.global_text = global;
  for (const auto& sentences : sets) c.candidates.push_back({sentences, {}, {}});
  return c;
}

// Two classes, two sets each, with hand-chosen 3-D embeddings (see the expected values).
// "a1" appears in both classes: it must be encoded once.
describe::DescriptionCache hand_made_cache() {
  describe::DescriptionCache cache;
  cache.dataset = "toy";
  cache.classes.push_back(make_class(0, "alpha", "g0", {{"a1", "a2"}, {"b1", "b2"}}));
  cache.classes.push_back(make_class(1, "beta", "g1", {{"c1", "c2"}, {"a1", "d2"}}));
  return cache;
}

TextEmbeddings hand_made_embeddings() {
  const std::vector<std::pair<std::string, std::vector<float>>> rows = {
      {"g0", {1, 0, 0}}, {"g1", {0, 1, 0}}, {"a1", {1, 1, 0}}, {"a2", {1, -1, 0}}, {"b1", {1, 0, 0}},
      {"b2", {1, 1, 0}}, {"c1", {0, 1, 0}}, {"c2", {0, 2, 0}}, {"d2", {0, 1, 1}}};
  TextEmbeddings e;
  std::vector<torch::Tensor> table;
  for (const auto& [text, v] : rows) {
    e.row[text] = static_cast<std::int64_t>(table.size());
    table.push_back(torch::tensor(v));
  }
  e.table = torch::stack(table);
  return e;
}

// Expected TPPs:
//   alpha set 0: sigma = 1/sqrt2 each, cos(a1, a2) = 0 -> 100/sqrt2            = 70.7107
//   alpha set 1: sigma = (1, 1/sqrt2), delta = 1/sqrt2 -> 100 * 0.5 * (1 + 1/sqrt2) / 2 = 42.6777
//   beta set 0:  parallel sub-texts, delta = 1                                 = 0
//   beta set 1:  sigma = 1/sqrt2 each, cos(a1, d2) = 1/2 -> 100 * 0.75 / sqrt2 = 53.0330
const double kAlpha0 = 100 / std::sqrt(2.0), kAlpha1 = 25 * (1 + 1 / std::sqrt(2.0));
const double kBeta0 = 0, kBeta1 = 75 / std::sqrt(2.0);

TEST(SubtextSelection, PerClassPicksTheBestSetOfEachClass) {
  describe::DescriptionCache cache = hand_made_cache();
  EXPECT_EQ(distinct_cache_texts(cache).size(), 9u);
  EXPECT_EQ(count_cache_texts(cache), 10u);
  const auto dataset_set = score_and_select(cache, hand_made_embeddings(), SelectionMode::per_class, "toy", "toy.json");
  EXPECT_FALSE(dataset_set);
  EXPECT_NEAR(cache.classes[0].candidates[0].scores->tpp, kAlpha0, 1e-4);
  EXPECT_NEAR(cache.classes[0].candidates[1].scores->tpp, kAlpha1, 1e-4);
  EXPECT_NEAR(cache.classes[1].candidates[0].scores->tpp, kBeta0, 1e-4);
  EXPECT_NEAR(cache.classes[1].candidates[1].scores->tpp, kBeta1, 1e-4);
  EXPECT_NEAR(cache.classes[1].candidates[1].scores->delta[0], 0.5, 1e-6);
  EXPECT_NEAR(cache.classes[0].candidates[1].scores->sigma[0], 1.0, 1e-6);
  EXPECT_EQ(cache.classes[0].selected, 0u);
  EXPECT_EQ(cache.classes[1].selected, 1u);
  EXPECT_NEAR(*cache.classes[1].tpp, kBeta1, 1e-4);
  ASSERT_TRUE(cache.selection);
  EXPECT_EQ(cache.selection->mode, "per_class");
  EXPECT_EQ(cache.selection->encoder, "toy");
  EXPECT_NEAR(cache.selection->dataset_tpp, (kAlpha0 + kBeta1) / 2, 1e-4);
  EXPECT_EQ(lowest_tpp_classes(cache, 1), (std::vector<std::size_t>{1}));
  const TppHistogram h = selected_tpp_histogram(cache, 4);
  EXPECT_EQ(h.counts, (std::vector<std::size_t>{1, 0, 0, 1}));
  EXPECT_NEAR(h.edges.front(), kBeta1, 1e-4);
  EXPECT_NEAR(h.edges.back(), kAlpha0, 1e-4);
}

TEST(SubtextSelection, DatasetModePicksOneSetIndexForAllClasses) {
  // Means over classes: set 0 (70.71 + 0) / 2 = 35.36, set 1 (42.68 + 53.03) / 2 = 47.86.
  describe::DescriptionCache cache = hand_made_cache();
  const auto dataset_set = score_and_select(cache, hand_made_embeddings(), SelectionMode::dataset, "toy", "toy.json");
  EXPECT_EQ(dataset_set, 1u);
  EXPECT_EQ(cache.classes[0].selected, 1u);
  EXPECT_EQ(cache.classes[1].selected, 1u);
  EXPECT_NEAR(*cache.classes[0].tpp, kAlpha1, 1e-4);
  EXPECT_EQ(cache.selection->mode, "dataset");
  EXPECT_NEAR(cache.selection->dataset_tpp, (kAlpha1 + kBeta1) / 2, 1e-4);
}

void expect_error_mentions(const std::function<void()>& action, const std::vector<std::string>& parts) {
  try {
    action();
    ADD_FAILURE() << "no error thrown";
  } catch (const Error& e) {
    for (const auto& part : parts) EXPECT_NE(std::string(e.what()).find(part), std::string::npos) << e.what();
  }
}

TEST(SubtextSelection, ScoresAgainstTheGivenTemplateAndRecordsIt) {
  // With the template "{name}" the global texts are the class names, embedded swapped against
  // g0/g1: alpha's set 0 now scores 100 * mean(1/sqrt2, -1/sqrt2) = 0 and set 1
  // 100 * mean(0, (1/sqrt2) * (1 - 1/2)) = 17.68, so alpha keeps set 1 instead of set 0.
  describe::DescriptionCache cache = hand_made_cache();
  apply_global_template(cache, "{name}", "toy.json");
  EXPECT_EQ(cache.global_template, "{name}");
  EXPECT_EQ(cache.classes[0].global_text, "alpha");
  EXPECT_EQ(cache.classes[1].global_text, "beta");
  TextEmbeddings e = hand_made_embeddings();
  e.row["alpha"] = e.table.size(0);
  e.row["beta"] = e.table.size(0) + 1;
  e.table = torch::cat({e.table, torch::tensor({0.0f, 1.0f, 0.0f, 1.0f, 0.0f, 0.0f}).view({2, 3})});
  score_and_select(cache, e, SelectionMode::per_class, "toy", "toy.json");
  EXPECT_NEAR(cache.classes[0].candidates[0].scores->tpp, 0.0, 1e-4);
  EXPECT_NEAR(cache.classes[0].candidates[1].scores->tpp, 25 / std::sqrt(2.0), 1e-4);
  EXPECT_EQ(cache.classes[0].selected, 1u);
  EXPECT_EQ(cache.selection->global_template, "{name}");
  expect_error_mentions([&] { apply_global_template(cache, "no placeholder", "toy.json"); },
                        {"toy.json", "{name}", "no placeholder"});
}

TEST(SubtextSelection, RejectsCachesItCannotScoreNamingTheClass) {
  describe::DescriptionCache cache = hand_made_cache();
  cache.classes[1].candidates.clear();
  expect_error_mentions([&] { score_and_select(cache, hand_made_embeddings(), SelectionMode::per_class, "", "toy.json"); },
                        {"toy.json", "class 1", "beta", "no candidate"});
  cache = hand_made_cache();
  cache.classes[0].candidates[1].sentences = {"b1"};
  expect_error_mentions([&] { score_and_select(cache, hand_made_embeddings(), SelectionMode::per_class, "", "toy.json"); },
                        {"toy.json", "alpha", "candidate set 1", "two sentences"});
  cache = hand_made_cache();
  cache.classes[1].candidates.pop_back();
  expect_error_mentions([&] { score_and_select(cache, hand_made_embeddings(), SelectionMode::dataset, "", "toy.json"); },
                        {"toy.json", "beta", "same number of candidate sets"});
  EXPECT_NO_THROW(score_and_select(cache, hand_made_embeddings(), SelectionMode::per_class, "", "toy.json"));
  expect_error_mentions([] { selection_mode_from_string("best"); }, {"--mode", "best"});
}

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// HMDB's 51 classes with OST's 2-, 4- and 8-step descriptions as three candidate sets.
std::string write_hmdb_cache(const test::TempDir& dir, const std::string& labels_path) {
  const io::ClassNames labels = io::read_class_names(labels_path);
  describe::DescriptionCache cache = describe::new_description_cache(labels, "hmdb51");
  for (const char* steps : {"2", "4", "8"}) {
    const std::string file =
        test::data_path(std::string("descriptions/ost/hmdb/temporal_descriptors/") + steps + "_descriptors.json");
    EXPECT_EQ(describe::import_descriptions(cache, describe::DescriptionFormat::ost, file), 51u);
  }
  const std::string path = dir.file("hmdb51.json");
  describe::save_description_cache(path, cache);
  return path;
}

TEST(SubtextSelectionRealData, GoldenClipOnOstHmdbIsReproducibleAndMatchesDirectEncoding) {
  const std::string weights = ::sfar::test::tiny_clip_path();
  const std::string vocab = ::sfar::test::clip_vocab_path();
  SFAR_REQUIRE_DATA(labels, "labels/hmdb51/text4vis_hmdb51_labels.csv");
  SFAR_REQUIRE_DATA(ost, "descriptions/ost/hmdb/temporal_descriptors/8_descriptors.json");
  test::TempDir dir;
  SubtextSelectionJob job;
  job.cache = write_hmdb_cache(dir, labels);
  job.weights = weights;
  job.activation = ActivationSetting::kQuickGelu;
  job.tokenizer = {TokenizerKind::kClipBpe, vocab, ""};
  job.options.batch_size = 64;  // several batches

  const describe::DescriptionCache before = describe::load_description_cache(job.cache);
  const SubtextSelectionStats first = run_subtext_selection(job);
  EXPECT_EQ(first.texts_encoded, distinct_cache_texts(before).size());
  EXPECT_EQ(first.texts_total, 51u * (1 + 2 + 4 + 8));
  const describe::DescriptionCache once = describe::load_description_cache(job.cache, {nullptr, 2, true, true});
  const SubtextSelectionStats second = run_subtext_selection(job);
  const describe::DescriptionCache twice = describe::load_description_cache(job.cache);
  EXPECT_EQ(first.dataset_tpp, second.dataset_tpp);
  EXPECT_EQ(once.selection->encoder, weights);
  double sum = 0;
  for (std::size_t i = 0; i < once.classes.size(); ++i) {
    const auto& a = once.classes[i];
    const auto& b = twice.classes[i];
    ASSERT_EQ(a.candidates.size(), 3u);
    EXPECT_EQ(a.selected, b.selected) << a.name;
    double best = -1e300;
    for (std::size_t k = 0; k < 3; ++k) {
      EXPECT_EQ(a.candidates[k].scores->tpp, b.candidates[k].scores->tpp) << a.name;
      EXPECT_EQ(a.candidates[k].scores->sigma, b.candidates[k].scores->sigma) << a.name;
      EXPECT_EQ(a.candidates[k].scores->delta, b.candidates[k].scores->delta) << a.name;
      best = std::max(best, a.candidates[k].scores->tpp);
    }
    EXPECT_EQ(*a.tpp, best) << a.name;
    EXPECT_EQ(*a.tpp, a.candidates[*a.selected].scores->tpp) << a.name;
    sum += *a.tpp;
  }
  EXPECT_NEAR(once.selection->dataset_tpp, sum / 51, 1e-9);

  // One class recomputed independently: its texts alone, in one batch, straight through the model.
  const auto tokenizer = text::load_tokenizer(job.tokenizer);
  models::ClipModel model = models::load_clip(weights, {ActivationSetting::kQuickGelu});
  model->set_eot_token_id(tokenizer->end_id());
  const auto context = model->config().context_length;
  const describe::ClassDescriptions& sword = *once.find("sword");
  for (std::size_t k = 0; k < sword.candidates.size(); ++k) {
    std::vector<torch::Tensor> rows = {torch::tensor(tokenizer->tokenize(sword.global_text, context))};
    for (const auto& s : sword.candidates[k].sentences) rows.push_back(torch::tensor(tokenizer->tokenize(s, context)));
    torch::NoGradGuard no_grad;
    const torch::Tensor features = model->encode_text(torch::stack(rows));
    const TppScore direct = text_prompt_perplexity(features[0], features.narrow(0, 1, features.size(0) - 1));
    const describe::SubtextScores& stored = *sword.candidates[k].scores;
    EXPECT_NEAR(stored.tpp, direct.tpp, 1e-4) << "set " << k;
    for (std::size_t n = 0; n < direct.sigma.size(); ++n) {
      EXPECT_NEAR(stored.sigma[n], direct.sigma[n], 1e-6);
      EXPECT_NEAR(stored.delta[n], direct.delta[n], 1e-6);
    }
  }
}

TEST(SubtextSelectionRealData, BadInputsNameTheFileAndLeaveTheCacheUntouched) {
  const std::string weights = ::sfar::test::tiny_clip_path();
  const std::string vocab = ::sfar::test::clip_vocab_path();
  SFAR_REQUIRE_DATA(labels, "labels/hmdb51/text4vis_hmdb51_labels.csv");
  SFAR_REQUIRE_DATA(ost, "descriptions/ost/hmdb/temporal_descriptors/8_descriptors.json");
  test::TempDir dir;
  SubtextSelectionJob job;
  job.cache = write_hmdb_cache(dir, labels);
  job.weights = dir.file("missing_clip.pt");
  job.tokenizer = {TokenizerKind::kClipBpe, vocab, ""};
  const std::string original = read_all(job.cache);
  expect_error_mentions([&] { run_subtext_selection(job); }, {"missing_clip.pt"});
  EXPECT_EQ(read_all(job.cache), original);

  job.weights = weights;
  job.activation = ActivationSetting::kQuickGelu;
  job.tokenizer.vocab = dir.file("no_vocab.txt.gz");
  expect_error_mentions([&] { run_subtext_selection(job); }, {"no_vocab.txt.gz"});
  EXPECT_EQ(read_all(job.cache), original);

  // A class without candidate sets.
  describe::DescriptionCache cache = describe::load_description_cache(job.cache);
  cache.find("sword")->candidates.clear();
  describe::save_description_cache(job.cache, cache);
  job.tokenizer.vocab = vocab;
  expect_error_mentions([&] { run_subtext_selection(job); }, {"hmdb51.json", "sword", "no candidate"});

  job.cache = dir.file("absent.json");
  expect_error_mentions([&] { run_subtext_selection(job); }, {"absent.json"});
}

}  // namespace
}  // namespace sfar::method
