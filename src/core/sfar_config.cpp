#include "sfar/core/sfar_config.h"

#include "sfar/core/atomic_file.h"
#include "sfar/core/config_loader.h"

namespace sfar {

SfarConfig load_sfar_config(const std::vector<std::string>& files,
                            const std::vector<std::string>& overrides) {
  const ConfigNode tree = load_config(files, overrides);
  return read_config<SfarConfig>(&tree);
}

std::string sfar_config_to_yaml(const SfarConfig& config) {
  return config_to_yaml(write_config(config));
}

std::string save_resolved_config(const SfarConfig& config) {
  const std::string path = config.run.work_dir + "/config.yaml";
  write_file_atomic(path, sfar_config_to_yaml(config));
  return path;
}

}  // namespace sfar
