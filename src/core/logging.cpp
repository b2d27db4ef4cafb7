#include "sfar/core/logging.h"

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>

#include <memory>
#include <mutex>

#include "sfar/core/error.h"

namespace sfar {
namespace {

std::mutex& logger_mutex() {
  static std::mutex m;
  return m;
}

std::shared_ptr<spdlog::logger>& logger_slot() {
  static std::shared_ptr<spdlog::logger> slot;
  return slot;
}

std::shared_ptr<spdlog::logger> make_logger(const LogOptions& options) {
  std::vector<spdlog::sink_ptr> sinks;
  sinks.push_back(std::make_shared<spdlog::sinks::stderr_color_sink_mt>());
  if (!options.file.empty()) {
    try {
      sinks.push_back(std::make_shared<spdlog::sinks::basic_file_sink_mt>(options.file, false));
    } catch (const spdlog::spdlog_ex& e) {
      throw IoError(options.file, std::string("cannot open log file: ") + e.what());
    }
  }
  auto log = std::make_shared<spdlog::logger>("sfar", sinks.begin(), sinks.end());
  const std::string prefix = options.rank > 0 ? "[rank " + std::to_string(options.rank) + "] " : "";
  log->set_pattern("[%Y-%m-%d %H:%M:%S.%e] [%^%l%$] " + prefix + "%v");

  const auto level = spdlog::level::from_str(options.level);
  if (level == spdlog::level::off && options.level != "off") {
    throw ArgumentError("log level", "expected trace, debug, info, warn, error or off",
                        options.level);
  }
  // Non-zero ranks stay quiet unless something is wrong: N copies of every line help nobody.
  log->set_level(options.rank > 0 ? std::max(level, spdlog::level::warn) : level);
  log->flush_on(spdlog::level::info);
  return log;
}

}  // namespace

void init_logging(const LogOptions& options) {
  auto log = make_logger(options);
  std::lock_guard<std::mutex> lock(logger_mutex());
  logger_slot() = std::move(log);
}

spdlog::logger& logger() {
  std::lock_guard<std::mutex> lock(logger_mutex());
  auto& slot = logger_slot();
  if (!slot) slot = make_logger(LogOptions{});
  return *slot;
}

}  // namespace sfar
