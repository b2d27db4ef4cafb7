// Every dataset list a run config names, for `sfar data check --config`: the training list,
// the evaluation list and the protocols' test lists, each with the root, class names and format
// it is read with, keyed by the config key that names it.
//
//   for (const NamedList& l : config_lists({"configs/hmdb51/sfar_vit_b16_few_shot.yaml"}, {}))
//     check(l.key, l.data);  // "data.list", "eval.list", "protocol.few_shot.eval_lists[1]", ...
#pragma once

#include <string>
#include <vector>

#include "sfar/data/data_config.h"

namespace sfar::recipes {

struct NamedList {
  std::string key;       // the config key naming the list
  data::DataConfig data;  // data:'s settings with this list's root, list, labels and format
};

// data.list, eval.list, protocol.few_shot.eval_lists[i], protocol.base_to_novel.base_list and
// novel_list, protocol.zero_shot.targets[i].list, in that order, each once; lists given as a
// pattern ({K}, {seed}) are written per run and are not listed. Relative paths are looked up as
// a run does (under_root). Only the data, eval and protocol sections are read, so a config
// holding a data section alone is enough. ConfigError names the file and key.
std::vector<NamedList> config_lists(const std::vector<std::string>& files,
                                    const std::vector<std::string>& overrides = {});

}  // namespace sfar::recipes
