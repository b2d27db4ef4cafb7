// Small text helpers shared by the file-format readers (lists, class names, captions, sub-texts).
//
//   trim("  a b \r\n") == "a b";
//   split_csv(R"(3,"moving left, then up")") == std::vector<std::string>{"3", "moving left, then up"};
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace sfar {

// Without leading and trailing spaces, tabs, CRs and LFs.
std::string trim(const std::string& text);

// Splits one CSV record (RFC 4180 quoting: a field may be quoted, "" inside quotes is a quote;
// no embedded newlines). nullopt on bad quoting: an unclosed quote, or text after a closing one.
std::optional<std::vector<std::string>> split_csv(const std::string& line);

}  // namespace sfar
