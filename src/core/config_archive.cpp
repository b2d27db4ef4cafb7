#include "sfar/core/config_archive.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "sfar/core/error.h"

namespace sfar::cfg {
namespace {

std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diag = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

}  // namespace

Reader::Reader(const ConfigNode* node, std::string path) : node_(node), path_(std::move(path)) {}

const ConfigNode* Reader::take(const char* key) {
  consumed_.insert(key);
  if (!node_ || !node_->is_map()) return nullptr;
  const ConfigNode* child = node_->find(key);
  return (child && !child->is_null()) ? child : nullptr;
}

std::string Reader::join(const char* key) const {
  return path_.empty() ? std::string(key) : path_ + "." + key;
}

std::string Reader::where(const char* key, const ConfigNode* node) const {
  const std::string file = node && !node->source().file.empty() ? node->source().file
                           : node_ ? node_->source().file
                                   : std::string();
  return file.empty() ? join(key) : file + ": " + join(key);
}

void Reader::type_error(const char* key, const ConfigNode& node, const char* expected) const {
  if (node.is_scalar()) {
    throw ConfigError(where(key, &node), std::string("expected ") + expected, node.text());
  }
  throw ConfigError(where(key, &node), std::string("expected ") + expected + ", got " +
                                           node.kind_name());
}

double Reader::parse_number(const char* key, const ConfigNode& node, bool integer) const {
  if (!node.is_scalar() || node.quoted()) type_error(key, node, integer ? "an integer" : "a number");
  const std::string& text = node.text();
  const char* begin = text.c_str();
  char* end = nullptr;
  errno = 0;
  if (integer) {
    const long long v = std::strtoll(begin, &end, 10);
    if (text.empty() || *end != '\0' || errno == ERANGE) type_error(key, node, "an integer");
    return static_cast<double>(v);
  }
  const std::string t = lower(text);
  if (t == ".inf" || t == "+.inf") return INFINITY;
  if (t == "-.inf") return -INFINITY;
  if (t == ".nan") return NAN;
  const double v = std::strtod(begin, &end);
  if (text.empty() || *end != '\0' || errno == ERANGE) type_error(key, node, "a number");
  return v;
}

void Reader::check_number(const char* key, const ConfigNode& node, double v,
                          const Constraint& c) const {
  if (!std::isfinite(v)) {
    // No key takes infinity or NaN: a learning rate of .inf trains to exit 0 with every weight
    // non-finite, so it is refused here, for every number key at once.
    throw ConfigError(where(key, &node), "expected a finite number", node.text());
  }
  const bool below = c.min && (c.min_exclusive ? !(v > *c.min) : !(v >= *c.min));
  const bool above = c.max && !(v <= *c.max);
  if (below || above) {
    std::string range;
    if (c.min && c.max) {
      range = "between " + format_number(*c.min) + " and " + format_number(*c.max);
    } else if (c.min) {
      range = (c.min_exclusive ? "greater than " : "at least ") + format_number(*c.min);
    } else {
      range = "at most " + format_number(*c.max);
    }
    throw ConfigError(where(key, &node), "expected a value " + range, node.text());
  }
}

void Reader::operator()(const char* key, bool& value, const Constraint&) {
  const ConfigNode* node = take(key);
  if (!node) return;
  const std::string t = node->is_scalar() && !node->quoted() ? lower(node->text()) : "";
  if (t == "true" || t == "yes" || t == "on") {
    value = true;
  } else if (t == "false" || t == "no" || t == "off") {
    value = false;
  } else {
    type_error(key, *node, "true or false");
  }
}

void Reader::operator()(const char* key, std::int64_t& value, const Constraint& c) {
  const ConfigNode* node = take(key);
  if (!node) return;
  const double v = parse_number(key, *node, true);
  check_number(key, *node, v, c);
  value = std::strtoll(node->text().c_str(), nullptr, 10);
}

void Reader::operator()(const char* key, double& value, const Constraint& c) {
  const ConfigNode* node = take(key);
  if (!node) return;
  value = parse_number(key, *node, false);
  check_number(key, *node, value, c);
}

void Reader::operator()(const char* key, std::string& value, const Constraint& c) {
  const ConfigNode* node = take(key);
  if (!node) {
    if (c.non_empty && value.empty()) throw ConfigError(where(key, nullptr), "must be set");
    return;
  }
  if (!node->is_scalar()) type_error(key, *node, "a string");
  value = node->text();
  if (c.non_empty && value.empty()) throw ConfigError(where(key, node), "must not be empty");
  if (!c.choices.empty() && !choice_index(c, value)) {
    throw ConfigError(where(key, node), "expected one of: " + choice_list(c), value);
  }
}

void Reader::read_text(const char* key, std::string& text, const Constraint& c,
                       const std::function<void(const std::string&)>& parse) {
  const ConfigNode* node = node_ && node_->is_map() ? node_->find(key) : nullptr;
  (*this)(key, text, c);
  try {
    parse(text);
  } catch (const ArgumentError& e) {
    throw ConfigError(where(key, node), e.message(), text);
  }
}

namespace {
template <class T, class ReadOne>
void read_list(const ConfigNode* node, std::vector<T>& value, ReadOne read_one) {
  if (!node) return;
  value.clear();
  if (node->is_sequence()) {
    for (const auto& item : node->items()) value.push_back(read_one(item));
  } else {
    value.push_back(read_one(*node));  // a single value is a list of one
  }
}
}  // namespace

void Reader::operator()(const char* key, std::vector<std::int64_t>& value, const Constraint& c) {
  read_list(take(key), value, [&](const ConfigNode& item) {
    const double v = parse_number(key, item, true);
    check_number(key, item, v, c);
    return static_cast<std::int64_t>(std::strtoll(item.text().c_str(), nullptr, 10));
  });
}

void Reader::operator()(const char* key, std::vector<double>& value, const Constraint& c) {
  read_list(take(key), value, [&](const ConfigNode& item) {
    const double v = parse_number(key, item, false);
    check_number(key, item, v, c);
    return v;
  });
}

void Reader::operator()(const char* key, std::vector<std::string>& value, const Constraint& c) {
  read_list(take(key), value, [&](const ConfigNode& item) {
    if (!item.is_scalar()) type_error(key, item, "a list of strings");
    return item.text();
  });
  if (c.non_empty && value.empty()) throw ConfigError(where(key, nullptr), "must not be empty");
}

void Reader::finish() const {
  if (!node_ || !node_->is_map()) return;
  for (const auto& [key, child] : node_->fields()) {
    if (consumed_.count(key)) continue;
    std::string hint;
    std::size_t best = 3;
    for (const auto& known : consumed_) {
      const std::size_t d = edit_distance(key, known);
      if (d < best) {
        best = d;
        hint = " (did you mean '" + known + "'?)";
      }
    }
    const std::string file = child.source().file.empty() ? node_->source().file : child.source().file;
    const std::string path = path_.empty() ? key : path_ + "." + key;
    throw ConfigError(file.empty() ? path : file + ": " + path, "unknown key" + hint);
  }
}

std::string format_number(double value) {
  if (std::isinf(value)) return value > 0 ? ".inf" : "-.inf";
  if (std::isnan(value)) return ".nan";
  char buf[32];
  for (int precision = 1; precision <= 17; ++precision) {
    std::snprintf(buf, sizeof(buf), "%.*g", precision, value);
    if (std::strtod(buf, nullptr) == value) break;
  }
  std::string s = buf;
  // Keep it a float for YAML readers: "1" -> "1.0" unless it already has '.', 'e' or 'n'.
  if (s.find_first_of(".eEn") == std::string::npos) s += ".0";
  return s;
}

void Writer::operator()(const char* key, const bool& value, const Constraint&) {
  out_->set(key, ConfigNode::scalar(value ? "true" : "false"));
}
void Writer::operator()(const char* key, const std::int64_t& value, const Constraint&) {
  out_->set(key, ConfigNode::scalar(std::to_string(value)));
}
void Writer::operator()(const char* key, const double& value, const Constraint&) {
  out_->set(key, ConfigNode::scalar(format_number(value)));
}
void Writer::operator()(const char* key, const std::string& value, const Constraint&) {
  out_->set(key, ConfigNode::scalar(value, {}, true));
}
void Writer::operator()(const char* key, const std::vector<std::int64_t>& value, const Constraint&) {
  ConfigNode seq = ConfigNode::sequence();
  for (auto v : value) seq.push_back(ConfigNode::scalar(std::to_string(v)));
  out_->set(key, std::move(seq));
}
void Writer::operator()(const char* key, const std::vector<double>& value, const Constraint&) {
  ConfigNode seq = ConfigNode::sequence();
  for (auto v : value) seq.push_back(ConfigNode::scalar(format_number(v)));
  out_->set(key, std::move(seq));
}
void Writer::operator()(const char* key, const std::vector<std::string>& value, const Constraint&) {
  ConfigNode seq = ConfigNode::sequence();
  for (const auto& v : value) seq.push_back(ConfigNode::scalar(v, {}, true));
  out_->set(key, std::move(seq));
}

}  // namespace sfar::cfg
