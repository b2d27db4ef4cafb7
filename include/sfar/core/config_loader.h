// Reading configuration files: YAML with `_base_` inheritance and `--set key.path=value`
// overrides. The result is an untyped ConfigNode tree; typed structs are made from it by
// ConfigReader (config_archive.h).
//
//   ConfigNode tree = load_config({"configs/k400/sfar_b16.yaml"}, {"train.lr=1e-4"});
#pragma once

#include <string>
#include <vector>

#include "sfar/core/config_node.h"

namespace sfar {

// Parses one YAML file and resolves its `_base_` key: a file name or a list of file names,
// relative to the file that names them, merged in order beneath the file's own keys.
// Cycles and missing files are ConfigErrors naming the file that refers to them. A directory,
// a file over 4 MiB, a recursive alias (`x: &a [*a]`), nesting deeper than 64 levels and a
// document expanding to over 100,000 values are ConfigErrors naming the file.
ConfigNode load_config_file(const std::string& path);

// Parses YAML text (for tests and embedded defaults); `name` is used in error messages.
// `_base_` is resolved relative to `base_dir`.
ConfigNode parse_config_text(const std::string& text, const std::string& name,
                             const std::string& base_dir = ".");

// Applies one override "a.b.c=value". The value is read as YAML flow, so `3`, `1e-4`,
// `true`, `[1, 2]` and `{x: 1}` are typed and anything else is a string; "a.b.c=" is the
// empty string (a number key then refuses it), and "a.b.c=null" asks for the default.
void apply_config_override(ConfigNode& root, const std::string& assignment);

// load_config_file for each file in order (later files override earlier ones), then every
// override in order.
ConfigNode load_config(const std::vector<std::string>& files,
                       const std::vector<std::string>& overrides = {});

// Emits a tree as block-style YAML that parse_config_text reads back to an equal tree.
std::string config_to_yaml(const ConfigNode& root);

}  // namespace sfar
