#include "sfar/describe/prompt_set.h"

#include <gtest/gtest.h>

#include <fstream>

#include "sfar/core/error.h"
#include "support/test_data.h"

namespace sfar::describe {
namespace {

TEST(PromptSet, DefaultIsMethodsFourQuestions) {
  const PromptSet prompts = default_prompt_set();
  EXPECT_EQ(prompts.system,
            "You are an expert assistant in action recognition. Respond to the user's input by providing accurate, "
            "concise, and informative descriptions of the actions in a structured manner.");
  ASSERT_EQ(prompts.questions.size(), 4u);
  EXPECT_EQ(prompts.questions[0].id, "steps");
  EXPECT_EQ(prompts.questions[0].text,
            "This action is a sequence of four steps. For each step, describe it in detail with 'This action is' "
            "followed by a specific description of that step. Ensure each step is distinct and crucial to the action.");
  EXPECT_EQ(prompts.questions[3].text,
            "This action is best understood by breaking it down into four concise descriptions. Begin each "
            "description with 'This action is' and make sure each one covers a different perspective of the "
            "action. End with a summarizing statement.");
  EXPECT_EQ(prompts.user_message("abseiling", prompts.questions[1]).rfind("Action: abseiling. This action is defined", 0), 0u);
}

TEST(PromptSet, ShippedFileEqualsBuiltIn) {
  const PromptSet shipped = load_prompt_set(test::source_dir() + "/configs/describe/prompts_sfar.yaml");
  const PromptSet builtin = default_prompt_set();
  EXPECT_EQ(shipped.system, builtin.system);
  EXPECT_EQ(shipped.user_template, builtin.user_template);
  ASSERT_EQ(shipped.questions.size(), builtin.questions.size());
  for (std::size_t i = 0; i < shipped.questions.size(); ++i) {
    EXPECT_EQ(shipped.questions[i].id, builtin.questions[i].id);
    EXPECT_EQ(shipped.questions[i].text, builtin.questions[i].text);
  }
}

void expect_config_error(const std::string& yaml, const std::string& fragment) {
  try {
    parse_prompt_set(yaml, "p.yaml");
    ADD_FAILURE() << "no error for " << yaml;
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  }
}

TEST(PromptSet, RejectsBadFilesNamingTheKey) {
  expect_config_error("system: s\nquestions: [{id: a, text: t}]\nextra: 1\n", "p.yaml: extra: unknown key");
  expect_config_error("questions: [{id: a, text: t}]\n", "p.yaml: system: expected a non-empty string");
  expect_config_error("system: s\nquestions: []\n", "p.yaml: questions: expected a non-empty list");
  expect_config_error("system: s\nquestions: [{id: a, text: t}, {id: a, text: u}]\n",
                      "p.yaml: questions[1].id: duplicate question id");
  expect_config_error("system: s\nquestions: [{id: a, txt: t}]\n", "p.yaml: questions[0].txt: unknown key");
  expect_config_error("system: s\nuser_template: \"{question}\"\nquestions: [{id: a, text: t}]\n",
                      "must contain {name}");
  expect_config_error("system: [unclosed\n", "p.yaml:");
  const PromptSet custom = parse_prompt_set("system: s\nuser_template: \"{question} ({name})\"\nquestions: [{id: a, text: t}]\n", "p.yaml");
  EXPECT_EQ(custom.user_message("x", custom.questions[0]), "t (x)");
}

}  // namespace
}  // namespace sfar::describe
