// Running a program from a test as a user would, capturing what it prints and its exit code.
#pragma once

#include <string>

#include "support/test_data.h"

namespace sfar::test {

struct CommandResult {
  int status = -1;  // exit code; -1 when the program did not exit normally
  std::string out, err;
};

// Runs `binary args` through the shell; stderr goes through a file in `dir`.
CommandResult run_binary(const std::string& binary, const std::string& args, const TempDir& dir);

}  // namespace sfar::test
