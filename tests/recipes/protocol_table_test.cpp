// The protocol table is the one list of protocols: the command's names, the runner's dispatch,
// the report's results directories and the page's column sentences all come from it.
#include <gtest/gtest.h>

#include <set>

#include "sfar/core/error.h"
#include "sfar/core/name_table.h"
#include "sfar/recipes/protocol_runner.h"
#include "support/error_text.h"

namespace sfar::recipes {
namespace {

TEST(ProtocolTable, EveryProtocolHasOneRowWithEveryPart) {
  std::set<std::string> names;
  for (const auto& p : protocol_table()) {
    EXPECT_TRUE(names.insert(p.name).second) << p.name;
    EXPECT_EQ(&entry_of(protocol_table(), p.value), &p) << p.name;  // one row per enumerator
    EXPECT_EQ(parse_protocol_kind(p.name), p.value);
    EXPECT_EQ(to_string(p.value), p.name);
    EXPECT_TRUE(p.validate && p.run && p.measures) << p.name;
  }
  for (const ProtocolKind kind :
       {ProtocolKind::kSupervised, ProtocolKind::kFewShot, ProtocolKind::kZeroShot, ProtocolKind::kBaseToNovel}) {
    EXPECT_NO_THROW(entry_of(protocol_table(), kind));
  }
}

TEST(ProtocolTable, AnUnknownNameIsRefusedWithTheKnownOnes) {
  const std::string error = test::thrown([] { parse_protocol_kind("fewshot"); });
  EXPECT_NE(error.find("fewshot"), std::string::npos) << error;
  EXPECT_NE(error.find(joined_entry_names(protocol_table())), std::string::npos) << error;
}

TEST(ProtocolTable, OnlyZeroShotEvaluatesGivenCheckpoints) {
  for (const auto& p : protocol_table()) EXPECT_EQ(p.evaluates_checkpoints, p.value == ProtocolKind::kZeroShot);
}

// The sentences of the report page: each protocol describes the columns its runs write, and
// says nothing (the page then names the protocol) for a column it never writes.
TEST(ProtocolTable, ColumnsSayWhatTheyMeasure) {
  const auto measures = [](ProtocolKind kind, const std::string& column) {
    return entry_of(protocol_table(), kind).measures(column);
  };
  EXPECT_NE(measures(ProtocolKind::kSupervised, "top-1").find("whole training list"), std::string::npos);
  EXPECT_NE(measures(ProtocolKind::kFewShot, "K=4").find("4 videos per class"), std::string::npos);
  EXPECT_EQ(measures(ProtocolKind::kFewShot, "top-1"), "");
  EXPECT_NE(measures(ProtocolKind::kZeroShot, "HMDB51").find("target HMDB51"), std::string::npos);
  EXPECT_NE(measures(ProtocolKind::kBaseToNovel, "HM").find("harmonic mean"), std::string::npos);
  EXPECT_NE(measures(ProtocolKind::kBaseToNovel, "novel").find("novel classes"), std::string::npos);
  EXPECT_EQ(measures(ProtocolKind::kBaseToNovel, "K=2"), "");
}

}  // namespace
}  // namespace sfar::recipes
