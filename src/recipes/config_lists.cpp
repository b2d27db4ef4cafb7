#include "sfar/recipes/config_lists.h"

#include <algorithm>

#include "sfar/core/config_loader.h"
#include "sfar/core/error.h"
#include "sfar/recipes/sfar_run_config.h"

namespace sfar::recipes {
namespace {

// `base` reading `list` under `root` with `labels` (empty: base's), format `format` (empty: base's).
NamedList named(const std::string& key, const data::DataConfig& base, const std::string& root,
                const std::string& list, const std::string& labels, const std::string& format) {
  NamedList l{key, base};
  l.data.root = root;
  l.data.list = under_root(list, root);
  if (!labels.empty()) l.data.labels = under_root(labels, root);
  if (!format.empty()) l.data.format = data::parse_video_list_format(format, key);
  return l;
}

}  // namespace

std::vector<NamedList> config_lists(const std::vector<std::string>& files, const std::vector<std::string>& overrides) {
  const ConfigNode tree = load_config(files, overrides);
  const std::string where = files.empty() ? std::string("--set") : files.back();
  const ConfigNode* section = tree.find("data");
  if (!section || !section->is_map()) throw ConfigError(where + ": data", "missing the data section");
  data::DataConfig base = read_config<data::DataConfig>(section, "data");
  base.labels = under_root(base.labels, base.root);
  const std::string& root = base.root;
  std::vector<NamedList> lists;
  const auto add = [&lists](NamedList l) {
    if (l.data.list.empty()) return;
    const bool seen = std::any_of(lists.begin(), lists.end(), [&](const NamedList& o) {
      return o.data.list == l.data.list && o.data.labels == l.data.labels && o.data.root == l.data.root;
    });
    if (!seen) lists.push_back(std::move(l));
  };
  add(named("data.list", base, root, base.list, "", ""));
  EvalConfig eval;
  if (const ConfigNode* e = tree.find("eval")) eval = read_config<EvalConfig>(e, "eval");
  add(named("eval.list", base, root, eval.list, "", ""));
  ProtocolConfig protocol;
  if (const ConfigNode* p = tree.find("protocol")) protocol = read_config<ProtocolConfig>(p, "protocol");
  const auto& few = protocol.few_shot.eval_lists;
  for (std::size_t i = 0; i < few.size(); ++i) {
    add(named("protocol.few_shot.eval_lists[" + std::to_string(i) + "]", base, root, few[i], "", ""));
  }
  const auto& b2n = protocol.base_to_novel;
  add(named("protocol.base_to_novel.base_list", base, root, b2n.base_list, b2n.base_labels, ""));
  if (!b2n.novel_list.empty() && b2n.novel_labels.empty()) {
    throw ConfigError(where + ": protocol.base_to_novel.novel_labels", "novel_list needs the novel classes' names");
  }
  add(named("protocol.base_to_novel.novel_list", base, root, b2n.novel_list, b2n.novel_labels, ""));
  const auto& targets = protocol.zero_shot.targets;
  for (std::size_t i = 0; i < targets.size(); ++i) {
    const ZeroShotTarget& t = targets[i];
    const std::string target_root = !t.root.empty() ? t.root : !protocol.zero_shot.root.empty() ? protocol.zero_shot.root : root;
    add(named("protocol.zero_shot.targets[" + std::to_string(i) + "].list", base, target_root, t.list, t.labels,
              t.format));
  }
  return lists;
}

}  // namespace sfar::recipes
