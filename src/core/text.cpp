#include "sfar/core/text.h"

namespace sfar {

std::string trim(const std::string& text) {
  const auto begin = text.find_first_not_of(" \t\r\n");
  if (begin == std::string::npos) return {};
  const auto end = text.find_last_not_of(" \t\r\n");
  return text.substr(begin, end - begin + 1);
}

std::string strip_utf8_bom(std::string text) {
  if (text.rfind("\xEF\xBB\xBF", 0) == 0) text.erase(0, 3);
  return text;
}

std::vector<std::string> text_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(std::move(line));
    start = end + 1;
  }
  return lines;
}

namespace {

// Reads one record of `text` from `i` up to an unquoted line break (consumed) or the end,
// counting the line breaks it passes in `line`. False on bad quoting.
bool read_csv_record(const std::string& text, std::size_t& i, std::size_t& line, std::vector<std::string>& fields) {
  fields.assign(1, "");
  bool quoted = false;
  bool was_quoted = false;
  for (; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\n') ++line;
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        fields.back() += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        fields.back() += c;
      }
    } else if (c == '\n') {
      ++i;
      return true;
    } else if (c == '"' && trim(fields.back()).empty() && !was_quoted) {
      quoted = was_quoted = true;
      fields.back().clear();
    } else if (c == ',') {
      fields.emplace_back();
      was_quoted = false;
    } else if (c == '\r') {
      continue;  // CRLF line ends
    } else if (!was_quoted) {
      fields.back() += c;
    } else if (c != ' ' && c != '\t') {
      return false;  // text after a closing quote
    }
  }
  return !quoted;
}

}  // namespace

std::optional<std::vector<std::string>> split_csv(const std::string& line) {
  std::vector<std::string> fields;
  std::size_t i = 0, lines = 1;
  if (!read_csv_record(line, i, lines, fields) || i < line.size()) return std::nullopt;
  return fields;
}

std::optional<std::vector<CsvRecord>> split_csv_records(const std::string& text, std::size_t* bad_line) {
  std::vector<CsvRecord> records;
  std::size_t i = 0, line = 1;
  while (i < text.size()) {
    CsvRecord record{line, {}};
    if (!read_csv_record(text, i, line, record.fields)) {
      if (bad_line) *bad_line = record.line;
      return std::nullopt;
    }
    if (record.fields.size() > 1 || !trim(record.fields[0]).empty()) records.push_back(std::move(record));
  }
  return records;
}

}  // namespace sfar
