#include "sfar/core/config_loader.h"

#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <utility>

#include "sfar/core/error.h"

namespace fs = std::filesystem;

namespace sfar {
namespace {

constexpr const char* kBaseKey = "_base_";

// yaml-cpp resolves an alias to the anchored node itself, so `x: &a [*a]` is a cycle and a
// chain of aliases can stand for exponentially many nodes. Conversion is the one place that
// walks that graph: it refuses a node that contains itself, and bounds depth and total size.
constexpr std::size_t kMaxDepth = 64;          // shipped configs nest 5 levels
constexpr std::size_t kMaxNodes = 100000;      // shipped configs hold a few hundred
constexpr std::size_t kMaxFileBytes = 4 << 20;  // shipped configs are a few KiB

class YamlConverter {
 public:
  explicit YamlConverter(std::string file) : file_(std::move(file)) {}

  ConfigNode convert(const YAML::Node& node) {
    ConfigSource source{file_, node.Mark().line >= 0 ? node.Mark().line + 1 : 0};
    if (++count_ > kMaxNodes) {
      throw ConfigError(source.str(), "the config expands to more than " + std::to_string(kMaxNodes) +
                                          " values (aliases repeated inside aliases?)");
    }
    if (node.IsSequence() || node.IsMap()) enter(node, source);
    ConfigNode out = convert_kind(node, source);
    if (node.IsSequence() || node.IsMap()) open_.pop_back();
    return out;
  }

 private:
  void enter(const YAML::Node& node, const ConfigSource& source) {
    for (const auto& ancestor : open_) {
      if (ancestor.is(node)) throw ConfigError(source.str(), "a recursive alias: this node contains itself");
    }
    if (open_.size() >= kMaxDepth) {
      throw ConfigError(source.str(), "nested deeper than " + std::to_string(kMaxDepth) + " levels");
    }
    open_.push_back(node);
  }

  ConfigNode convert_kind(const YAML::Node& node, const ConfigSource& source) {
    switch (node.Type()) {
      case YAML::NodeType::Undefined:
      case YAML::NodeType::Null:
        return ConfigNode();
      case YAML::NodeType::Scalar:
        // yaml-cpp reports the tag "!" for quoted scalars and "?" for plain ones.
        return ConfigNode::scalar(node.Scalar(), source, node.Tag() == "!");
      case YAML::NodeType::Sequence: {
        ConfigNode seq = ConfigNode::sequence(source);
        for (const auto& item : node) seq.push_back(convert(item));
        return seq;
      }
      case YAML::NodeType::Map: {
        ConfigNode map = ConfigNode::map(source);
        for (const auto& kv : node) {
          if (!kv.first.IsScalar()) throw ConfigError(source.str(), "mapping keys must be plain names");
          const std::string key = kv.first.Scalar();
          if (map.find(key)) throw ConfigError(file_, "duplicate key", key);
          map.set(key, convert(kv.second));
        }
        return map;
      }
    }
    return ConfigNode();
  }

  std::string file_;
  std::vector<YAML::Node> open_;  // the sequences and mappings being converted, outermost first
  std::size_t count_ = 0;
};

ConfigNode from_yaml(const YAML::Node& node, const std::string& file) { return YamlConverter(file).convert(node); }

// The whole file, refused when it is a directory or larger than kMaxFileBytes (read in a
// bounded way, so that a pipe or a device such as /dev/zero cannot exhaust memory either).
std::string read_config_bytes(const fs::path& path, const std::string& referrer) {
  const std::string who = referrer.empty() ? path.string() : referrer;
  std::error_code ec;
  if (fs::is_directory(path, ec)) throw ConfigError(who, "is a directory, not a config file", path.string());
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ConfigError(who, "cannot open config file", path.string());
  std::string text(kMaxFileBytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  if (in.bad()) throw ConfigError(who, "cannot read config file", path.string());
  text.resize(static_cast<std::size_t>(in.gcount()));
  if (text.size() > kMaxFileBytes) {
    throw ConfigError(path.string(), "larger than " + std::to_string(kMaxFileBytes >> 20) +
                                         " MiB; a config file is a few KiB");
  }
  return text;
}

YAML::Node parse_yaml(const std::string& text, const std::string& name) {
  try {
    return YAML::Load(text);
  } catch (const YAML::Exception& e) {
    throw ConfigError(name + ":" + std::to_string(e.mark.line + 1),
                      "invalid YAML: " + e.msg);
  }
}

ConfigNode resolve_bases(ConfigNode root, const std::string& name, const fs::path& base_dir,
                         std::vector<std::string>& stack);

ConfigNode load_file_recursive(const fs::path& path, const std::string& referrer,
                               std::vector<std::string>& stack) {
  std::error_code ec;
  const fs::path canonical = fs::weakly_canonical(path, ec);
  const std::string key = (ec ? path : canonical).string();
  for (const auto& open : stack) {
    if (open == key) throw ConfigError(referrer, "_base_ inheritance cycle", path.string());
  }
  const std::string text = read_config_bytes(path, referrer);
  const std::string name = path.string();
  ConfigNode root = from_yaml(parse_yaml(text, name), name);
  if (root.is_null()) root = ConfigNode::map({name, 1});
  if (!root.is_map()) throw ConfigError(name, "a config file must be a mapping of keys");
  stack.push_back(key);
  ConfigNode resolved = resolve_bases(std::move(root), name, path.parent_path(), stack);
  stack.pop_back();
  return resolved;
}

ConfigNode resolve_bases(ConfigNode root, const std::string& name, const fs::path& base_dir,
                         std::vector<std::string>& stack) {
  const ConfigNode* base = root.find(kBaseKey);
  if (!base) return root;
  std::vector<std::string> files;
  if (base->is_scalar()) {
    files.push_back(base->text());
  } else if (base->is_sequence()) {
    for (const auto& item : base->items()) {
      if (!item.is_scalar()) throw ConfigError(name + ": _base_", "expected a list of file names");
      files.push_back(item.text());
    }
  } else if (!base->is_null()) {
    throw ConfigError(name + ": _base_", "expected a file name or a list of file names");
  }
  ConfigNode merged = ConfigNode::map({name, 1});
  for (const auto& file : files) {
    fs::path p(file);
    if (p.is_relative()) p = base_dir / p;
    merged = merge_config(merged, load_file_recursive(p, name + ": _base_", stack));
  }
  root.erase(kBaseKey);
  return merge_config(merged, root);
}

void emit(YAML::Emitter& out, const ConfigNode& node) {
  switch (node.kind()) {
    case ConfigNode::Kind::Null:
      out << YAML::Null;
      break;
    case ConfigNode::Kind::Scalar:
      if (node.quoted()) {
        out << YAML::DoubleQuoted << node.text();
      } else {
        out << node.text();
      }
      break;
    case ConfigNode::Kind::Sequence: {
      bool flat = true;
      for (const auto& item : node.items()) flat = flat && item.is_scalar();
      out << (flat ? YAML::Flow : YAML::Block) << YAML::BeginSeq;
      for (const auto& item : node.items()) emit(out, item);
      out << YAML::EndSeq;
      break;
    }
    case ConfigNode::Kind::Map:
      out << YAML::Block << YAML::BeginMap;
      for (const auto& [key, value] : node.fields()) {
        out << YAML::Key << key << YAML::Value;
        emit(out, value);
      }
      out << YAML::EndMap;
      break;
  }
}

}  // namespace

ConfigNode load_config_file(const std::string& path) {
  std::vector<std::string> stack;
  return load_file_recursive(path, "", stack);
}

ConfigNode parse_config_text(const std::string& text, const std::string& name,
                             const std::string& base_dir) {
  ConfigNode root = from_yaml(parse_yaml(text, name), name);
  if (root.is_null()) root = ConfigNode::map({name, 1});
  if (!root.is_map()) throw ConfigError(name, "a config must be a mapping of keys");
  std::vector<std::string> stack;
  return resolve_bases(std::move(root), name, base_dir, stack);
}

void apply_config_override(ConfigNode& root, const std::string& assignment) {
  const auto eq = assignment.find('=');
  const std::string origin = "--set " + assignment;
  if (eq == std::string::npos || eq == 0) {
    throw ConfigError("--set", "expected key.path=value", assignment);
  }
  const std::string path = assignment.substr(0, eq);
  const std::string text = assignment.substr(eq + 1);
  // Nothing after '=' is the empty string, never null: null would silently give the built-in
  // default, so `train.lr=` must be a type error while `descriptions.cache=` still clears a path.
  ConfigNode value = ConfigNode::scalar(text, {origin, 0}, true);
  if (!text.empty()) {
    try {
      value = from_yaml(YAML::Load(text), origin);
    } catch (const YAML::Exception&) {
      value = ConfigNode::scalar(text, {origin, 0}, true);  // not YAML: take it literally
    }
    if (value.is_null() && text != "null" && text != "~") value = ConfigNode::scalar(text, {origin, 0}, true);
  }
  value.set_source({origin, 0});

  std::vector<std::string> keys;
  std::stringstream ss(path);
  for (std::string key; std::getline(ss, key, '.');) {
    if (key.empty()) throw ConfigError("--set", "empty key in path", path);
    keys.push_back(key);
  }
  if (keys.size() > kMaxDepth) {
    throw ConfigError("--set", "key path deeper than " + std::to_string(kMaxDepth) + " levels", path);
  }
  ConfigNode* node = &root;
  for (std::size_t i = 0; i + 1 < keys.size(); ++i) {
    ConfigNode* child = node->find(keys[i]);
    if (!child || !child->is_map()) {
      node->set(keys[i], ConfigNode::map({origin, 0}));
      child = node->find(keys[i]);
    }
    node = child;
  }
  const ConfigNode* old = node->find(keys.back());
  node->set(keys.back(), old ? merge_config(*old, value) : value);
}

ConfigNode load_config(const std::vector<std::string>& files,
                       const std::vector<std::string>& overrides) {
  ConfigNode root = ConfigNode::map({"<defaults>", 0});
  for (const auto& file : files) root = merge_config(root, load_config_file(file));
  for (const auto& assignment : overrides) apply_config_override(root, assignment);
  return root;
}

std::string config_to_yaml(const ConfigNode& root) {
  YAML::Emitter out;
  emit(out, root);
  return std::string(out.c_str()) + "\n";
}

}  // namespace sfar
