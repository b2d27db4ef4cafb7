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

struct ConsoleState {
  std::mutex mutex;
  spdlog::level::level_enum floor = spdlog::level::trace;  // trace: no floor
  std::function<void()> hook;
};

ConsoleState& console_state() {
  static ConsoleState state;
  return state;
}

spdlog::level::level_enum parse_level(const std::string& name) {
  const auto level = spdlog::level::from_str(name);
  if (level == spdlog::level::off && name != "off") {
    throw ArgumentError("log level", "expected trace, debug, info, warn, error or off", name);
  }
  return level;
}

// stderr, with the console's hook run before each line.
class ConsoleSink : public spdlog::sinks::sink {
 public:
  void log(const spdlog::details::log_msg& msg) override {
    std::function<void()> hook;
    {
      std::lock_guard<std::mutex> lock(console_state().mutex);
      hook = console_state().hook;
    }
    if (hook) hook();
    inner_->log(msg);
  }
  void flush() override { inner_->flush(); }
  void set_pattern(const std::string& pattern) override { inner_->set_pattern(pattern); }
  void set_formatter(std::unique_ptr<spdlog::formatter> formatter) override {
    inner_->set_formatter(std::move(formatter));
  }

 private:
  std::shared_ptr<spdlog::sinks::sink> inner_ = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
};

spdlog::level::level_enum console_floor() {
  std::lock_guard<std::mutex> lock(console_state().mutex);
  return console_state().floor;
}

std::shared_ptr<spdlog::logger> make_logger(const LogOptions& options) {
  const auto level = parse_level(options.level);
  std::vector<spdlog::sink_ptr> sinks;
  sinks.push_back(std::make_shared<ConsoleSink>());
  sinks.back()->set_level(std::max(level, console_floor()));
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

void set_console_level(const std::string& level) {
  const auto floor = level.empty() ? spdlog::level::trace : parse_level(level);
  {
    std::lock_guard<std::mutex> lock(console_state().mutex);
    console_state().floor = floor;
  }
  std::lock_guard<std::mutex> lock(logger_mutex());
  if (logger_slot()) {
    const auto& sinks = logger_slot()->sinks();
    if (!sinks.empty()) sinks.front()->set_level(std::max(logger_slot()->level(), floor));
  }
}

void set_console_hook(std::function<void()> hook) {
  std::lock_guard<std::mutex> lock(console_state().mutex);
  console_state().hook = std::move(hook);
}

spdlog::logger& logger() {
  std::lock_guard<std::mutex> lock(logger_mutex());
  auto& slot = logger_slot();
  if (!slot) slot = make_logger(LogOptions{});
  return *slot;
}

}  // namespace sfar
