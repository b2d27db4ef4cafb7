#include "sfar/describe/description_importers.h"

#include <gtest/gtest.h>

#include <fstream>

#include "sfar/core/error.h"
#include "support/error_text.h"
#include "support/test_data.h"

namespace sfar::describe {
namespace {

TEST(DescriptionImportersRealData, ImportsOstK400TemporalDescriptors) {
  SFAR_REQUIRE_DATA(labels_path, "labels/k400/kinetics_400_labels.csv");
  SFAR_REQUIRE_DATA(ost, "descriptions/ost/k400/temporal_descriptors/4_descriptors.json");
  const io::ClassNames labels = io::read_class_names(labels_path);
  DescriptionCache cache = new_description_cache(labels, "k400");
  EXPECT_EQ(import_descriptions(cache, DescriptionFormat::ost, ost), 400u);
  const auto& abseiling = cache.classes[0];
  ASSERT_EQ(abseiling.candidates.size(), 1u);
  EXPECT_EQ(abseiling.candidates[0].sentences,
            (std::vector<std::string>{"Strap on the harness securely", "Find a suitable anchor point",
                                      "Rappel down while maintaining control", "Land safely on the ground"}));
  EXPECT_EQ(abseiling.candidates[0].provenance.source, "imported from " + ost);
  EXPECT_EQ(abseiling.candidates[0].provenance.generator, "sfar describe import (ost)");
  for (const auto& c : cache.classes) EXPECT_EQ(c.candidates.at(0).sentences.size(), 4u) << c.name;
  EXPECT_NO_THROW(validate_description_cache(cache, "k400", {&labels, 4, false, true}));
}

TEST(DescriptionImportersRealData, OstHmdbFollowsTheSplitOrderLabels) {
  SFAR_REQUIRE_DATA(labels_path, "labels/hmdb51/text4vis_hmdb51_labels.csv");
  SFAR_REQUIRE_DATA(ost, "descriptions/ost/hmdb/temporal_descriptors/4_descriptors.json");
  const io::ClassNames labels = io::read_class_names(labels_path);
  DescriptionCache cache = new_description_cache(labels, "hmdb51");
  EXPECT_EQ(import_descriptions(cache, DescriptionFormat::ost, ost), 51u);
  // The HMDB trap: with text4vis labels, "kick ball" gets the ball steps and "sword" the sheath.
  EXPECT_NE(cache.find("kick ball")->candidates[0].sentences[0].find("ball"), std::string::npos);
  EXPECT_EQ(cache.find("kick")->candidates[0].sentences[0].find("ball"), std::string::npos);
  EXPECT_NE(cache.find("sword")->candidates[0].sentences[0].find("sheath"), std::string::npos);
}

TEST(DescriptionImportersRealData, EzClipMatchesRowsByNameAndSplitsParagraphs) {
  SFAR_REQUIRE_DATA(labels_path, "labels/hmdb51/text4vis_hmdb51_labels.csv");
  SFAR_REQUIRE_DATA(ez, "descriptions/ez_clip/HMDB_gpt_Class_discription_new.csv");
  const io::ClassNames labels = io::read_class_names(labels_path);
  DescriptionCache cache = new_description_cache(labels, "hmdb51");
  EXPECT_EQ(import_descriptions(cache, DescriptionFormat::ezclip, ez), 51u);
  const auto& brush = cache.classes[0];
  EXPECT_EQ(brush.name, "brush hair");
  EXPECT_EQ(brush.candidates[0].sentences,
            (std::vector<std::string>{
                "Brushing hair is an action performed by humans to style and maintain the health of their hair.",
                "It involves running a brush or comb through the hair to remove tangles, spread natural oils, and "
                "create a smooth, neat appearance."}));
  // EZ-CLIP's HMDB rows follow the swapped ViFi order; matching by name undoes the swap.
  EXPECT_NE(cache.find("kick ball")->candidates[0].sentences[0].find("ball"), std::string::npos);
  // The truncated UCF/HMDB paragraphs lose their cut-off last sentence.
  const auto& cartwheel = cache.find("cartwheel")->candidates[0].sentences;
  EXPECT_EQ(cartwheel.back().back(), '.');
}

TEST(DescriptionImportersRealData, EzClipK600RowsInAnotherOrder) {
  SFAR_REQUIRE_DATA(labels_path, "labels/k600/kinetics_600_labels.csv");
  SFAR_REQUIRE_DATA(ez, "descriptions/ez_clip/K_600_gpt_Class_discription_new.csv");
  const io::ClassNames labels = io::read_class_names(labels_path);
  DescriptionCache cache = new_description_cache(labels, "k600");
  EXPECT_EQ(import_descriptions(cache, DescriptionFormat::ezclip, ez), 600u);
  EXPECT_NE(cache.find("contorting")->candidates[0].sentences[0].find("Contorting"), std::string::npos);
}

TEST(DescriptionImporters, FrosterAndYaml) {
  test::TempDir dir;
  const io::ClassNames labels({"abseiling", "air drumming"}, "two.txt", io::ClassNameFormat::lines);
  std::ofstream(dir.file("froster.json"))
      << R"({"0": "Abseiling: A person descends a rope. They brake with one hand.",
             "1": ["air drumming: Hands move as if drumming.", "No sticks are used."]})";
  DescriptionCache cache = new_description_cache(labels, "tiny");
  EXPECT_EQ(import_descriptions(cache, DescriptionFormat::froster, dir.file("froster.json")), 2u);
  EXPECT_EQ(cache.classes[0].candidates[0].sentences,
            (std::vector<std::string>{"A person descends a rope.", "They brake with one hand."}));
  EXPECT_EQ(cache.classes[1].candidates[0].sentences,
            (std::vector<std::string>{"Hands move as if drumming.", "No sticks are used."}));

  std::ofstream(dir.file("d.yaml")) << "air drumming:\n  - This action is raising the hands.\n  - This action is tapping.\n";
  EXPECT_EQ(import_descriptions(cache, DescriptionFormat::yaml, dir.file("d.yaml")), 1u);
  EXPECT_EQ(cache.classes[1].candidates.size(), 2u);
  EXPECT_EQ(cache.classes[1].candidates[1].provenance.source, "imported from " + dir.file("d.yaml"));
  EXPECT_EQ(cache.classes[1].candidates[1].sentences[1], "This action is tapping.");
}

void expect_import_error(DescriptionFormat format, const std::string& path, const std::string& fragment) {
  const io::ClassNames labels({"abseiling", "air drumming"}, "two.txt", io::ClassNameFormat::lines);
  DescriptionCache cache = new_description_cache(labels, "tiny");
  try {
    import_descriptions(cache, format, path);
    ADD_FAILURE() << "no error, expected " << fragment;
  } catch (const FormatError& e) {
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  }
}

TEST(DescriptionImporters, RejectsBadFilesNamingFileAndEntry) {
  test::TempDir dir;
  const auto write = [&](const std::string& name, const std::string& text) {
    std::ofstream(dir.file(name)) << text;
    return dir.file(name);
  };
  expect_import_error(DescriptionFormat::ost, write("a.json", R"({"0": ["x"], "5": ["y"]})"),
                      "a.json: \"5\": class id not in the label file's range [0, 2)");
  expect_import_error(DescriptionFormat::ost, write("b.json", R"({"0": "x"})"), "b.json: \"0\": expected a list");
  expect_import_error(DescriptionFormat::ost, write("c.json", R"({"1": [" ", ""]})"),
                      "c.json: \"1\": no description for class \"air drumming\"");
  expect_import_error(DescriptionFormat::ost, write("d.json", "{oops"), "d.json: invalid JSON");
  expect_import_error(DescriptionFormat::ezclip, write("e.csv", "SNo,Class Name,GPT3 discription\n1,yoga,\"Yoga.\"\n"),
                      "e.csv:2: class not in the label file two.txt, got \"yoga\"");
  expect_import_error(DescriptionFormat::ezclip,
                      write("f.csv", "SNo,Class Name,GPT3 discription\n1,abseiling,\"A.\"\n2,Abseiling,\"B.\"\n"),
                      "f.csv:3: class \"abseiling\" appears twice");
  expect_import_error(DescriptionFormat::ezclip, write("g.csv", "SNo,Class Name,GPT3 discription\n1,abseiling,\"A.\n"),
                      "g.csv:2: unterminated quoted field");
  expect_import_error(DescriptionFormat::yaml, write("h.yaml", "abseiling: just text\n"),
                      "h.yaml:1: expected a list of sentences for \"abseiling\"");
  expect_import_error(DescriptionFormat::froster, write("i.json", R"({"0": 3})"), "i.json: \"0\": expected a string");
  EXPECT_THROW(description_format_from_string("csv"), ArgumentError);
}

// Every import format reads back from its name, in enumerator order, and an unknown name is an
// error naming --format and every format of the table.
TEST(DescriptionImporters, FormatTableRoundTripsAndNamesEveryFormatInErrors) {
  const auto& formats = description_formats();
  for (std::size_t i = 0; i < formats.size(); ++i) {
    SCOPED_TRACE(formats[i].name);
    EXPECT_EQ(static_cast<std::size_t>(formats[i].value), i);
    EXPECT_EQ(description_format_from_string(formats[i].name), formats[i].value);
    EXPECT_NE(formats[i].import, nullptr);
  }
  const std::string error = test::thrown([] { description_format_from_string("csv"); });
  EXPECT_EQ(error.rfind("--format: unknown description format 'csv'; known: ", 0), 0u) << error;
  for (const auto& format : formats) EXPECT_NE(error.find(format.name), std::string::npos) << error;
}

}  // namespace
}  // namespace sfar::describe
