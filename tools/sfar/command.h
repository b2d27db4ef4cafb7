// How subcommands plug into the `sfar` executable. Each command file declares one
// `add_<name>_command(CLI::App&, CommandContext&)` that defines its options and registers
// what to run; commands.h lists those functions in one table (kCommands), which main.cpp
// walks; command.cpp holds what they share. Parsing never runs anything:
// the chosen action runs after the whole command line is parsed and global options applied.
#pragma once

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <functional>
#include <memory>
#include <string>

#include "sfar/core/config_archive.h"
#include "sfar/engine/progress.h"

namespace sfar::data {
struct DataConfig;  // data/data_config.h, which brings LibTorch: included where resolve_dataset is called
}  // namespace sfar::data

namespace sfar::cli {

struct GlobalOptions {
  std::string log_level = "warn";
  std::string progress = "auto";  // engine::ProgressStyle: auto | bar | log | none
  std::int64_t threads = 0;
};

class CommandContext {
 public:
  using Action = std::function<int()>;

  // Registers `action` to run when `command` is the subcommand chosen.
  void on_run(CLI::App* command, Action action) {
    command->callback([this, action] { action_ = action; });
  }
  const Action& action() const { return action_; }
  GlobalOptions& globals() { return globals_; }

 private:
  Action action_;
  GlobalOptions globals_;
};

using AddCommand = void (*)(CLI::App&, CommandContext&);

// How the bar of a long command (train, pretrain, protocol) is drawn on stderr for --progress.
engine::BarMode progress_bar_mode(const GlobalOptions& globals);

// "sfar train", "sfar data check": the subcommands the command line chose, for usage errors.
std::string command_path(const CLI::App& app);
// A CLI11 parse error's message as one line, pointing at the chosen command's --help.
std::string usage_error_text(const std::string& what, const CLI::App& app);

// The `bench` command group, made by the first command file that asks for it: each `bench X`
// lives in its own file and adds itself here.
CLI::App* bench_group(CLI::App& app);

// The help of --activation, for every command that loads CLIP weights.
inline constexpr const char* kActivationHelp =
    "MLP activation: auto (from the file: TorchScript, HF config.json), quick_gelu (OpenAI) or gelu "
    "(open_clip without -quickgelu); a torch.save state_dict needs it stated";

// --config/-c (files merged in order) and --set (overrides of their keys).
void add_config_options(CLI::App* command, std::vector<std::string>& configs, std::vector<std::string>& overrides,
                        const std::string& config_help,
                        const std::string& set_help = "Override a key: a.b.c=value (repeatable)");

// --list, --root, --format and --labels over the data section of --config (with --set).
struct DatasetArgs {
  std::vector<std::string> configs, overrides;
  std::string list, root, format = "path_label", labels;
};
void add_dataset_options(CLI::App* command, DatasetArgs& args);
// The data section of --config (or defaults with --format), --list, --root and --labels
// replacing its keys; ArgumentError naming --list when no list is given.
data::DataConfig resolve_dataset(const DatasetArgs& args);

// What a command that decodes videos does in a build without them: an ArgumentError naming it.
[[noreturn]] void refuse_without_video(const std::string& command);

// An option taking one of a config enumeration's names (`names`: its keyed table, as the config
// reads it): CLI11 parses the name into `value` while reading the command line, rejects any other
// with the known names, and shows the default by name.
template <class E, class Entry>
CLI::Option* add_enum_option(CLI::App* command, const std::string& flag, E& value, const std::vector<Entry>& names,
                             const std::string& help) {
  const std::string listed = cfg::choice_list(cfg::one_of(names), ",");  // CLI11's own spelling of a set
  const CLI::Validator by_name(
      [names, listed](std::string& text) {
        for (const auto& entry : names) {
          if (text != entry.name) continue;
          // The enumerator's value, which CLI11 then stores in `value`.
          text = std::to_string(static_cast<std::underlying_type_t<E>>(entry.value));
          return std::string();
        }
        return "unknown value '" + text + "'; known: " + listed;
      },
      "{" + listed + "}");
  return command->add_option(flag, value, help)
      ->transform(by_name)
      ->type_name("NAME")
      ->default_str(std::string(cfg::enum_name(value, names)));
}

// Prints one JSON object as a line on stdout (JSON Lines), flushed so pipes see it at once.
void print_json_line(const nlohmann::json& object);

// One JSON value of a JSON Lines file and the line it was on (1-based; blank lines are skipped).
struct JsonRecord {
  nlohmann::json value;
  std::int64_t line = 0;
};

// Reads a JSON Lines file ("-" for stdin); throws FormatError naming the file and line.
std::vector<JsonRecord> read_json_lines(const std::string& path);

}  // namespace sfar::cli
