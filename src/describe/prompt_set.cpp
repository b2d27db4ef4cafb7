#include "sfar/describe/prompt_set.h"

#include <set>

#include "sfar/core/config_loader.h"
#include "sfar/core/error.h"

namespace sfar::describe {
namespace {

// Same content as configs/describe/prompts_sfar.yaml (a test checks they agree).
const char* const kDefaultPromptsYaml = R"yaml(system: >-
  You are an expert assistant in action recognition. Respond to the user's input by providing
  accurate, concise, and informative descriptions of the actions in a structured manner.
user_template: "Action: {name}. {question}"
questions:
  - id: steps
    text: >-
      This action is a sequence of four steps. For each step, describe it in detail with 'This
      action is' followed by a specific description of that step. Ensure each step is distinct
      and crucial to the action.
  - id: movements
    text: >-
      This action is defined by four unique movements. Start each movement with 'This action is'
      and emphasize the diversity and significance of each movement. Conclude with a brief summary
      that ties all movements together.
  - id: phases
    text: >-
      This action is composed of four critical phases. Each phase should start with 'This action
      is' and focus on different aspects of the action. Highlight the importance of each phase and
      avoid repetition.
  - id: perspectives
    text: >-
      This action is best understood by breaking it down into four concise descriptions. Begin
      each description with 'This action is' and make sure each one covers a different perspective
      of the action. End with a summarizing statement.
)yaml";

std::string replace_all(std::string text, const std::string& key, const std::string& value) {
  for (auto at = text.find(key); at != std::string::npos; at = text.find(key, at + value.size())) {
    text.replace(at, key.size(), value);
  }
  return text;
}

}  // namespace

std::string PromptSet::user_message(const std::string& class_name, const QuestionPrompt& question) const {
  return replace_all(replace_all(user_template, "{question}", question.text), "{name}", class_name);
}

PromptSet default_prompt_set() { return parse_prompt_set(default_prompt_set_yaml(), "built-in SFAR prompts"); }

const std::string& default_prompt_set_yaml() {
  static const std::string text = kDefaultPromptsYaml;
  return text;
}

PromptSet read_prompt_set(const ConfigNode& tree, const std::string& source) {
  if (!tree.is_map()) throw ConfigError(source, "expected a mapping with system, user_template, questions");
  const PromptSet prompts = read_config<PromptSet>(&tree);
  const std::string at = source + ": ";
  if (prompts.system.empty()) throw ConfigError(at + "system", "expected a non-empty string");
  for (const char* key : {"{name}", "{question}"}) {
    if (prompts.user_template.find(key) == std::string::npos) {
      throw ConfigError(at + "user_template", std::string("must contain ") + key, prompts.user_template);
    }
  }
  if (prompts.questions.empty()) throw ConfigError(at + "questions", "expected a non-empty list of {id, text}");
  std::set<std::string> ids;
  for (std::size_t i = 0; i < prompts.questions.size(); ++i) {
    const std::string where = at + "questions[" + std::to_string(i) + "]";
    if (prompts.questions[i].id.empty()) throw ConfigError(where + ".id", "expected a non-empty string");
    if (prompts.questions[i].text.empty()) throw ConfigError(where + ".text", "expected a non-empty string");
    if (!ids.insert(prompts.questions[i].id).second) {
      throw ConfigError(at + "questions[" + std::to_string(i) + "].id", "duplicate question id",
                        prompts.questions[i].id);
    }
  }
  return prompts;
}

PromptSet parse_prompt_set(const std::string& yaml_text, const std::string& source) {
  return read_prompt_set(parse_config_text(yaml_text, source), source);
}

PromptSet load_prompt_set(const std::string& path) { return read_prompt_set(load_config_file(path), path); }

}  // namespace sfar::describe
