// Class-name files: the map from a dataset's integer label to its class name.
// Formats read: `id,name` CSV (header optional, names may be quoted), one name per line
// (line k = class k), the SSv2 labels JSON (`{"template": "id-as-string"}`), UCF's
// 1-based `classInd.txt` (`1 ApplyEyeMakeup`), and a JSON list of names or of name parts
// (Diving48's vocabulary, parts joined with '+'). CRLF, a UTF-8 BOM and a missing final
// newline are accepted. Ids must be exactly 0..N-1 (1..N for classInd); a duplicate, a gap
// or a bad line throws FormatError naming the file and line.
//
//   const sfar::ClassNames labels = sfar::read_class_names("labels/k400/kinetics_400_labels.csv");
//   labels.name(3) == "applauding"
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace sfar::io {

enum class ClassNameFormat {
  automatic,  // from the extension and content
  csv,        // id,name
  lines,      // one name per line
  ssv2_json,  // {"name": "id"}
  class_ind,  // "1 Name", 1-based
  json_list,  // ["name", ...] or [["part", ...], ...]
};

// The one table of class-name formats (table order is enumerator order): names, help texts and
// errors for unknown names come from it. `parse` reads a file's text (`source` names it in
// errors); it is null for `auto`, which detects the format from the content.
using ClassNameParser = std::vector<std::string> (*)(const std::string& text, const std::string& source);
struct ClassNameFormatEntry {
  const char* name;
  ClassNameFormat value;
  const char* description;
  ClassNameParser parse;
};
const std::vector<ClassNameFormatEntry>& class_name_formats();

// A name of class_name_formats(); ArgumentError naming `where`, the name and every known name.
ClassNameFormat class_name_format_from_string(const std::string& text,
                                              const std::string& where = "class-name format");
const char* to_string(ClassNameFormat format);

class ClassNames {
 public:
  ClassNames() = default;
  ClassNames(std::vector<std::string> names, std::string source, ClassNameFormat format);

  std::size_t size() const { return names_.size(); }
  const std::vector<std::string>& names() const { return names_; }
  // Throws ArgumentError naming the source when `id` is out of range.
  const std::string& name(std::int64_t id) const;
  // The id of `name` (exact match), if any.
  std::optional<std::int64_t> find(const std::string& name) const;
  const std::string& source() const { return source_; }
  ClassNameFormat format() const { return format_; }

 private:
  std::vector<std::string> names_;
  std::string source_;
  ClassNameFormat format_ = ClassNameFormat::automatic;
};

// Reads a class-name file. Throws IoError (unreadable) or FormatError (file:line).
ClassNames read_class_names(const std::string& path,
                            ClassNameFormat format = ClassNameFormat::automatic);
// Parses file content; `source` names the file in errors.
ClassNames parse_class_names(const std::string& text, const std::string& source,
                             ClassNameFormat format = ClassNameFormat::automatic);

}  // namespace sfar::io
