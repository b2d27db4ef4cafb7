#include "sfar/data/data_config.h"

#include "sfar/core/config_loader.h"
#include "sfar/core/error.h"
#include "sfar/io/class_names.h"

namespace sfar::data {

DataConfig load_data_config(const std::vector<std::string>& files, const std::vector<std::string>& overrides) {
  const ConfigNode tree = load_config(files, overrides);
  const ConfigNode* section = tree.find("data");
  const std::string where = files.empty() ? std::string("--set") : files.back();
  if (!section || !section->is_map()) throw ConfigError(where + ": data", "missing the data section");
  return read_config<DataConfig>(section, "data");
}

std::vector<std::string> load_class_names(const DataConfig& config) {
  if (config.labels.empty()) return {};
  return io::read_class_names(config.labels).names();
}

std::vector<VideoRecord> load_records(const DataConfig& config, const std::vector<std::string>& class_names) {
  if (config.list.empty()) throw ConfigError("data.list", "no annotation list given");
  VideoListOptions options;
  options.class_names = class_names;
  options.multi_label = config.multi_label;
  auto records = read_video_list(config.list, config.format, options);
  if (!class_names.empty()) check_class_names_match_videos(records, class_names, config.labels);
  return records;
}

std::shared_ptr<const FrameSampler> make_sampler(const DataConfig& config) {
  return make_frame_sampler(config.sampler, config.num_frames, config.stride, config.clips);
}

DatasetCheckReport check_data_config(const DataConfig& config, bool decode,
                                     const std::function<void(std::int64_t, std::int64_t)>& progress) {
  DatasetCheckOptions options;
  options.class_names = load_class_names(config);
  const auto records = load_records(config, options.class_names);
  options.root = config.root;
  options.list = config.list;
  options.frame_pattern = config.frame_pattern;
  options.decode = decode;
  options.max_frame_pixels = config.max_frame_pixels;
  if (progress) progress(0, static_cast<std::int64_t>(records.size()));
  return check_dataset(records, options, progress);
}

}  // namespace sfar::data
