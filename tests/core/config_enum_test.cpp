// An enumeration read through its keyed table: the table's order is only the order names are
// listed in. Here the table lists the names out of enumerator order, so a reader that mapped a
// name to an enumerator by its position (as config_archive.h did before #31) would read "gamma"
// as kAlpha.
#include <gtest/gtest.h>

#include "sfar/core/config_archive.h"
#include "sfar/core/error.h"

namespace sfar {
namespace {

enum class Greek { kAlpha, kBeta, kGamma };
const cfg::NamedValues<Greek>& greek_names() {
  static const cfg::NamedValues<Greek> names = {{"gamma", Greek::kGamma}, {"alpha", Greek::kAlpha},
                                                {"beta", Greek::kBeta}};
  return names;
}

struct Letters {
  Greek letter = Greek::kBeta;
  template <class A>
  void visit(A& a) {
    a("letter", letter, greek_names());
  }
};

ConfigNode letter_node(const std::string& name) {
  ConfigNode node = ConfigNode::map();
  node.set("letter", ConfigNode::scalar(name));
  return node;
}

TEST(ConfigEnum, ReadsEachNameAsItsOwnEnumerator) {
  for (const auto& entry : greek_names()) {
    const ConfigNode node = letter_node(entry.name);
    EXPECT_EQ(read_config<Letters>(&node, "x").letter, entry.value) << entry.name;
  }
}

TEST(ConfigEnum, WritesEachEnumeratorByItsOwnName) {
  for (const auto& entry : greek_names()) {
    const ConfigNode node = write_config(Letters{entry.value});
    ASSERT_NE(node.find("letter"), nullptr);
    EXPECT_EQ(node.find("letter")->text(), entry.name);
    EXPECT_EQ(cfg::enum_name(entry.value, greek_names()), entry.name);
  }
}

TEST(ConfigEnum, ParsesOptionNamesByKey) {
  EXPECT_EQ(cfg::parse_enum<Greek>("gamma", greek_names(), "--letter"), Greek::kGamma);
  EXPECT_EQ(cfg::parse_enum<Greek>("alpha", greek_names(), "--letter"), Greek::kAlpha);
  try {
    cfg::parse_enum<Greek>("delta", greek_names(), "--letter");
    FAIL() << "an unknown name was accepted";
  } catch (const ArgumentError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("--letter"), std::string::npos) << what;
    EXPECT_NE(what.find("delta"), std::string::npos) << what;
    EXPECT_NE(what.find("gamma, alpha, beta"), std::string::npos) << what;
  }
}

TEST(ConfigEnum, AnUnknownNameIsAConfigErrorNamingTheKey) {
  const ConfigNode node = letter_node("delta");
  try {
    read_config<Letters>(&node, "section");
    FAIL() << "an unknown name was accepted";
  } catch (const ConfigError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("section.letter"), std::string::npos) << what;
    EXPECT_NE(what.find("delta"), std::string::npos) << what;
  }
}

}  // namespace
}  // namespace sfar
