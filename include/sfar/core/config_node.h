// A configuration tree as read from YAML files and --set overrides, before it becomes typed
// structs. Every node remembers where it came from (file and line, or the override), so that
// a typed check far away can still name the file and key the user must fix.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace sfar {

struct ConfigSource {
  std::string file;  // a path, or "--set key=value" for command-line overrides
  int line = 0;      // 1-based; 0 when unknown
  std::string str() const { return line > 0 ? file + ":" + std::to_string(line) : file; }
};

class ConfigNode {
 public:
  enum class Kind { Null, Scalar, Sequence, Map };

  ConfigNode() = default;
  static ConfigNode scalar(std::string text, ConfigSource source = {}, bool quoted = false);
  static ConfigNode sequence(ConfigSource source = {});
  static ConfigNode map(ConfigSource source = {});

  Kind kind() const { return kind_; }
  bool is_null() const { return kind_ == Kind::Null; }
  bool is_scalar() const { return kind_ == Kind::Scalar; }
  bool is_sequence() const { return kind_ == Kind::Sequence; }
  bool is_map() const { return kind_ == Kind::Map; }
  // "a string", "a number", ... for error messages.
  std::string kind_name() const;

  // Scalar text exactly as written; quoted is true for '...' or "..." scalars, which are
  // always strings even when they look like numbers.
  const std::string& text() const { return text_; }
  bool quoted() const { return quoted_; }

  const std::vector<ConfigNode>& items() const { return items_; }
  void push_back(ConfigNode item);

  // Map access keeps the insertion order, which is the order the YAML file used.
  const std::vector<std::pair<std::string, ConfigNode>>& fields() const { return fields_; }
  const ConfigNode* find(const std::string& key) const;
  ConfigNode* find(const std::string& key);
  // Inserts or replaces.
  void set(const std::string& key, ConfigNode value);
  bool erase(const std::string& key);

  const ConfigSource& source() const { return source_; }
  void set_source(ConfigSource source) { source_ = std::move(source); }

  bool operator==(const ConfigNode& other) const;
  bool operator!=(const ConfigNode& other) const { return !(*this == other); }

 private:
  Kind kind_ = Kind::Null;
  std::string text_;
  bool quoted_ = false;
  std::vector<ConfigNode> items_;
  std::vector<std::pair<std::string, ConfigNode>> fields_;
  ConfigSource source_;
};

// Deep merge used by `_base_` inheritance and overrides: maps merge key by key, anything
// else in `top` replaces what `base` had.
ConfigNode merge_config(const ConfigNode& base, const ConfigNode& top);

}  // namespace sfar
