// run_protocol: the checks and options every protocol shares, then its row of protocol_table()
// (protocol_kinds.cpp) runs it.
#include "sfar/recipes/protocol_runner.h"

#include <torch/torch.h>

#include <filesystem>

#include "sfar/core/error.h"
#include "sfar/core/name_table.h"
#include "sfar/recipes/sfar_runner.h"

namespace sfar::recipes {

ProtocolKind parse_protocol_kind(const std::string& name) {
  return find_entry(protocol_table(), name, "protocol", "protocol").value;
}

const std::string& to_string(ProtocolKind kind) { return entry_of(protocol_table(), kind).name; }

void validate_protocol(ProtocolKind kind, const SfarRunConfig& config) {
  const auto& seeds = config.protocol.seeds;
  if (seeds.empty()) throw ConfigError("protocol.seeds", "needs at least one seed");
  for (std::size_t i = 0; i < seeds.size(); ++i) {
    if (seeds[i] < 0) {
      throw ConfigError("protocol.seeds[" + std::to_string(i) + "]", "must be >= 0", std::to_string(seeds[i]));
    }
  }
  entry_of(protocol_table(), kind).validate(config);
}

ProtocolReport run_protocol(ProtocolKind kind, const SfarRunConfig& config, const ProtocolOptions& options) {
  validate_protocol(kind, config);
  const ProtocolEntry& protocol = entry_of(protocol_table(), kind);
  if (!options.checkpoints.empty() && !protocol.evaluates_checkpoints) {
    throw ArgumentError("--checkpoint", "evaluation-only runs are for the zero-shot protocol", options.checkpoints[0]);
  }
  ProtocolOptions o = options;
  if (o.work_dir.empty()) o.work_dir = config.run.work_dir;
  const auto& seeds = o.seeds.empty() ? config.protocol.seeds : o.seeds;
  for (const auto seed : seeds) {
    if (seed < 0) throw ArgumentError("--seeds", "seeds must be >= 0", std::to_string(seed));
  }
  if (o.checkpoints.size() > 1 && o.checkpoints.size() != seeds.size()) {
    throw ArgumentError("--checkpoint", "give one checkpoint, or one per seed (" + std::to_string(seeds.size()) + ")",
                        std::to_string(o.checkpoints.size()) + " checkpoints");
  }
  for (const auto& c : o.checkpoints) {
    if (!std::filesystem::is_regular_file(c)) throw ArgumentError("--checkpoint", "no such checkpoint file", c);
  }
  ProtocolReport report{protocol.name, config.run.name, selection_metric(config), to_string(config.protocol.report),
                        {}, {}};
  protocol.run(config, o, seeds, report);
  write_protocol_report(o.work_dir, report);
  return report;
}

}  // namespace sfar::recipes
