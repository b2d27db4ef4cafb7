#include "sfar/core/error.h"

#include <cstdio>

namespace sfar {
namespace {

std::string compose(const std::string& where, const std::string& message, const std::string& value,
                    bool has_value) {
  std::string text = where.empty() ? message : where + ": " + message;
  if (has_value) text += ", got " + quote_value(value);
  return text;
}

}  // namespace

Error::Error(std::string where, std::string message, std::string value, bool has_value)
    : std::runtime_error(compose(where, message, value, has_value)),
      where_(std::move(where)),
      message_(std::move(message)),
      value_(std::move(value)),
      has_value_(has_value) {}

std::string quote_value(const std::string& value, std::size_t max_length) {
  std::string out = "\"";
  std::size_t shown = 0;
  for (unsigned char c : value) {
    if (shown >= max_length) {
      out += "...";
      break;
    }
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c < 0x20 || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\x%02x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);  // UTF-8 continuation bytes pass through untouched
    }
    ++shown;
  }
  out += '"';
  return out;
}

}  // namespace sfar
