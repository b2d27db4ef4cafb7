#include <gtest/gtest.h>

#include <algorithm>

#include "sfar/core/config_kind.h"
#include "sfar/core/config_loader.h"
#include "sfar/core/error.h"
#include "sfar/core/sfar_config.h"

namespace sfar {
namespace {

struct Small {
  int run = 0;
  int model = 0;
  template <class A>
  void visit(A& a) {
    a("run", run);
    a("model", model);
  }
};

struct Big {
  int run = 0;
  int model = 0;
  int data = 0;
  int head = 0;
  template <class A>
  void visit(A& a) {
    a("run", run);
    a("model", model);
    a("data", data);
    a("head", head, cfg::positive());
  }
};

struct Prompts {
  int questions = 0;
  template <class A>
  void visit(A& a) {
    a("questions", questions);
  }
};

std::size_t kind_of(const std::string& yaml) {
  const std::vector<std::vector<std::string>> kinds = {section_names<Big>(), section_names<Small>(),
                                                       section_names<Prompts>()};
  return closest_config_kind(parse_config_text(yaml, "test.yaml"), kinds);
}

TEST(ConfigKind, SectionNamesAreTheTopLevelKeysInOrder) {
  EXPECT_EQ(section_names<Big>(), (std::vector<std::string>{"run", "model", "data", "head"}));
  const auto sfar = section_names<SfarConfig>();
  EXPECT_NE(std::find(sfar.begin(), sfar.end(), "model"), sfar.end());
}

TEST(ConfigKind, TheSmallestKindHoldingEveryKeyWins) {
  EXPECT_EQ(kind_of("run: 1\nmodel: 2\n"), 1u);           // Big holds them too, Small is smaller
  EXPECT_EQ(kind_of("run: 1\ndata: 2\n"), 0u);            // only Big holds data
  EXPECT_EQ(kind_of("questions: 1\n"), 2u);
}

TEST(ConfigKind, WithoutACoveringKindTheOneSharingMostKeysWins) {
  EXPECT_EQ(kind_of("run: 1\ndata: 2\nunknown: 3\n"), 0u);  // shares 2 with Big, 1 with Small
  EXPECT_EQ(kind_of("questions: 1\nunknown: 3\n"), 2u);
}

TEST(ConfigKind, AnEmptyFileIsTheFirstSmallestKindAndNoKindsIsAnError) {
  EXPECT_EQ(kind_of(""), 2u);  // every kind holds no keys; Prompts has the fewest sections
  EXPECT_THROW(closest_config_kind(ConfigNode(), {}), ArgumentError);
}

}  // namespace
}  // namespace sfar
