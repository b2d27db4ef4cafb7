#include "sfar/core/text.h"

#include <gtest/gtest.h>

namespace {

using Fields = std::vector<std::string>;

TEST(Text, TrimDropsSpacesTabsAndLineEnds) {
  EXPECT_EQ(sfar::trim("  a b \t\r\n"), "a b");
  EXPECT_EQ(sfar::trim(" \r\n\t"), "");
  EXPECT_EQ(sfar::trim(""), "");
  EXPECT_EQ(sfar::trim("x"), "x");
}

TEST(Text, SplitCsvFollowsRfc4180Quoting) {
  EXPECT_EQ(sfar::split_csv("a,b,,c"), (Fields{"a", "b", "", "c"}));
  EXPECT_EQ(sfar::split_csv(R"(3,"moving left, then up")"), (Fields{"3", "moving left, then up"}));
  EXPECT_EQ(sfar::split_csv(R"("say ""hi""",x)"), (Fields{R"(say "hi")", "x"}));
  EXPECT_EQ(sfar::split_csv(R"( "a" ,b)"), (Fields{"a", "b"}));  // blanks around a quoted field
  EXPECT_EQ(sfar::split_csv(R"(a"b,c)"), (Fields{R"(a"b)", "c"}));  // a quote inside a bare field is text
  EXPECT_EQ(sfar::split_csv(""), (Fields{""}));
}

TEST(Text, SplitCsvRejectsBadQuoting) {
  EXPECT_FALSE(sfar::split_csv(R"("unclosed,x)").has_value());
  EXPECT_FALSE(sfar::split_csv(R"("a"b,c)").has_value());  // text after the closing quote
}

TEST(Text, SplitCsvRecordsReadsQuotedLineBreaksAndNamesTheBadLine) {
  const auto records = sfar::split_csv_records("SNo,Name,Text\r\n1,a,\"\n\nFirst.\nSecond, \"\"quoted\"\".\"\n\n2,b,plain\n");
  ASSERT_TRUE(records.has_value());
  ASSERT_EQ(records->size(), 3u);  // the blank line is skipped
  EXPECT_EQ((*records)[0].line, 1u);
  EXPECT_EQ((*records)[0].fields, (Fields{"SNo", "Name", "Text"}));  // CRLF ends a record
  EXPECT_EQ((*records)[1].line, 2u);
  EXPECT_EQ((*records)[1].fields, (Fields{"1", "a", "\n\nFirst.\nSecond, \"quoted\"."}));
  EXPECT_EQ((*records)[2].line, 7u);  // counted past the line breaks inside the quotes
  EXPECT_EQ((*records)[2].fields, (Fields{"2", "b", "plain"}));
  std::size_t bad = 0;
  EXPECT_FALSE(sfar::split_csv_records("h\n1,\"open\n2,x\n", &bad).has_value());
  EXPECT_EQ(bad, 2u);
  EXPECT_FALSE(sfar::split_csv_records("h\n\"a\"b\n", &bad).has_value());
  EXPECT_EQ(bad, 2u);
}

TEST(Text, TextLinesAreThePhysicalLinesWithoutCrLf) {
  using Lines = std::vector<std::string>;
  EXPECT_EQ(sfar::text_lines("a\nb\n"), (Lines{"a", "b"}));
  EXPECT_EQ(sfar::text_lines("a\r\nb"), (Lines{"a", "b"}));  // CRLF, no final newline
  EXPECT_EQ(sfar::text_lines("a\n\n\nb\n"), (Lines{"a", "", "", "b"}));  // blank lines keep their numbers
  EXPECT_EQ(sfar::text_lines("a\n\n"), (Lines{"a", ""}));
  EXPECT_EQ(sfar::text_lines("x\ry\n"), (Lines{"x\ry"}));  // a lone CR inside a line is text
  EXPECT_TRUE(sfar::text_lines("").empty());
}

TEST(Text, StripUtf8BomRemovesOnlyALeadingMark) {
  EXPECT_EQ(sfar::strip_utf8_bom("\xEF\xBB\xBFid,name"), "id,name");
  EXPECT_EQ(sfar::strip_utf8_bom("id,\xEF\xBB\xBFname"), "id,\xEF\xBB\xBFname");
  EXPECT_EQ(sfar::strip_utf8_bom("\xEF\xBB"), "\xEF\xBB");  // a cut mark is not one
  EXPECT_EQ(sfar::strip_utf8_bom(""), "");
}

}  // namespace
