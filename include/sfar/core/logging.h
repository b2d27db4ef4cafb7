// Logging through spdlog: one console sink (stderr, so that JSON on stdout stays clean) and,
// per run, a file sink in the run directory. In distributed runs only rank 0 logs below
// warning level; other ranks prefix their lines with the rank. While a progress bar stands in
// for the per-step lines, set_console_level("warn") keeps the console to warnings and errors
// and the run's log.txt still gets every line of its level.
//
//   sfar::init_logging({.level = "debug", .file = work_dir + "/log.txt"});
//   SFAR_LOG_INFO("epoch {} done in {:.1f}s", epoch, seconds);
#pragma once

#include <spdlog/spdlog.h>

#include <functional>
#include <string>

namespace sfar {

struct LogOptions {
  std::string level = "info";  // trace, debug, info, warn, error, off
  std::string file;            // empty: console only
  int rank = 0;
};

// Replaces the sinks of sfar's logger. Safe to call more than once (a run adds its file sink).
void init_logging(const LogOptions& options);
// The lowest level the console shows from now on, whatever the logger's level ("" = no floor:
// the console shows what the file shows). Applies to the current logger and later ones.
void set_console_level(const std::string& level);
// Called before every line the console prints (e.g. to erase a progress bar drawn in place);
// an empty function removes it.
void set_console_hook(std::function<void()> hook);
spdlog::logger& logger();

}  // namespace sfar

#define SFAR_LOG_DEBUG(...) ::sfar::logger().debug(__VA_ARGS__)
#define SFAR_LOG_INFO(...) ::sfar::logger().info(__VA_ARGS__)
#define SFAR_LOG_WARN(...) ::sfar::logger().warn(__VA_ARGS__)
#define SFAR_LOG_ERROR(...) ::sfar::logger().error(__VA_ARGS__)
