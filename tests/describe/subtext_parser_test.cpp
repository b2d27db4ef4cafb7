#include "sfar/describe/subtext_parser.h"

#include <gtest/gtest.h>

namespace sfar::describe {
namespace {

using Strings = std::vector<std::string>;

TEST(SubtextParser, ReadsNumberedBoldAnswerAndDropsSummary) {
  const std::string answer =
      "Sure! Here are the four steps of **abseiling**:\n\n"
      "1. **Harnessing Up:** This action is securing the harness around the waist and legs.\n"
      "2. **Anchoring**: This action is attaching the rope to a solid anchor point.\n\n"
      "3) This action is leaning back over the edge, feet flat on the wall. The rope takes the weight.\n"
      "### Step 4\n"
      "This action is descending in controlled hops until the ground is reached.\n\n"
      "**Summary:** This action is a careful, controlled descent.\n";
  EXPECT_EQ(parse_subtext_answer(answer, 4),
            (Strings{"This action is securing the harness around the waist and legs.",
                     "This action is attaching the rope to a solid anchor point.",
                     "This action is leaning back over the edge, feet flat on the wall.",
                     "This action is descending in controlled hops until the ground is reached."}));
}

TEST(SubtextParser, HandlesBulletsLowercaseAndSeveralPerLine) {
  const std::string answer =
      "- this action is step one. This action is step two!\n"
      "\xE2\x80\xA2 Phase 3 - This action is step three\r\n"
      "* Movement (4): This action is step four.\n"
      "Together, this action is everything.";
  EXPECT_EQ(parse_subtext_answer(answer, 0), (Strings{"This action is step one.", "This action is step two!",
                                                      "This action is step three", "This action is step four."}));
  EXPECT_EQ(parse_subtext_answer(answer, 2).size(), 2u);
}

TEST(SubtextParser, IgnoresMidSentenceMentionsAndEmptyLeads) {
  EXPECT_TRUE(parse_subtext_answer("I think this action is fun, and overall this action is good.", 4).empty());
  EXPECT_TRUE(parse_subtext_answer("1. This action is\n2. This action is:", 4).empty());
  EXPECT_TRUE(parse_subtext_answer("I'm sorry, I can't help with that.", 4).empty());
  EXPECT_EQ(parse_subtext_answer("This action is a.\nThis action is a.", 4), (Strings{"This action is a."}));
}

TEST(SubtextParser, SplitsParagraphsIntoSentences) {
  EXPECT_EQ(split_sentences("\n\nBrushing hair is an action, e.g. with a comb. It removes tangles! Is it hard? "
                            "It takes 2.5 minutes. 3 people do it"),
            (Strings{"Brushing hair is an action, e.g. with a comb.", "It removes tangles!", "Is it hard?",
                     "It takes 2.5 minutes."}));
  // A paragraph cut off mid-sentence keeps only its complete sentences; one fragment stays.
  EXPECT_EQ(split_sentences("YoYo is a toy. The user holds the string and then"), (Strings{"YoYo is a toy."}));
  EXPECT_EQ(split_sentences("just a fragment"), (Strings{"just a fragment"}));
  EXPECT_TRUE(split_sentences("  \n ").empty());
}

TEST(SubtextParser, StripsMarkdown) {
  EXPECT_EQ(strip_markdown("  12. **Bold** and __under__ `code`\t text "), "Bold and under code text");
  EXPECT_EQ(strip_markdown("## Heading"), "Heading");
  EXPECT_EQ(strip_markdown("> - quoted item"), "quoted item");
}

}  // namespace
}  // namespace sfar::describe
