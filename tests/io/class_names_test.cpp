#include "sfar/io/class_names.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "sfar/core/error.h"
#include "support/error_text.h"
#include "support/test_data.h"

namespace sfar::io {
namespace {

struct LabelFile {
  const char* path;
  std::size_t count;
  ClassNameFormat format;
  std::int64_t probe_id;
  const char* probe_name;
};

// Every class-name file of the shared data, with its expected size and one known class. Those
// that shipped configs name also ship in the repository under data/.
const LabelFile kLabelFiles[] = {
    {"labels/k400/kinetics_400_labels.csv", 400, ClassNameFormat::csv, 3, "applauding"},
    {"labels/k400/mmaction2_label_map_k400.txt", 400, ClassNameFormat::lines, 399, "zumba"},
    {"labels/k400/vifi_kinetics_400_base_labels.csv", 200, ClassNameFormat::csv, 0, "getting a tattoo"},
    {"labels/k400/vifi_kinetics_400_novel_labels.csv", 200, ClassNameFormat::csv, 199, "eating chips"},
    {"labels/k600/kinetics_600_labels.csv", 600, ClassNameFormat::csv, 599, "zumba"},
    {"labels/k600/mmaction2_label_map_k600.txt", 600, ClassNameFormat::lines, 1, "acting in play"},
    {"labels/k600/ZS_split1_K600.csv", 160, ClassNameFormat::csv, 158, "wood burning (art)"},
    {"labels/k600/ZS_split2_K600.csv", 160, ClassNameFormat::csv, 157, "waving hand"},
    {"labels/k600/ZS_split3_K600.csv", 160, ClassNameFormat::csv, 1, "alligator wrestling"},
    {"labels/hmdb51/text4vis_hmdb51_labels.csv", 51, ClassNameFormat::csv, 44, "sword"},
    {"labels/hmdb51/vifi_hmdb_51_labels.csv", 51, ClassNameFormat::csv, 44, "sword exercise"},
    {"labels/hmdb51/mmaction2_hmdb51_label_map.txt", 51, ClassNameFormat::lines, 0, "brush_hair"},
    {"labels/hmdb51/vifi_hmdb_51_base_labels.csv", 26, ClassNameFormat::csv, 25, "wave"},
    {"labels/hmdb51/vifi_hmdb_51_novel_labels.csv", 25, ClassNameFormat::csv, 20, "kick ball"},
    {"labels/ucf101/classInd.txt", 101, ClassNameFormat::class_ind, 100, "YoYo"},
    {"labels/ucf101/ucf_101_labels.csv", 101, ClassNameFormat::csv, 0, "ApplyEyeMakeup"},
    {"labels/ucf101/mmaction2_ucf101_label_map.txt", 101, ClassNameFormat::lines, 2, "Archery"},
    {"labels/ucf101/vifi_ucf_101_base_labels.csv", 51, ClassNameFormat::csv, 0, "Typing"},
    {"labels/ucf101/vifi_ucf_101_novel_labels.csv", 50, ClassNameFormat::csv, 49, "Surfing"},
    {"labels/ssv2/something-something-v2-labels.json", 174, ClassNameFormat::ssv2_json, 173,
     "Wiping something off of something"},
    {"labels/ssv2/vifi_ssv2_labels.csv", 174, ClassNameFormat::csv, 0, "Approaching something with your camera"},
    {"labels/ssv2/mmaction2_sthv2_label_map.txt", 174, ClassNameFormat::lines, 1, "Attaching something to something"},
    {"labels/ssv2/vifi_ssv2_174_base_labels.csv", 87, ClassNameFormat::csv, 5,
     "Removing something, revealing something behind"},
    {"labels/ssv2/vifi_ssv2_174_novel_labels.csv", 87, ClassNameFormat::csv, 86,
     "Turning the camera downwards while filming something"},
    {"labels/diving48/mmaction2_diving48_label_map.txt", 48, ClassNameFormat::lines, 0, "Back+15som+05Twis+FREE"},
    {"labels/diving48/Diving48_vocab.json", 48, ClassNameFormat::json_list, 47, "Reverse+Dive+NoTwis+TUCK"},
};

void expect_label_file(const std::string& path, const LabelFile& expected) {
  SCOPED_TRACE(path);
  const ClassNames names = read_class_names(path);
  EXPECT_EQ(names.size(), expected.count);
  EXPECT_EQ(names.format(), expected.format);
  EXPECT_EQ(names.name(expected.probe_id), expected.probe_name);
  for (const std::string& name : names.names()) {
    EXPECT_FALSE(name.empty());
    EXPECT_EQ(name.find('\r'), std::string::npos);
    EXPECT_NE(name.front(), ' ');
    EXPECT_NE(name.back(), ' ');
  }
}

TEST(ClassNames, ReadsEveryLabelFileInTheRepository) {
  int checked = 0;
  for (const LabelFile& expected : kLabelFiles) {
    const std::string path = test::repo_data_path(expected.path);
    if (!std::filesystem::exists(path)) continue;  // not named by a shipped config
    expect_label_file(path, expected);
    ++checked;
  }
  EXPECT_EQ(checked, 17);
  // The HMDB trap: Text4Vis's order matches the split files (ViFi's CSV swaps 20/21, 44/45).
  const ClassNames hmdb = read_class_names(test::repo_data_path("labels/hmdb51/text4vis_hmdb51_labels.csv"));
  EXPECT_EQ(hmdb.name(20), "kick");
  EXPECT_EQ(hmdb.name(21), "kick ball");
}

TEST(ClassNamesRealData, ReadsEverySharedLabelFile) {
  for (const LabelFile& expected : kLabelFiles) {
    SFAR_REQUIRE_DATA(path, expected.path);
    expect_label_file(path, expected);
  }
}

TEST(ClassNamesRealData, DifferentFormatsOfOneDatasetAgree) {
  SFAR_REQUIRE_DATA(csv, "labels/ucf101/ucf_101_labels.csv");
  SFAR_REQUIRE_DATA(ind, "labels/ucf101/classInd.txt");
  SFAR_REQUIRE_DATA(map, "labels/ucf101/mmaction2_ucf101_label_map.txt");
  // UCF's own classInd spells class 36 "HandStandPushups"; the other files "HandstandPushups".
  std::vector<std::string> ind_names = read_class_names(ind).names();
  EXPECT_EQ(ind_names[36], "HandStandPushups");
  ind_names[36] = "HandstandPushups";
  EXPECT_EQ(read_class_names(csv).names(), ind_names);
  EXPECT_EQ(read_class_names(csv).names(), read_class_names(map).names());
  SFAR_REQUIRE_DATA(json, "labels/ssv2/something-something-v2-labels.json");
  SFAR_REQUIRE_DATA(ssv2_csv, "labels/ssv2/vifi_ssv2_labels.csv");
  EXPECT_EQ(read_class_names(json).names(), read_class_names(ssv2_csv).names());
  SFAR_REQUIRE_DATA(vocab, "labels/diving48/Diving48_vocab.json");
  SFAR_REQUIRE_DATA(dmap, "labels/diving48/mmaction2_diving48_label_map.txt");
  EXPECT_EQ(read_class_names(vocab).names(), read_class_names(dmap).names());
  // The HMDB trap: ViFi's CSV swaps kick ball/kick and sword exercise/sword.
  SFAR_REQUIRE_DATA(text4vis, "labels/hmdb51/text4vis_hmdb51_labels.csv");
  SFAR_REQUIRE_DATA(vifi, "labels/hmdb51/vifi_hmdb_51_labels.csv");
  EXPECT_EQ(read_class_names(text4vis).name(20), "kick");
  EXPECT_EQ(read_class_names(vifi).name(20), "kick ball");
}

// nlohmann::json throws out_of_range, not parse_error, for a number too large for a double.
TEST(ClassNames, JsonNumberTooLargeIsAFormatError) {
  EXPECT_THROW(parse_class_names("{\"a\": 1e99999}", "x.json"), FormatError);
}

TEST(ClassNames, AcceptsBomCrlfQuotesAndNoFinalNewline) {
  const ClassNames csv = parse_class_names("\xEF\xBB\xBFid,name\r\n0,\"a, b\"\r\n1,c \"x\"\r\n2,d", "t.csv");
  EXPECT_EQ(csv.names(), (std::vector<std::string>{"a, b", "c \"x\"", "d"}));
  const ClassNames headerless = parse_class_names("1,b\n0,a\n", "t.csv");
  EXPECT_EQ(headerless.names(), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(headerless.format(), ClassNameFormat::csv);
  const ClassNames ind = parse_class_names("1 Foo\r\n2 Bar Baz", "classInd.txt");
  EXPECT_EQ(ind.names(), (std::vector<std::string>{"Foo", "Bar Baz"}));
  const ClassNames lines = parse_class_names("\xEF\xBB\xBF" "a\r\n\r\nb, c\r\nd", "map.txt");
  EXPECT_EQ(lines.names(), (std::vector<std::string>{"a", "b, c", "d"}));
  const ClassNames json = parse_class_names("{\"b\": \"1\", \"a\": \"0\"}", "x.json");
  EXPECT_EQ(json.names(), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(lines.find("d"), 2);
  EXPECT_FALSE(lines.find("e").has_value());
}

TEST(ClassNames, ExplicitFormatOverridesDetection) {
  // "1 Foo" looks like classInd; read as one name per line it is a name.
  const ClassNames lines = parse_class_names("1 Foo\n2 Bar\n", "x.txt", ClassNameFormat::lines);
  EXPECT_EQ(lines.names(), (std::vector<std::string>{"1 Foo", "2 Bar"}));
  EXPECT_EQ(class_name_format_from_string("class_ind"), ClassNameFormat::class_ind);
  EXPECT_THROW(class_name_format_from_string("xml"), ArgumentError);
}

void expect_format_error(const std::string& text, ClassNameFormat format, const std::string& where,
                         const std::string& fragment) {
  try {
    parse_class_names(text, "bad.txt", format);
    ADD_FAILURE() << "no error for " << text;
  } catch (const FormatError& e) {
    EXPECT_EQ(e.where(), where) << e.what();
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  }
}

TEST(ClassNames, RejectsBadFilesNamingFileAndLine) {
  expect_format_error("id,name\n0,a\n0,b\n", ClassNameFormat::automatic, "bad.txt:3", "duplicate class id");
  expect_format_error("id,name\n0,a\n2,b\n", ClassNameFormat::automatic, "bad.txt:3", "id 1 is missing");
  expect_format_error("id,name\n0,a\nx,b\n", ClassNameFormat::csv, "bad.txt:3", "\"x\"");
  expect_format_error("id,name\n0,a\n1,b,c\n", ClassNameFormat::csv, "bad.txt:3", "expected `id,name`");
  expect_format_error("id,name\n0,a\n1,\"b\n", ClassNameFormat::csv, "bad.txt:3", "bad CSV quoting");
  expect_format_error("0,a\r\n1,\r\n", ClassNameFormat::csv, "bad.txt:2", "empty class name");
  expect_format_error("1 A\n1 B\n", ClassNameFormat::class_ind, "bad.txt:2", "duplicate class id");
  expect_format_error("1 A\n3 C\n", ClassNameFormat::class_ind, "bad.txt:2", "id 2 is missing");
  expect_format_error("0 A\n1 B\n", ClassNameFormat::class_ind, "bad.txt:1", "class id below 1");
  expect_format_error("1 A\nB\n", ClassNameFormat::class_ind, "bad.txt:2", "expected `<id> <name>`");
  expect_format_error("{\n \"a\": \"0\",\n \"b\": \"0\"\n}", ClassNameFormat::automatic, "bad.txt:3",
                      "duplicate class id");
  expect_format_error("{\n \"a\": \"0\",\n \"b\": \"x\"\n}", ClassNameFormat::automatic, "bad.txt:3",
                      "not a non-negative integer");
  expect_format_error("{\n \"a\": \"0\",\n", ClassNameFormat::automatic, "bad.txt:3", "invalid JSON");
  expect_format_error("a\nb\na\n", ClassNameFormat::lines, "bad.txt: class 2", "duplicate class name");
  expect_format_error("\n\n", ClassNameFormat::lines, "bad.txt", "no class names");
}

TEST(ClassNames, ReportsUnreadableFile) {
  test::TempDir dir;
  EXPECT_THROW(read_class_names(dir.file("missing.csv")), IoError);
  const std::string path = dir.file("dup.csv");
  std::ofstream(path) << "id,name\n0,a\n1,b\n1,c";
  try {
    read_class_names(path);
    ADD_FAILURE();
  } catch (const FormatError& e) {
    EXPECT_EQ(e.where(), path + ":4");
  }
}

// Every format of the table reads back from its name, in enumerator order; only `auto` has no
// parser of its own; an unknown name is an error that lists the whole table.
TEST(ClassNames, FormatTableRoundTripsAndNamesEveryFormatInErrors) {
  const auto& formats = class_name_formats();
  for (std::size_t i = 0; i < formats.size(); ++i) {
    SCOPED_TRACE(formats[i].name);
    EXPECT_EQ(static_cast<std::size_t>(formats[i].value), i);
    EXPECT_EQ(class_name_format_from_string(formats[i].name), formats[i].value);
    EXPECT_STREQ(to_string(formats[i].value), formats[i].name);
    EXPECT_EQ(formats[i].parse == nullptr, formats[i].value == ClassNameFormat::automatic);
  }
  const std::string error = test::thrown([] { class_name_format_from_string("xml", "--labels-format"); });
  EXPECT_EQ(error.rfind("--labels-format: unknown class-name format 'xml'; known: ", 0), 0u) << error;
  for (const auto& format : formats) EXPECT_NE(error.find(format.name), std::string::npos) << error;
}

}  // namespace
}  // namespace sfar::io
