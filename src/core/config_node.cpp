#include "sfar/core/config_node.h"

namespace sfar {

ConfigNode ConfigNode::scalar(std::string text, ConfigSource source, bool quoted) {
  ConfigNode node;
  node.kind_ = Kind::Scalar;
  node.text_ = std::move(text);
  node.quoted_ = quoted;
  node.source_ = std::move(source);
  return node;
}

ConfigNode ConfigNode::sequence(ConfigSource source) {
  ConfigNode node;
  node.kind_ = Kind::Sequence;
  node.source_ = std::move(source);
  return node;
}

ConfigNode ConfigNode::map(ConfigSource source) {
  ConfigNode node;
  node.kind_ = Kind::Map;
  node.source_ = std::move(source);
  return node;
}

std::string ConfigNode::kind_name() const {
  switch (kind_) {
    case Kind::Null: return "nothing";
    case Kind::Scalar: return "a scalar";
    case Kind::Sequence: return "a list";
    case Kind::Map: return "a mapping";
  }
  return "?";
}

void ConfigNode::push_back(ConfigNode item) {
  kind_ = Kind::Sequence;
  items_.push_back(std::move(item));
}

const ConfigNode* ConfigNode::find(const std::string& key) const {
  for (const auto& [name, value] : fields_) {
    if (name == key) return &value;
  }
  return nullptr;
}

ConfigNode* ConfigNode::find(const std::string& key) {
  for (auto& [name, value] : fields_) {
    if (name == key) return &value;
  }
  return nullptr;
}

void ConfigNode::set(const std::string& key, ConfigNode value) {
  kind_ = Kind::Map;
  if (ConfigNode* existing = find(key)) {
    *existing = std::move(value);
  } else {
    fields_.emplace_back(key, std::move(value));
  }
}

bool ConfigNode::erase(const std::string& key) {
  for (auto it = fields_.begin(); it != fields_.end(); ++it) {
    if (it->first == key) {
      fields_.erase(it);
      return true;
    }
  }
  return false;
}

bool ConfigNode::operator==(const ConfigNode& other) const {
  // Sources are deliberately ignored: two trees are equal when they say the same thing.
  return kind_ == other.kind_ && text_ == other.text_ && items_ == other.items_ &&
         fields_ == other.fields_;
}

ConfigNode merge_config(const ConfigNode& base, const ConfigNode& top) {
  if (!base.is_map() || !top.is_map()) return top;
  ConfigNode merged = base;
  for (const auto& [key, value] : top.fields()) {
    const ConfigNode* old = merged.find(key);
    merged.set(key, old ? merge_config(*old, value) : value);
  }
  return merged;
}

}  // namespace sfar
