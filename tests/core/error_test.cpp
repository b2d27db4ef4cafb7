#include <gtest/gtest.h>

#include "sfar/core/error.h"

namespace sfar {
namespace {

TEST(Error, ComposesWhereMessageAndValue) {
  const ConfigError e("x.yaml: a.b", "expected a number", "fast");
  EXPECT_STREQ(e.what(), "x.yaml: a.b: expected a number, got \"fast\"");
  EXPECT_EQ(e.where(), "x.yaml: a.b");
  EXPECT_EQ(e.value(), "fast");
  EXPECT_TRUE(e.has_value());
  const IoError io("/tmp/f", "cannot open file");
  EXPECT_STREQ(io.what(), "/tmp/f: cannot open file");
  EXPECT_FALSE(io.has_value());
}

TEST(Error, QuotesControlCharactersAndShortens) {
  EXPECT_EQ(quote_value("a\"b\n\x01"), "\"a\\\"b\\n\\x01\"");
  EXPECT_EQ(quote_value(std::string(100, 'x'), 4), "\"xxxx...\"");
}

TEST(Error, FamilyIsCatchableAsError) {
  try {
    throw FormatError("f.json:3", "invalid JSON");
  } catch (const Error& e) {
    EXPECT_EQ(e.where(), "f.json:3");
  }
}

}  // namespace
}  // namespace sfar
