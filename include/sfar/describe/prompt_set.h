// The prompts sent to the LLM for each class: a system prompt, a user-message template and
// the question prompts (METHOD.md, "Sub-texts"). The SFAR set is built in and shipped as
// configs/describe/prompts_sfar.yaml; users may load their own YAML file of the same shape:
//
//   system: "You are an expert assistant in action recognition. ..."
//   user_template: "Action: {name}. {question}"
//   questions:
//     - {id: steps, text: "This action is a sequence of four steps. ..."}
#pragma once

#include <string>
#include <vector>

#include "sfar/core/config_archive.h"
#include "sfar/core/config_node.h"

namespace sfar::describe {

struct QuestionPrompt {
  std::string id;    // short, unique: names the prompt in provenance and failures
  std::string text;

  // Both required and non-empty (read_prompt_set checks, after unknown keys, so that a misspelt
  // key is named as such).
  template <class A>
  void visit(A& a) {
    a("id", id);
    a("text", text);
  }
};

struct PromptSet {
  std::string system;
  std::string user_template = "Action: {name}. {question}";
  std::vector<QuestionPrompt> questions;

  // The keys of a prompt file. `system` and at least one question are required (checked by
  // read_prompt_set, with the ids' uniqueness and the template's placeholders).
  template <class A>
  void visit(A& a) {
    a("system", system);
    a("user_template", user_template, cfg::non_empty());
    a("questions", questions, cfg::non_empty());
  }

  // user_template with {name} and {question} filled in.
  std::string user_message(const std::string& class_name, const QuestionPrompt& question) const;
};

// The SFAR prompts (the four questions of METHOD.md).
PromptSet default_prompt_set();
// The YAML text of default_prompt_set(), as shipped in configs/describe/prompts_sfar.yaml.
const std::string& default_prompt_set_yaml();

// Parses and validates a prompt file: unknown keys, a missing system prompt or question, a
// duplicate id or a template without {name}/{question} throw ConfigError naming the key.
PromptSet parse_prompt_set(const std::string& yaml_text, const std::string& source);
PromptSet load_prompt_set(const std::string& path);
// The same checks on a loaded tree (`sfar config print` of a prompt file); `source` names it.
PromptSet read_prompt_set(const ConfigNode& tree, const std::string& source);

}  // namespace sfar::describe
