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
