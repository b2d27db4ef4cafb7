// Logging through spdlog: one console sink (stderr, so that JSON on stdout stays clean) and,
// per run, a file sink in the run directory. In distributed runs only rank 0 logs below
// warning level; other ranks prefix their lines with the rank.
//
//   sfar::init_logging({.level = "debug", .file = work_dir + "/log.txt"});
//   SFAR_LOG_INFO("epoch {} done in {:.1f}s", epoch, seconds);
#pragma once

#include <spdlog/spdlog.h>

#include <string>

namespace sfar {

struct LogOptions {
  std::string level = "info";  // trace, debug, info, warn, error, off
  std::string file;            // empty: console only
  int rank = 0;
};

// Replaces the sinks of sfar's logger. Safe to call more than once (a run adds its file sink).
void init_logging(const LogOptions& options);
spdlog::logger& logger();

}  // namespace sfar

#define SFAR_LOG_DEBUG(...) ::sfar::logger().debug(__VA_ARGS__)
#define SFAR_LOG_INFO(...) ::sfar::logger().info(__VA_ARGS__)
#define SFAR_LOG_WARN(...) ::sfar::logger().warn(__VA_ARGS__)
#define SFAR_LOG_ERROR(...) ::sfar::logger().error(__VA_ARGS__)
