// sfar's exception family. Every error a user can cause carries what went wrong, where
// (a file, a config key path, a tensor name) and the offending value, so that the CLI can
// print one line that says all three. Broken internal invariants use SFAR_ASSERT instead.
//
//   throw sfar::ConfigError("configs/x.yaml: train.optimizer.lr", "expected a number", "fast");
//   -> what() == "configs/x.yaml: train.optimizer.lr: expected a number, got \"fast\""
#pragma once

#include <stdexcept>
#include <string>

namespace sfar {

class Error : public std::runtime_error {
 public:
  Error(std::string where, std::string message, std::string value = {}, bool has_value = false);
  // Convenience: an error whose offending value is known.
  static Error with_value(std::string where, std::string message, std::string value) {
    return Error(std::move(where), std::move(message), std::move(value), true);
  }

  const std::string& where() const noexcept { return where_; }
  const std::string& message() const noexcept { return message_; }
  const std::string& value() const noexcept { return value_; }
  bool has_value() const noexcept { return has_value_; }

 private:
  std::string where_;
  std::string message_;
  std::string value_;
  bool has_value_;
};

#define SFAR_DEFINE_ERROR(Name)                                                        \
  class Name : public Error {                                                          \
   public:                                                                             \
    Name(std::string where, std::string message)                                       \
        : Error(std::move(where), std::move(message)) {}                               \
    Name(std::string where, std::string message, std::string value)                    \
        : Error(std::move(where), std::move(message), std::move(value), true) {}       \
  }

// A configuration file, key or override is wrong (unknown key, wrong type, out of range).
SFAR_DEFINE_ERROR(ConfigError);
// A file could not be opened, read or written.
SFAR_DEFINE_ERROR(IoError);
// A file's contents do not follow its format (bad JSON, bad checkpoint, bad label line).
SFAR_DEFINE_ERROR(FormatError);
// A model's weights or tensors do not fit what was asked (missing, unexpected, mis-shaped).
SFAR_DEFINE_ERROR(ModelError);
// A command-line argument or API argument is invalid.
SFAR_DEFINE_ERROR(ArgumentError);
// A remote service (LLM endpoint) failed.
SFAR_DEFINE_ERROR(NetworkError);
// A system library failed where no input explains it (OpenSSL's digest, libcurl's set-up):
// `where` names the library call.
SFAR_DEFINE_ERROR(LibraryError);

#undef SFAR_DEFINE_ERROR

// Quotes a value for an error message: printable ASCII stays, the rest is escaped, long
// values are shortened so that one bad line cannot flood the terminal.
std::string quote_value(const std::string& value, std::size_t max_length = 80);

}  // namespace sfar

// Internal invariant: a failure is a bug in sfar, not a user error.
#define SFAR_ASSERT(cond, msg)                                                          \
  do {                                                                                  \
    if (!(cond)) {                                                                      \
      throw std::logic_error(std::string("internal error at ") + __FILE__ + ":" +      \
                             std::to_string(__LINE__) + ": " + (msg));                  \
    }                                                                                   \
  } while (0)
