#include "sfar/core/config_kind.h"

#include <algorithm>

#include "sfar/core/error.h"

namespace sfar {

std::size_t closest_config_kind(const ConfigNode& tree, const std::vector<std::vector<std::string>>& kinds) {
  if (kinds.empty()) throw ArgumentError("closest_config_kind", "no kinds of config to choose from");
  std::size_t best = 0, best_shared = 0;
  bool best_covers = false;
  for (std::size_t k = 0; k < kinds.size(); ++k) {
    const auto& sections = kinds[k];
    std::size_t shared = 0;
    bool covers = true;
    if (tree.is_map()) {
      for (const auto& [key, value] : tree.fields()) {
        const bool known = std::find(sections.begin(), sections.end(), key) != sections.end();
        shared += known;
        covers = covers && known;
      }
    }
    const bool better = k == 0 || (covers && !best_covers) ||
                        (covers && best_covers && sections.size() < kinds[best].size()) ||
                        (!covers && !best_covers && shared > best_shared);
    if (better) {
      best = k;
      best_shared = shared;
      best_covers = covers;
    }
  }
  return best;
}

}  // namespace sfar
