#include "sfar/describe/prompt_set.h"

#include <yaml-cpp/yaml.h>

#include <set>

#include "sfar/core/atomic_file.h"
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

std::string required_string(const YAML::Node& node, const std::string& where) {
  if (!node || !node.IsScalar() || node.as<std::string>().empty()) {
    throw ConfigError(where, "expected a non-empty string");
  }
  return node.as<std::string>();
}

void check_keys(const YAML::Node& map, const std::set<std::string>& allowed, const std::string& where) {
  for (const auto& item : map) {
    const std::string key = item.first.as<std::string>();
    if (!allowed.count(key)) throw ConfigError(where + key, "unknown key", key);
  }
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

PromptSet parse_prompt_set(const std::string& yaml_text, const std::string& source) {
  YAML::Node root;
  try {
    root = YAML::Load(yaml_text);
  } catch (const YAML::Exception& e) {
    throw ConfigError(source + ":" + std::to_string(e.mark.line + 1), "invalid YAML: " + e.msg);
  }
  if (!root.IsMap()) throw ConfigError(source, "expected a mapping with system, user_template, questions");
  const std::string at = source + ": ";
  check_keys(root, {"system", "user_template", "questions"}, at);
  PromptSet prompts;
  prompts.system = required_string(root["system"], at + "system");
  if (root["user_template"]) prompts.user_template = required_string(root["user_template"], at + "user_template");
  for (const char* key : {"{name}", "{question}"}) {
    if (prompts.user_template.find(key) == std::string::npos) {
      throw ConfigError(at + "user_template", std::string("must contain ") + key, prompts.user_template);
    }
  }
  const YAML::Node questions = root["questions"];
  if (!questions || !questions.IsSequence() || questions.size() == 0) {
    throw ConfigError(at + "questions", "expected a non-empty list of {id, text}");
  }
  std::set<std::string> ids;
  for (std::size_t i = 0; i < questions.size(); ++i) {
    const std::string where = at + "questions[" + std::to_string(i) + "]";
    if (!questions[i].IsMap()) throw ConfigError(where, "expected a mapping {id, text}");
    check_keys(questions[i], {"id", "text"}, where + ".");
    QuestionPrompt q{required_string(questions[i]["id"], where + ".id"),
                     required_string(questions[i]["text"], where + ".text")};
    if (!ids.insert(q.id).second) throw ConfigError(where + ".id", "duplicate question id", q.id);
    prompts.questions.push_back(std::move(q));
  }
  return prompts;
}

PromptSet load_prompt_set(const std::string& path) { return parse_prompt_set(read_file(path), path); }

}  // namespace sfar::describe
