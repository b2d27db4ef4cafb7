// The `sfar` executable: a thin shell that parses the command line, applies the global
// options, runs the chosen command and turns any error into one line on stderr.
#include <c10/util/Exception.h>
#include <malloc.h>

#include <cstdlib>
#include <iostream>

#include "command.h"
#include "commands.h"
#include "sfar/core/build_info.h"
#include "sfar/core/error.h"
#include "sfar/core/logging.h"
#include "sfar/core/runtime.h"
#include "sfar/engine/progress.h"

namespace {

int run(int argc, char** argv) {
  CLI::App app{"sfar: storyboard-guided fine-grained video action recognition on LibTorch"};
  app.require_subcommand(1);
  // As `sfar env` and environment.json name the build: version+commit.
  app.set_version_flag("--version", std::string("sfar ") + SFAR_VERSION + "+" + sfar::build_info::git_commit());

  sfar::cli::CommandContext context;
  app.add_option("--log-level", context.globals().log_level,
                 "trace, debug, info, warn, error or off: what the console (stderr) shows; a run's log.txt "
                 "gets every line of run.log_level")
      ->capture_default_str();
  app.add_option("--progress", context.globals().progress,
                 "auto: a progress bar per stage (redrawn on a terminal, a line per 10 % otherwise), per-step "
                 "lines only in log.txt; bar: always redrawn; log: the per-step lines on the console, no bar; "
                 "none: neither (default from $SFAR_PROGRESS)")
      ->envname("SFAR_PROGRESS")
      ->check(CLI::IsMember({"auto", "bar", "log", "none"}))
      ->capture_default_str();
  app.add_option("--threads", context.globals().threads,
                 "LibTorch intra-op threads; 0 = one per core")
      ->capture_default_str();

  for (const auto& command : sfar::cli::kCommands) command.add(app, context);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help, --version
    // Every usage error is one line and exit 1, as every other error (README, "Command line").
    throw sfar::ArgumentError(sfar::cli::command_path(app), sfar::cli::usage_error_text(e.what(), app));
  }
  // With a bar, the console keeps to --log-level even inside a run, whose log.txt gets the
  // per-step lines; with --progress log a run's lines reach the console as well.
  const auto style = sfar::engine::parse_progress_style(context.globals().progress);
  sfar::set_console_level(sfar::engine::console_shows_step_logs(style) ? "" : context.globals().log_level);
  sfar::init_logging({context.globals().log_level, "", 0});
  sfar::set_compute_threads(context.globals().threads);
  return context.action() ? context.action()() : 0;
}

}  // namespace

// glibc serves every allocation above 128 KiB with a fresh mmap and unmaps it on free, so each
// decoded frame, clip tensor and activation page-faults its memory in again, zeroed by the
// kernel: 8 % of the loader's time in `sfar bench clips`. Keeping blocks of up to 64 MiB in the
// heap, and up to 256 MiB of freed memory before trimming, reuses them instead. GLIBC_TUNABLES,
// when set, decides instead.
void keep_large_blocks_in_the_heap() {
  if (std::getenv("GLIBC_TUNABLES") != nullptr) return;
  mallopt(M_MMAP_THRESHOLD, 64 << 20);
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
}

int main(int argc, char** argv) {
  keep_large_blocks_in_the_heap();
  try {
    return run(argc, argv);
  } catch (const sfar::Error& e) {
    std::cerr << "sfar: error: " << e.what() << "\n";
  } catch (const c10::Error& e) {
    std::cerr << "sfar: error: " << e.what_without_backtrace() << "\n";
  } catch (const std::exception& e) {
    std::cerr << "sfar: error: " << e.what() << "\n";
  }
  return 1;
}
