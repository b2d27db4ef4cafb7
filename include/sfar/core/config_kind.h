// Which kind of config a file is, told by its top-level sections (`sfar config print` reads any
// kind). A kind's sections are the keys its struct's `visit` names at the top level.
//
//   const std::vector<std::vector<std::string>> kinds = {section_names<RunConfig>(), section_names<SfarConfig>()};
//   const std::size_t kind = closest_config_kind(load_config(files, overrides), kinds);
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "sfar/core/config_archive.h"
#include "sfar/core/config_node.h"

namespace sfar {

namespace detail {
// Records the keys one `visit` names, not those of the sections below them.
struct KeyLister {
  template <class T>
  void operator()(const char* key, const T&, const cfg::Constraint& = {}) {
    keys.emplace_back(key);
  }
  std::vector<std::string> keys;
};
}  // namespace detail

// The top-level keys of config struct T, in declaration order: the sections of that kind.
template <class T>
std::vector<std::string> section_names() {
  T defaults;
  detail::KeyLister lister;
  defaults.visit(lister);
  return lister.keys;
}

// The index into `kinds` (each kind's sections) of the kind `tree` is: the kind with the fewest
// sections among those holding every top-level key of `tree`; when none holds them all, the
// kind sharing the most keys, whose reader then names the unknown key. A tie goes to the first.
// A tree that is not a mapping has no keys: every kind holds them. Throws ArgumentError when
// `kinds` is empty.
std::size_t closest_config_kind(const ConfigNode& tree, const std::vector<std::vector<std::string>>& kinds);

}  // namespace sfar
