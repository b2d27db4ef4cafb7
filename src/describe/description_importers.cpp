#include "sfar/describe/description_importers.h"

#include <nlohmann/json.hpp>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

#include "sfar/core/atomic_file.h"
#include "sfar/core/error.h"
#include "sfar/core/name_table.h"
#include "sfar/core/text.h"
#include "sfar/describe/content_hash.h"
#include "sfar/describe/subtext_parser.h"

namespace sfar::describe {
namespace {

using nlohmann::json;

// Case, '_' and surrounding space do not matter when matching names across files.
std::string name_key(const std::string& name) {
  std::string key;
  for (unsigned char c : name) key += c == '_' ? ' ' : static_cast<char>(std::tolower(c));
  const auto begin = key.find_first_not_of(' ');
  return begin == std::string::npos ? "" : key.substr(begin, key.find_last_not_of(' ') - begin + 1);
}

class Importer {
 public:
  Importer(DescriptionCache& cache, std::string format, std::string path)
      : cache_(cache), format_(std::move(format)), path_(std::move(path)), sha256_(sha256_hex(read_file(path_))) {
    for (std::size_t i = 0; i < cache_.classes.size(); ++i) by_name_[name_key(cache_.classes[i].name)] = i;
  }

  std::size_t class_by_id(const std::string& id_text, const std::string& where) const {
    std::size_t used = 0;
    long long id = -1;
    try {
      id = std::stoll(id_text, &used);
    } catch (const std::exception&) {
    }
    if (used != id_text.size() || id < 0 || id >= static_cast<long long>(cache_.classes.size())) {
      throw FormatError(where, "class id not in the label file's range [0, " + std::to_string(cache_.classes.size()) + ")",
                        id_text);
    }
    return static_cast<std::size_t>(id);
  }

  std::size_t class_by_name(const std::string& name, const std::string& where) const {
    const auto it = by_name_.find(name_key(name));
    if (it == by_name_.end()) throw FormatError(where, "class not in the label file " + cache_.label_file, name);
    return it->second;
  }

  void add(std::size_t index, std::vector<std::string> sentences, const std::string& where) {
    std::vector<std::string> kept;
    for (const auto& s : sentences) {
      std::string text = trim(s);
      if (!text.empty()) kept.push_back(std::move(text));
    }
    if (kept.empty()) throw FormatError(where, "no description for class \"" + cache_.classes[index].name + "\"");
    if (!filled_.insert(index).second) {
      throw FormatError(where, "class \"" + cache_.classes[index].name + "\" appears twice");
    }
    CandidateSet set;
    set.sentences = std::move(kept);
    set.provenance.generator = "sfar describe import (" + format_ + ")";
    set.provenance.source = "imported from " + path_;
    set.provenance.time = utc_timestamp();
    set.provenance.request_sha256 = sha256_;  // of the imported file
    cache_.classes[index].candidates.push_back(std::move(set));
    cache_.classes[index].selected.reset();
    cache_.classes[index].tpp.reset();
  }

  std::size_t filled() const { return filled_.size(); }
  const std::string& path() const { return path_; }

 private:
  DescriptionCache& cache_;
  std::string format_;
  std::string path_;
  std::string sha256_;
  std::map<std::string, std::size_t> by_name_;
  std::set<std::size_t> filled_;
};

json read_json(const std::string& path) {
  try {
    return json::parse(read_file(path));
  } catch (const json::exception& e) {  // parse_error, and out_of_range for huge numbers
    throw FormatError(path, std::string("invalid JSON: ") + e.what());
  }
}

void import_ost(Importer& importer) {
  const json root = read_json(importer.path());
  if (!root.is_object()) throw FormatError(importer.path(), "expected {\"<class id>\": [sentences]}");
  for (const auto& [id, value] : root.items()) {
    const std::string where = importer.path() + ": \"" + id + "\"";
    if (!value.is_array()) throw FormatError(where, "expected a list of sentences", value.dump());
    std::vector<std::string> sentences;
    for (const auto& s : value) {
      if (!s.is_string()) throw FormatError(where, "expected a list of sentences", s.dump());
      sentences.push_back(s.get<std::string>());
    }
    importer.add(importer.class_by_id(id, where), std::move(sentences), where);
  }
}

// "abseiling: Abseiling is ..." -> "Abseiling is ..." when the prefix is the class name.
std::string strip_name_prefix(const std::string& text, const std::string& name) {
  const auto colon = text.find(':');
  if (colon != std::string::npos && name_key(text.substr(0, colon)) == name_key(name)) return text.substr(colon + 1);
  return text;
}

void import_froster(Importer& importer, const DescriptionCache& cache) {
  const json root = read_json(importer.path());
  if (!root.is_object()) throw FormatError(importer.path(), "expected {\"<class id>\": \"Name: sentence\"}");
  for (const auto& [id, value] : root.items()) {
    const std::string where = importer.path() + ": \"" + id + "\"";
    const std::size_t index = importer.class_by_id(id, where);
    std::vector<std::string> texts;
    if (value.is_string()) texts.push_back(value.get<std::string>());
    for (const auto& s : value.is_array() ? value : json::array()) {
      if (!s.is_string()) throw FormatError(where, "expected a string or a list of strings", s.dump());
      texts.push_back(s.get<std::string>());
    }
    if (!value.is_string() && !value.is_array()) throw FormatError(where, "expected a string or a list of strings", value.dump());
    std::vector<std::string> sentences;
    for (const auto& text : texts) {
      for (auto& s : split_sentences(strip_name_prefix(text, cache.classes[index].name))) sentences.push_back(s);
    }
    importer.add(index, std::move(sentences), where);
  }
}

// CSV records may span lines inside quotes (EZ-CLIP's paragraphs start with blank lines).
std::vector<CsvRecord> read_csv_records(const std::string& path) {
  std::size_t bad_line = 0;
  auto records = split_csv_records(strip_utf8_bom(read_file(path)), &bad_line);
  if (!records) {
    throw FormatError(path + ":" + std::to_string(bad_line),
                      "unterminated quoted field, or text after a closing quote");
  }
  return std::move(*records);
}

void import_ezclip(Importer& importer) {
  const auto records = read_csv_records(importer.path());
  for (std::size_t r = 0; r < records.size(); ++r) {
    const auto& [line, fields] = records[r];
    const std::string where = importer.path() + ":" + std::to_string(line);
    if (r == 0 && !fields.empty() && name_key(fields[0]) == "sno") continue;  // header
    if (fields.size() != 3) throw FormatError(where, "expected `SNo,Class Name,description`", fields[0]);
    importer.add(importer.class_by_name(fields[1], where), split_sentences(fields[2]), where);
  }
}

void import_yaml(Importer& importer) {
  YAML::Node root;
  try {
    root = YAML::Load(read_file(importer.path()));
  } catch (const YAML::Exception& e) {
    throw FormatError(importer.path() + ":" + std::to_string(e.mark.line + 1), "invalid YAML: " + e.msg);
  }
  if (!root.IsMap()) throw FormatError(importer.path(), "expected {class name: [sentences]}");
  for (const auto& item : root) {
    const std::string name = item.first.as<std::string>();
    const std::string where = importer.path() + ":" + std::to_string(item.first.Mark().line + 1);
    if (!item.second.IsSequence()) throw FormatError(where, "expected a list of sentences for \"" + name + "\"");
    std::vector<std::string> sentences;
    for (const auto& s : item.second) {
      if (!s.IsScalar()) throw FormatError(where, "expected a list of sentences for \"" + name + "\"");
      sentences.push_back(s.as<std::string>());
    }
    importer.add(importer.class_by_name(name, where), std::move(sentences), where);
  }
}

// Reads `path` with `read` into a cache, as format `name`; the number of classes filled.
template <class Read>
std::size_t run_importer(DescriptionCache& cache, const char* name, const std::string& path, Read read) {
  Importer importer(cache, name, path);
  read(importer);
  return importer.filled();
}

}  // namespace

const std::vector<DescriptionFormatEntry>& description_formats() {
  static const std::vector<DescriptionFormatEntry> kFormats = {
      {"ost", DescriptionFormat::ost, "OST's {\"<class id>\": [sentence, ...]} JSON",
       [](DescriptionCache& c, const std::string& path) { return run_importer(c, "ost", path, import_ost); }},
      {"ezclip", DescriptionFormat::ezclip, "EZ-CLIP's CSV, one paragraph per class name",
       [](DescriptionCache& c, const std::string& path) { return run_importer(c, "ezclip", path, import_ezclip); }},
      {"froster", DescriptionFormat::froster, "FROSTER's {\"<class id>\": \"Name: sentences\"} JSON",
       [](DescriptionCache& c, const std::string& path) {
         return run_importer(c, "froster", path, [&](Importer& i) { import_froster(i, c); });
       }},
      {"yaml", DescriptionFormat::yaml, "{class name: [sentence, ...]} YAML",
       [](DescriptionCache& c, const std::string& path) { return run_importer(c, "yaml", path, import_yaml); }},
  };
  return kFormats;
}

DescriptionFormat description_format_from_string(const std::string& text) {
  return find_entry(description_formats(), text, "description format", "--format").value;
}

std::size_t import_descriptions(DescriptionCache& cache, DescriptionFormat format, const std::string& path) {
  return entry_of(description_formats(), format).import(cache, path);
}

}  // namespace sfar::describe
