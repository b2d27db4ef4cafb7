// What every command shares: usage errors, the bench group, the --config/--set pair, the
// refusal of a build without video, and JSON Lines in and out.
#include "command.h"

#include <fstream>
#include <iostream>

#include "sfar/core/error.h"
#include "sfar/core/name_table.h"
#include "sfar/data/data_config.h"

namespace sfar::cli {

engine::BarMode progress_bar_mode(const GlobalOptions& globals) {
  return engine::bar_mode(engine::parse_progress_style(globals.progress), engine::stderr_is_terminal());
}

std::string command_path(const CLI::App& app) {
  std::string path = "sfar";
  for (const CLI::App* at = &app;;) {
    const auto chosen = at->get_subcommands();
    if (chosen.empty()) break;
    at = chosen.front();
    path += " " + at->get_name();
  }
  return path;
}

std::string usage_error_text(const std::string& what, const CLI::App& app) {
  std::string text;
  for (const char c : what) text += c == '\n' ? ' ' : c;  // one line
  while (!text.empty() && text.back() == ' ') text.pop_back();
  return text + " (see '" + command_path(app) + " --help')";
}

CLI::App* bench_group(CLI::App& app) {
  auto existing = app.get_subcommands([](CLI::App* sub) { return sub->get_name() == "bench"; });
  if (!existing.empty()) return existing.front();
  CLI::App* bench = app.add_subcommand("bench", "Micro-benchmarks");
  bench->require_subcommand(1);
  return bench;
}

void add_config_options(CLI::App* command, std::vector<std::string>& configs, std::vector<std::string>& overrides,
                        const std::string& config_help, const std::string& set_help) {
  command->add_option("--config,-c", configs, config_help);
  command->add_option("--set", overrides, set_help);
}

void add_dataset_options(CLI::App* command, DatasetArgs& args) {
  add_config_options(command, args.configs, args.overrides, "Config file(s) with a data: section",
                     "Override, e.g. data.root=/data/hmdb51");
  command->add_option("--list", args.list, "Annotation list (overrides data.list)");
  command->add_option("--root", args.root, "Dataset root (overrides data.root)");
  command->add_option("--format", args.format, "List format: " + entry_help(data::video_list_formats()))
      ->capture_default_str();
  command->add_option("--labels", args.labels, "Class-name file (overrides data.labels)");
}

data::DataConfig resolve_dataset(const DatasetArgs& args) {
  data::DataConfig config;
  if (!args.configs.empty()) {
    config = data::load_data_config(args.configs, args.overrides);
  } else {
    config.format = data::parse_video_list_format(args.format, "--format");  // an unknown name names --format
  }
  if (!args.list.empty()) config.list = args.list;
  if (!args.root.empty()) config.root = args.root;
  if (!args.labels.empty()) config.labels = args.labels;
  if (config.list.empty()) throw ArgumentError("--list", "no annotation list given (--list or data.list in --config)");
  return config;
}

void refuse_without_video(const std::string& command) {
  throw ArgumentError(command, "this sfar was built without video support (SFAR_WITH_VIDEO=OFF)");
}

void print_json_line(const nlohmann::json& object) {
  std::cout << object.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  std::cout.flush();
}

std::vector<JsonRecord> read_json_lines(const std::string& path) {
  std::ifstream file;
  if (path != "-") {
    file.open(path, std::ios::binary);
    if (!file) throw IoError(path, "cannot open file");
  }
  std::istream& in = path == "-" ? std::cin : file;
  std::vector<JsonRecord> records;
  std::string line;
  for (std::int64_t number = 1; std::getline(in, line); ++number) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    try {
      records.push_back({nlohmann::json::parse(line), number});
    } catch (const nlohmann::json::parse_error& e) {
      throw FormatError(path + ":" + std::to_string(number), std::string("invalid JSON: ") + e.what());
    }
  }
  return records;
}

}  // namespace sfar::cli
