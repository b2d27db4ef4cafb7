// Running a program from a test as a user would, capturing what it prints and its exit code.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "support/test_data.h"

namespace sfar::test {

struct CommandResult {
  int status = -1;  // exit code; -1 when the program did not exit normally
  std::string out, err;
};

// Runs `binary args` through the shell; stderr goes through a file in `dir`.
CommandResult run_binary(const std::string& binary, const std::string& args, const TempDir& dir);

// The lines of `text` that start with '{', parsed as JSON (sfar's machine-readable output).
std::vector<nlohmann::json> json_lines(const std::string& text);

// The last of json_lines(text): the summary line a command prints last; null when none.
nlohmann::json last_json_line(const std::string& text);

// A TCP port on 127.0.0.1 that was free a moment ago (for a Gloo rendezvous between children).
int free_local_port();

// The whole file, or "" when it cannot be read (a child's output that may not exist).
std::string read_file_or_empty(const std::string& path);

}  // namespace sfar::test
