// One table per kind of named choice (a list format, a transform, a class-name format): each
// entry holds its name, its enumerator, a one-line description and what builds or reads it. The
// config's allowed values, the CLI's help texts and the "unknown" errors all come from the
// table, so a new entry is added in one place.
//
//   struct FormatEntry { const char* name; Format value; const char* description; Reader read; };
//   const std::vector<FormatEntry>& formats();
//   const FormatEntry& e = find_entry(formats(), "csv", "format", "data.format");
//   // unknown: ArgumentError "data.format: unknown format 'x'; known: a, b, c"
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

#include "sfar/core/error.h"

namespace sfar {

// The names of `table`, in table order.
template <class Entry>
std::vector<std::string> entry_names(const std::vector<Entry>& table) {
  std::vector<std::string> names;
  for (const auto& entry : table) names.emplace_back(entry.name);
  return names;
}

// "a, b, c": the names of `table`, in table order.
template <class Entry>
std::string joined_entry_names(const std::vector<Entry>& table) {
  std::string text;
  for (const auto& entry : table) text += (text.empty() ? "" : ", ") + std::string(entry.name);
  return text;
}

// "a (what a does); b (what b does)": for a command's help.
template <class Entry>
std::string entry_help(const std::vector<Entry>& table) {
  std::string text;
  for (const auto& entry : table) {
    text += (text.empty() ? "" : "; ") + std::string(entry.name) + " (" + entry.description + ")";
  }
  return text;
}

// The entry named `name`; ArgumentError naming `where`, the unknown name and every known one.
// `what` names the kind ("format", "transform").
template <class Entry>
const Entry& find_entry(const std::vector<Entry>& table, const std::string& name, const std::string& what,
                        const std::string& where) {
  for (const auto& entry : table) {
    if (name == entry.name) return entry;
  }
  throw ArgumentError(where, "unknown " + what + " '" + name + "'; known: " + joined_entry_names(table), name);
}

// The entry whose enumerator is `value` (every enumerator has one entry).
template <class Entry, class E>
const Entry& entry_of(const std::vector<Entry>& table, E value) {
  for (const auto& entry : table) {
    if (entry.value == value) return entry;
  }
  throw std::logic_error("an enumerator without a table entry");
}

}  // namespace sfar
