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

}  // namespace
