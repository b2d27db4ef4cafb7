// Typed configuration: plain structs describe their fields once, in a `visit` member, and
// the same description reads them from a ConfigNode (validating types, ranges and unknown
// keys) and writes them back (for `sfar config print` and the copy saved with every run).
//
//   struct OptimizerConfig {
//     double lr = 5e-5;
//     template <class A> void visit(A& a) { a("lr", lr, cfg::positive()); }
//   };
//   OptimizerConfig opt = read_config<OptimizerConfig>(tree.find("optimizer"), "optimizer");
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include "sfar/core/config_node.h"
#include "sfar/core/error.h"
#include "sfar/core/name_table.h"

namespace sfar {
namespace cfg {

// What a value must satisfy besides its type.
struct Constraint {
  std::optional<double> min, max;
  bool min_exclusive = false;
  std::vector<std::string> choices;  // for strings: the allowed values
  bool non_empty = false;            // for strings and lists
};

inline Constraint any() { return {}; }
inline Constraint positive() { Constraint c; c.min = 0; c.min_exclusive = true; return c; }
inline Constraint non_negative() { Constraint c; c.min = 0; return c; }
inline Constraint at_least(double v) { Constraint c; c.min = v; return c; }
inline Constraint in_range(double lo, double hi) { Constraint c; c.min = lo; c.max = hi; return c; }
inline Constraint one_of(std::vector<std::string> choices) {
  Constraint c;
  c.choices = std::move(choices);
  return c;
}
inline Constraint non_empty() { Constraint c; c.non_empty = true; return c; }

// Where `text` stands in a one_of constraint's choices, or none.
inline std::optional<std::size_t> choice_index(const Constraint& c, const std::string& text) {
  for (std::size_t i = 0; i < c.choices.size(); ++i) {
    if (c.choices[i] == text) return i;
  }
  return std::nullopt;
}

// A one_of constraint's choices joined by `separator`, for messages and help.
inline std::string choice_list(const Constraint& c, const std::string& separator = ", ") {
  std::string list;
  for (const auto& choice : c.choices) list += (list.empty() ? "" : separator) + choice;
  return list;
}

// An enumeration's names, keyed by enumerator: a table of entries with `name` and `value` (a
// NamedValue<E> list, or a name_table.h table that also carries descriptions and factories). The
// table's order is only the order names are listed in; it never maps a name to an enumerator.
template <class E>
struct NamedValue {
  std::string name;  // a string, so that enum_name can return a reference into the static table
  E value;
};
template <class E>
using NamedValues = std::vector<NamedValue<E>>;

// The one_of constraint of a table's names, for messages and help.
template <class Entry>
Constraint one_of(const std::vector<Entry>& table) {
  return one_of(entry_names(table));
}

// The name of enumerator `value` in its table (std::logic_error for an enumerator without one):
// a reference into the table (a const std::string& for NamedValue tables).
template <class E, class Entry>
const auto& enum_name(E value, const std::vector<Entry>& table) {
  return entry_of(table, value).name;
}

// The enumerator named `text`, for a command option that takes a config enum's names;
// ArgumentError naming `where`, the text and every known name otherwise.
template <class E, class Entry>
E parse_enum(const std::string& text, const std::vector<Entry>& table, const std::string& where) {
  return find_entry(table, text, "value", where).value;
}

// A value written as one string and parsed once, on reading (e.g. a bad-file policy "retry 2"):
// specialise TextCodec<T> with `static T parse(const std::string&)`, which throws ArgumentError
// on bad text, and `static std::string format(const T&)`.
template <class T>
struct TextCodec {};
template <class T, class = void>
struct has_text_codec : std::false_type {};
template <class T>
struct has_text_codec<T, std::void_t<decltype(TextCodec<T>::parse(std::declval<const std::string&>()))>>
    : std::true_type {};

template <class T, class = void>
struct is_section : std::false_type {};
class Reader;
template <class T>
struct is_section<T, std::void_t<decltype(std::declval<T&>().visit(std::declval<Reader&>()))>>
    : std::true_type {};

// Reads one mapping. Keys that no field consumed are reported by finish().
class Reader {
 public:
  Reader(const ConfigNode* node, std::string path);

  void operator()(const char* key, bool& value, const Constraint& c = {});
  void operator()(const char* key, std::int64_t& value, const Constraint& c = {});
  void operator()(const char* key, double& value, const Constraint& c = {});
  void operator()(const char* key, std::string& value, const Constraint& c = {});
  void operator()(const char* key, std::vector<std::int64_t>& value, const Constraint& c = {});
  void operator()(const char* key, std::vector<double>& value, const Constraint& c = {});
  void operator()(const char* key, std::vector<std::string>& value, const Constraint& c = {});

  // An enumeration, parsed here once through its keyed table (NamedValue above); a name outside
  // the table is a ConfigError naming the key and every known name.
  template <class E, class Entry, std::enable_if_t<std::is_enum<E>::value, int> = 0>
  void operator()(const char* key, E& value, const std::vector<Entry>& table) {
    std::string text(enum_name(value, table));
    (*this)(key, text, one_of(table));  // rejects names outside the table
    value = parse_enum<E>(text, table, key);
  }
  template <class E, std::enable_if_t<std::is_enum<E>::value, int> = 0>
  void operator()(const char*, E&, const Constraint&) {
    static_assert(!std::is_enum<E>::value,
                  "an enumeration is read through its keyed table (cfg::NamedValues<E>), not a one_of constraint");
  }

  // A TextCodec value; a ConfigError naming the key when parse rejects the text.
  template <class T, std::enable_if_t<has_text_codec<T>::value, int> = 0>
  void operator()(const char* key, T& value, const Constraint& c = {}) {
    std::string text = TextCodec<T>::format(value);
    read_text(key, text, c, [&](const std::string& t) { value = TextCodec<T>::parse(t); });
  }

  template <class T, std::enable_if_t<is_section<T>::value, int> = 0>
  void operator()(const char* key, T& section, const Constraint& = {}) {
    const ConfigNode* child = take(key);
    if (child && !child->is_null() && !child->is_map()) type_error(key, *child, "a mapping");
    Reader sub(child, join(key));
    section.visit(sub);
    sub.finish();
  }

  // A list of sections, e.g. a transform pipeline; element i is reported as key[i].
  template <class T, std::enable_if_t<is_section<T>::value, int> = 0>
  void operator()(const char* key, std::vector<T>& sections, const Constraint& c = {}) {
    const ConfigNode* child = take(key);
    if (!child) return;
    if (!child->is_sequence()) type_error(key, *child, "a list of mappings");
    sections.clear();
    for (std::size_t i = 0; i < child->items().size(); ++i) {
      const ConfigNode& item = child->items()[i];
      const std::string name = std::string(key) + "[" + std::to_string(i) + "]";
      if (!item.is_map()) type_error(name.c_str(), item, "a mapping");
      Reader sub(&item, join(name.c_str()));
      T section;
      section.visit(sub);
      sub.finish();
      sections.push_back(std::move(section));
    }
    if (c.non_empty && sections.empty()) type_error(key, *child, "a non-empty list");
  }

  // Throws a ConfigError naming every key of this mapping that no field consumed.
  void finish() const;

 private:
  const ConfigNode* take(const char* key);
  void read_text(const char* key, std::string& text, const Constraint& c,
                 const std::function<void(const std::string&)>& parse);
  std::string join(const char* key) const;
  std::string where(const char* key, const ConfigNode* node) const;
  [[noreturn]] void type_error(const char* key, const ConfigNode& node, const char* expected) const;
  void check_number(const char* key, const ConfigNode& node, double v, const Constraint& c) const;
  double parse_number(const char* key, const ConfigNode& node, bool integer) const;

  const ConfigNode* node_;
  std::string path_;
  std::set<std::string> consumed_;
};

// Writes fields into a ConfigNode in declaration order.
class Writer {
 public:
  explicit Writer(ConfigNode* out) : out_(out) { *out_ = ConfigNode::map(); }

  void operator()(const char* key, const bool& value, const Constraint& = {});
  void operator()(const char* key, const std::int64_t& value, const Constraint& = {});
  void operator()(const char* key, const double& value, const Constraint& = {});
  void operator()(const char* key, const std::string& value, const Constraint& = {});
  void operator()(const char* key, const std::vector<std::int64_t>& value, const Constraint& = {});
  void operator()(const char* key, const std::vector<double>& value, const Constraint& = {});
  void operator()(const char* key, const std::vector<std::string>& value, const Constraint& = {});

  template <class E, class Entry, std::enable_if_t<std::is_enum<E>::value, int> = 0>
  void operator()(const char* key, const E& value, const std::vector<Entry>& table) {
    (*this)(key, std::string(enum_name(value, table)), one_of(table));
  }

  template <class T, std::enable_if_t<has_text_codec<T>::value, int> = 0>
  void operator()(const char* key, const T& value, const Constraint& c = {}) {
    (*this)(key, TextCodec<T>::format(value), c);
  }

  template <class T, std::enable_if_t<is_section<T>::value, int> = 0>
  void operator()(const char* key, const T& section, const Constraint& = {}) {
    ConfigNode child;
    Writer sub(&child);
    const_cast<T&>(section).visit(sub);  // visit only reads through a Writer
    out_->set(key, std::move(child));
  }

  template <class T, std::enable_if_t<is_section<T>::value, int> = 0>
  void operator()(const char* key, const std::vector<T>& sections, const Constraint& = {}) {
    ConfigNode list = ConfigNode::sequence();
    for (const auto& section : sections) {
      ConfigNode item;
      Writer sub(&item);
      const_cast<T&>(section).visit(sub);
      list.push_back(std::move(item));
    }
    out_->set(key, std::move(list));
  }

 private:
  ConfigNode* out_;
};

// Shortest text that reads back to the same double.
std::string format_number(double value);

}  // namespace cfg

template <class T>
T read_config(const ConfigNode* node, const std::string& path = "") {
  T value;
  cfg::Reader reader(node, path);
  value.visit(reader);
  reader.finish();
  return value;
}

template <class T>
ConfigNode write_config(const T& value) {
  ConfigNode node;
  cfg::Writer writer(&node);
  const_cast<T&>(value).visit(writer);
  return node;
}

}  // namespace sfar
