// Small text helpers shared by the file-format readers (lists, class names, captions, sub-texts).
//
//   trim("  a b \r\n") == "a b";
//   split_csv(R"(3,"moving left, then up")") == std::vector<std::string>{"3", "moving left, then up"};
//   text_lines(strip_utf8_bom(read_file(path)))  // the physical lines of a text file
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace sfar {

// Without leading and trailing spaces, tabs, CRs and LFs.
std::string trim(const std::string& text);

// Splits one CSV record (RFC 4180 quoting: a field may be quoted, "" inside quotes is a quote;
// no embedded newlines). nullopt on bad quoting: an unclosed quote, or text after a closing one.
std::optional<std::vector<std::string>> split_csv(const std::string& line);

// A record of a CSV text and the 1-based line it starts on.
struct CsvRecord {
  std::size_t line = 0;
  std::vector<std::string> fields;
};
// Every record of a CSV text, with split_csv's quoting; a quoted field may also hold line
// breaks (EZ-CLIP's paragraphs do). Blank lines are skipped. nullopt on bad quoting, with the
// line of the record at fault in `bad_line`.
std::optional<std::vector<CsvRecord>> split_csv_records(const std::string& text, std::size_t* bad_line = nullptr);

// `text` without a leading UTF-8 byte-order mark (EF BB BF), which spreadsheet programs write.
std::string strip_utf8_bom(std::string text);

// The physical lines of `text`, each without its LF and a CR before it; line i (0-based) is
// line i + 1 of the file. A final newline ends the last line rather than starting an empty one.
std::vector<std::string> text_lines(const std::string& text);

}  // namespace sfar
