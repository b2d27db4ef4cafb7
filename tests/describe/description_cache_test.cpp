#include "sfar/describe/description_cache.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "sfar/core/atomic_file.h"
#include "sfar/core/error.h"
#include "sfar/describe/content_hash.h"
#include "support/test_data.h"

namespace sfar::describe {
namespace {

io::ClassNames two_classes() { return io::ClassNames({"abseiling", "zumba"}, "two.txt", io::ClassNameFormat::lines); }

DescriptionCache filled_cache() {
  DescriptionCache cache = new_description_cache(two_classes(), "tiny", "a video of {name}.");
  DescriptionProvenance p{"sfar describe generate", "http://x/v1", "gpt-4o", "steps", "Action: abseiling. ...",
                          "You are...", 0.7, 3, "2024-01-01T00:00:00Z", std::string(64, 'a')};
  cache.classes[0].candidates.push_back({{"This action is a.", "This action is b."}, p, std::nullopt});
  cache.classes[0].candidates.push_back({{"This action is c.", "This action is d."}, p, SubtextScores{{0.3, 0.2}, {0.5, 0.1}, 17.5}});
  cache.classes[0].selected = 1;
  cache.classes[0].tpp = 17.5;
  cache.classes[1].failures.push_back({"phases", "bad answer", "2024-01-01T00:00:00Z"});
  cache.selection = DescriptionSelection{"per_class", "clip-vit-b16", "2024-01-02T00:00:00Z", 17.5};
  return cache;
}

TEST(ContentHash, Sha256MatchesKnownDigests) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(DescriptionCache, NewCacheHasEveryClassWithGlobalText) {
  const DescriptionCache cache = new_description_cache(two_classes(), "tiny");
  ASSERT_EQ(cache.classes.size(), 2u);
  EXPECT_EQ(cache.classes[1].id, 1);
  EXPECT_EQ(cache.classes[1].global_text, "a video of a person zumba.");
  EXPECT_EQ(cache.labels_sha256, sha256_hex("abseiling\nzumba\n"));
  EXPECT_EQ(cache.label_file, "two.txt");
  EXPECT_THROW(new_description_cache(two_classes(), "tiny", "no placeholder"), ArgumentError);
  EXPECT_EQ(format_global_text("{name} and {name}", "x"), "x and x");
}

TEST(DescriptionCache, SelectionKeepsItsTemplateAndAnotherRunTemplateIsAWarning) {
  test::TempDir dir;
  const std::string path = dir.file("k400.json");
  DescriptionCache cache = filled_cache();  // the cache's template: "a video of {name}."
  cache.selection->global_template = "a clip of {name}.";
  save_description_cache(path, cache);
  const DescriptionCache loaded = load_description_cache(path);
  EXPECT_EQ(loaded.selection->global_template, "a clip of {name}.");
  EXPECT_EQ(template_mismatch_warning(loaded, path, "a clip of {name}."), "");
  const std::string warning = template_mismatch_warning(loaded, path, "a video of a person {name}.");
  for (const std::string& part : {path, std::string("\"a clip of {name}.\""),
                                  std::string("\"a video of a person {name}.\""),
                                  std::string("descriptions.global_template")}) {
    EXPECT_NE(warning.find(part), std::string::npos) << part << " in " << warning;
  }
  // A cache selected before the template was recorded: its selection scored the cache's texts.
  auto json = nlohmann::json::parse(read_file(path));
  json["selection"].erase("global_template");
  write_file_atomic(path, json.dump());
  const DescriptionCache legacy = load_description_cache(path);
  EXPECT_EQ(legacy.selection->global_template, "a video of {name}.");
  EXPECT_EQ(template_mismatch_warning(legacy, path, "a video of {name}."), "");
  EXPECT_NE(template_mismatch_warning(legacy, path, "a clip of {name}."), "");
  // Without a selection there is nothing to disagree with.
  cache.selection.reset();
  EXPECT_EQ(template_mismatch_warning(cache, path, "a clip of {name}."), "");
}

TEST(DescriptionCache, RoundTripsThroughJsonFile) {
  test::TempDir dir;
  const std::string path = dir.file("sub/cache.json");
  const DescriptionCache cache = filled_cache();
  save_description_cache(path, cache);
  const io::ClassNames labels = two_classes();
  const DescriptionCache loaded = load_description_cache(path, {&labels, 2});
  EXPECT_EQ(description_cache_to_json(loaded), description_cache_to_json(cache));
  EXPECT_EQ(loaded.classes[0].candidates[1].scores->delta, (std::vector<double>{0.5, 0.1}));
  EXPECT_EQ(loaded.classes[0].candidates[0].provenance.seed, 3);
  EXPECT_FALSE(loaded.classes[0].candidates[0].scores.has_value());
  EXPECT_EQ(loaded.classes[0].selected, 1u);
  EXPECT_EQ(loaded.classes[1].failures[0].prompt_id, "phases");
  EXPECT_EQ(loaded.selection->encoder, "clip-vit-b16");
  const auto json = nlohmann::json::parse(read_file(path));
  EXPECT_EQ(json["schema_version"], 1);
  EXPECT_TRUE(json["classes"][1]["selected"].is_null());
  EXPECT_TRUE(json["classes"][1]["tpp"].is_null());
}

void expect_format_error(const std::string& text, const DescriptionCacheCheck& check, const std::string& fragment) {
  try {
    parse_description_cache(text, "c.json", check);
    ADD_FAILURE() << "no error, expected " << fragment;
  } catch (const FormatError& e) {
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  }
}

// Found by fuzz_description_cache: nlohmann::json throws out_of_range, not parse_error, for a
// number too large for a double.
TEST(DescriptionCache, NumberTooLargeIsAFormatError) {
  expect_format_error("{\"schema_version\": 857e2201855}", {}, "invalid JSON");
}

TEST(DescriptionCache, LoadingValidatesEverythingNamingFileAndClass) {
  const std::string good = description_cache_to_json(filled_cache());
  const auto edit = [&](const std::function<void(nlohmann::json&)>& change) {
    auto json = nlohmann::json::parse(good);
    change(json);
    return json.dump();
  };
  const io::ClassNames labels = two_classes();
  const io::ClassNames other({"abseiling", "yoga"}, "other.txt", io::ClassNameFormat::lines);
  const io::ClassNames three({"abseiling", "zumba", "yoga"}, "three.txt", io::ClassNameFormat::lines);
  expect_format_error(good, {&other}, "c.json: classes[1]: class differs from other.txt (expected \"yoga\")");
  expect_format_error(good, {&three}, "c.json: has 2 classes but three.txt has 3");
  expect_format_error(good, {&labels, 3}, "c.json: class 0 (\"abseiling\"): selected set has 2 sub-texts, at least 3");
  expect_format_error(good, {nullptr, 1, true}, "c.json: class 1 (\"zumba\"): no sub-text set selected");
  expect_format_error(good, {nullptr, 1, false, true}, "class 1 (\"zumba\"): has no candidate sub-text set");
  expect_format_error(edit([](auto& j) { j["labels_sha256"] = "0"; }), {&labels}, "labels_sha256: does not match two.txt");
  expect_format_error(edit([](auto& j) { j["schema_version"] = 2; }), {}, "c.json: schema_version: unsupported version");
  expect_format_error(edit([](auto& j) { j["schema"] = "x"; }), {}, "not a description cache");
  expect_format_error(edit([](auto& j) { j["classes"][0]["candidates"][0]["sentences"][1] = " "; }), {},
                      "c.json: classes[0] (\"abseiling\").candidates[0].sentences: expected non-empty strings");
  expect_format_error(edit([](auto& j) { j["classes"][0]["candidates"][1]["sentences"] = nlohmann::json::array(); }),
                      {}, "candidates[1].sentences: a candidate set needs at least one sentence");
  expect_format_error(edit([](auto& j) { j["classes"][0]["selected"] = 5; }), {},
                      "class 0 (\"abseiling\"): selected set out of range [0, 2), got \"5\"");
  expect_format_error(edit([](auto& j) { j["classes"][1]["id"] = 7; }), {}, "class 1 (\"zumba\"): class ids must be 0..N-1");
  expect_format_error(edit([](auto& j) { j["classes"][1].erase("global_text"); }), {},
                      "classes[1] (\"zumba\"): missing key \"global_text\"");
  expect_format_error(edit([](auto& j) { j["classes"][0]["candidates"][1]["scores"]["sigma"] = {0.1}; }), {},
                      "scores need one sigma and delta per sentence");
  expect_format_error(edit([](auto& j) { j["num_classes"] = 3; }), {}, "num_classes: does not match");
  expect_format_error("{\"schema\": ", {}, "c.json: invalid JSON");
  EXPECT_NO_THROW(parse_description_cache(good, "c.json", {&labels, 2}));
}

TEST(DescriptionCache, ShowPrintsOneJsonLinePerSet) {
  const DescriptionCache cache = filled_cache();
  const auto lines = description_cache_json_lines(cache);
  ASSERT_EQ(lines.size(), 3u);  // two sets of abseiling, one line for zumba without sets
  const auto second = nlohmann::json::parse(lines[1]);
  EXPECT_EQ(second["name"], "abseiling");
  EXPECT_EQ(second["set"], 1);
  EXPECT_EQ(second["selected"], true);
  EXPECT_EQ(second["sentences"][0], "This action is c.");
  EXPECT_EQ(description_cache_json_lines(cache, "zumba").size(), 1u);
  EXPECT_THROW(description_cache_json_lines(cache, "yoga"), ArgumentError);
}

}  // namespace
}  // namespace sfar::describe
