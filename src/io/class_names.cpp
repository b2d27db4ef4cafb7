#include "sfar/io/class_names.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <map>
#include <unordered_map>

#include "sfar/core/atomic_file.h"
#include "sfar/core/error.h"
#include "sfar/core/name_table.h"
#include "sfar/core/text.h"

namespace sfar::io {
namespace {

struct Line {
  std::size_t number;  // 1-based
  std::string text;    // without CR/LF
};

// Non-blank lines with their numbers; CRLF and a missing final newline are fine.
std::vector<Line> split_lines(const std::string& text) {
  std::vector<Line> lines;
  const auto all = text_lines(text);
  for (std::size_t i = 0; i < all.size(); ++i) {
    if (!trim(all[i]).empty()) lines.push_back({i + 1, all[i]});
  }
  return lines;
}

std::string where(const std::string& source, std::size_t line) {
  return source + ":" + std::to_string(line);
}

std::optional<std::int64_t> parse_id(const std::string& text) {
  const std::string t = trim(text);
  if (t.empty() || t.size() > 9) return std::nullopt;
  if (!std::all_of(t.begin(), t.end(), [](unsigned char c) { return std::isdigit(c); })) {
    return std::nullopt;
  }
  return std::stoll(t);
}

// Collects (id, name, line) entries and checks ids are exactly first..first+N-1.
class IdTable {
 public:
  IdTable(std::string source, std::int64_t first) : source_(std::move(source)), first_(first) {}

  void add(std::int64_t id, std::string name, std::size_t line) {
    if (name.empty()) throw FormatError(where(source_, line), "empty class name for id " + std::to_string(id));
    if (id < first_) {
      throw FormatError(where(source_, line), "class id below " + std::to_string(first_), std::to_string(id));
    }
    const auto [it, inserted] = entries_.emplace(id, Entry{std::move(name), line});
    if (!inserted) {
      throw FormatError(where(source_, line),
                        "duplicate class id (first on line " + std::to_string(it->second.line) + ")",
                        std::to_string(id));
    }
  }

  std::vector<std::string> names() const {
    std::vector<std::string> names;
    std::int64_t expected = first_;
    for (const auto& [id, entry] : entries_) {
      if (id != expected) {
        throw FormatError(where(source_, entry.line),
                          "class ids have a gap: id " + std::to_string(expected) + " is missing",
                          std::to_string(id));
      }
      names.push_back(entry.name);
      ++expected;
    }
    return names;
  }

 private:
  struct Entry {
    std::string name;
    std::size_t line;
  };
  std::string source_;
  std::int64_t first_;
  std::map<std::int64_t, Entry> entries_;
};

std::vector<std::string> parse_csv(const std::string& text, const std::string& source) {
  IdTable table(source, 0);
  bool first = true;
  for (const Line& line : split_lines(text)) {
    const auto fields = split_csv(line.text);
    if (!fields) throw FormatError(where(source, line.number), "bad CSV quoting", line.text);
    if (first && fields->size() == 2 && !parse_id((*fields)[0])) {
      first = false;  // a header such as "id,name"
      continue;
    }
    first = false;
    if (fields->size() != 2) {
      throw FormatError(where(source, line.number), "expected `id,name`", line.text);
    }
    const auto id = parse_id((*fields)[0]);
    if (!id) throw FormatError(where(source, line.number), "class id is not a non-negative integer", (*fields)[0]);
    table.add(*id, trim((*fields)[1]), line.number);
  }
  return table.names();
}

std::vector<std::string> parse_class_ind(const std::string& text, const std::string& source) {
  IdTable table(source, 1);
  for (const Line& line : split_lines(text)) {
    const std::string t = trim(line.text);
    const auto space = t.find_first_of(" \t");
    const auto id = space == std::string::npos ? std::nullopt : parse_id(t.substr(0, space));
    if (!id) throw FormatError(where(source, line.number), "expected `<id> <name>`", line.text);
    table.add(*id, trim(t.substr(space)), line.number);
  }
  return table.names();
}

std::vector<std::string> parse_lines(const std::string& text) {
  std::vector<std::string> names;
  for (const Line& line : split_lines(text)) names.push_back(trim(line.text));
  return names;
}

std::size_t line_at(const std::string& text, std::size_t offset) {
  offset = std::min(offset, text.size());
  return 1 + static_cast<std::size_t>(std::count(text.begin(), text.begin() + offset, '\n'));
}

std::size_t line_of_key(const std::string& text, const std::string& key) {
  const auto at = text.find(nlohmann::json(key).dump());
  return at == std::string::npos ? 0 : line_at(text, at);
}

nlohmann::json parse_json(const std::string& text, const std::string& source) {
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    throw FormatError(where(source, line_at(text, e.byte > 0 ? e.byte - 1 : 0)),
                      std::string("invalid JSON: ") + e.what());
  }
  catch (const nlohmann::json::exception& e) {  // out_of_range: a number too large for a double
    throw FormatError(source, std::string("invalid JSON: ") + e.what());
  }
}

std::vector<std::string> parse_ssv2_json(const std::string& text, const std::string& source) {
  const nlohmann::json json = parse_json(text, source);
  if (!json.is_object()) throw FormatError(source, "expected a JSON object {\"name\": \"id\"}");
  IdTable table(source, 0);
  for (const auto& [name, value] : json.items()) {
    const std::size_t line = line_of_key(text, name);
    std::optional<std::int64_t> id;
    if (value.is_string()) id = parse_id(value.get<std::string>());
    if (value.is_number_unsigned()) id = value.get<std::int64_t>();
    if (!id) throw FormatError(where(source, line), "class id is not a non-negative integer", value.dump());
    table.add(*id, trim(name), line);
  }
  return table.names();
}

std::vector<std::string> parse_json_list(const std::string& text, const std::string& source) {
  const nlohmann::json json = parse_json(text, source);
  if (!json.is_array()) throw FormatError(source, "expected a JSON list of class names");
  std::vector<std::string> names;
  for (std::size_t i = 0; i < json.size(); ++i) {
    const auto& item = json[i];
    std::string name;
    if (item.is_string()) {
      name = item.get<std::string>();
    } else if (item.is_array() && !item.empty()) {
      for (const auto& part : item) {
        if (!part.is_string()) {
          name.clear();  // reported below
          break;
        }
        name += (name.empty() ? "" : "+") + part.get<std::string>();
      }
    }
    if (trim(name).empty()) {
      throw FormatError(source + ": entry " + std::to_string(i), "expected a name or a list of name parts",
                        item.dump());
    }
    names.push_back(trim(name));
  }
  return names;
}

bool is_csv_row(const std::string& line) {
  const auto comma = line.find(',');
  return comma != std::string::npos && parse_id(line.substr(0, comma)).has_value();
}

bool is_class_ind_row(const std::string& line) {
  const std::string t = trim(line);
  const auto space = t.find_first_of(" \t");
  return space != std::string::npos && parse_id(t.substr(0, space)).has_value();
}

bool all_lines(const std::vector<Line>& lines, bool (*test)(const std::string&)) {
  return !lines.empty() &&
         std::all_of(lines.begin(), lines.end(), [&](const Line& l) { return test(l.text); });
}

// JSON by its first character; text: a CSV with an `id,...` header or `<int>,` rows, a
// classInd with `<int> ` rows, otherwise one name per line.
ClassNameFormat detect_format(const std::string& text) {
  const std::string head = trim(text.substr(0, 64));
  if (!head.empty() && head[0] == '{') return ClassNameFormat::ssv2_json;
  if (!head.empty() && head[0] == '[') return ClassNameFormat::json_list;
  std::vector<Line> lines = split_lines(text);
  if (lines.empty()) return ClassNameFormat::lines;
  std::string first = trim(lines.front().text);
  std::transform(first.begin(), first.end(), first.begin(), [](unsigned char c) { return std::tolower(c); });
  const bool has_header = first.rfind("id,", 0) == 0;
  if (has_header) lines.erase(lines.begin());
  if (has_header || all_lines(lines, is_csv_row)) return ClassNameFormat::csv;
  if (all_lines(lines, is_class_ind_row)) return ClassNameFormat::class_ind;
  return ClassNameFormat::lines;
}

std::vector<std::string> check_unique(std::vector<std::string> names, const std::string& source) {
  std::unordered_map<std::string, std::size_t> seen;
  for (std::size_t i = 0; i < names.size(); ++i) {
    const auto [it, inserted] = seen.emplace(names[i], i);
    if (!inserted) {
      throw FormatError(source + ": class " + std::to_string(i),
                        "duplicate class name (also class " + std::to_string(it->second) + ")", names[i]);
    }
  }
  if (names.empty()) throw FormatError(source, "no class names found");
  return names;
}

}  // namespace

const std::vector<ClassNameFormatEntry>& class_name_formats() {
  static const std::vector<ClassNameFormatEntry> kFormats = {
      {"auto", ClassNameFormat::automatic, "detected from the content", nullptr},
      {"csv", ClassNameFormat::csv, "id,name rows, header optional", parse_csv},
      {"lines", ClassNameFormat::lines, "one name per line, line k is class k",
       [](const std::string& text, const std::string&) { return parse_lines(text); }},
      {"ssv2_json", ClassNameFormat::ssv2_json, "SSv2 labels JSON {\"name\": \"id\"}", parse_ssv2_json},
      {"class_ind", ClassNameFormat::class_ind, "UCF's classInd.txt, \"1 Name\" rows, 1-based", parse_class_ind},
      {"json_list", ClassNameFormat::json_list, "JSON list of names or of name parts", parse_json_list},
  };
  return kFormats;
}

ClassNameFormat class_name_format_from_string(const std::string& text, const std::string& where) {
  return find_entry(class_name_formats(), text, "class-name format", where).value;
}

const char* to_string(ClassNameFormat format) { return entry_of(class_name_formats(), format).name; }

ClassNames::ClassNames(std::vector<std::string> names, std::string source, ClassNameFormat format)
    : names_(std::move(names)), source_(std::move(source)), format_(format) {}

const std::string& ClassNames::name(std::int64_t id) const {
  if (id < 0 || id >= static_cast<std::int64_t>(names_.size())) {
    throw ArgumentError(source_, "class id out of range [0, " + std::to_string(names_.size()) + ")",
                        std::to_string(id));
  }
  return names_[static_cast<std::size_t>(id)];
}

std::optional<std::int64_t> ClassNames::find(const std::string& name) const {
  const auto it = std::find(names_.begin(), names_.end(), name);
  if (it == names_.end()) return std::nullopt;
  return static_cast<std::int64_t>(it - names_.begin());
}

ClassNames parse_class_names(const std::string& raw, const std::string& source, ClassNameFormat format) {
  const std::string text = strip_utf8_bom(raw);
  if (format == ClassNameFormat::automatic) format = detect_format(text);
  std::vector<std::string> names = entry_of(class_name_formats(), format).parse(text, source);
  return ClassNames(check_unique(std::move(names), source), source, format);
}

ClassNames read_class_names(const std::string& path, ClassNameFormat format) {
  return parse_class_names(read_file(path), path, format);
}

}  // namespace sfar::io
