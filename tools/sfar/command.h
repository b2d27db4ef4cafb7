// How subcommands plug into the `sfar` executable. Each command file declares one
// `add_<name>_command(CLI::App&, CommandContext&)` that defines its options and registers
// what to run; commands.h lists those functions in one table (kCommands), which main.cpp
// walks. Parsing never runs anything:
// the chosen action runs after the whole command line is parsed and global options applied.
#pragma once

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <functional>
#include <memory>
#include <string>

#include "sfar/core/config_archive.h"
#include "sfar/engine/progress.h"

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

// Reads a JSON Lines file ("-" for stdin); throws FormatError naming the file and line.
std::vector<nlohmann::json> read_json_lines(const std::string& path);

}  // namespace sfar::cli
