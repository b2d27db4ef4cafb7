#include "sfar/describe/description_cache.h"

#include <nlohmann/json.hpp>

#include <ctime>

#include "sfar/core/atomic_file.h"
#include "sfar/core/error.h"
#include "sfar/describe/content_hash.h"

namespace sfar::describe {
namespace {

using nlohmann::json;

constexpr const char* kSchemaName = "sfar.description_cache";

template <typename T>
json optional_json(const std::optional<T>& value) {
  return value ? json(*value) : json(nullptr);
}

json provenance_to_json(const DescriptionProvenance& p) {
  return {{"generator", p.generator}, {"source", p.source}, {"model", p.model},
          {"prompt_id", p.prompt_id}, {"prompt", p.prompt}, {"system_prompt", p.system_prompt},
          {"temperature", optional_json(p.temperature)}, {"seed", optional_json(p.seed)},
          {"time", p.time}, {"request_sha256", p.request_sha256}};
}

json candidate_to_json(const CandidateSet& set) {
  json scores = nullptr;
  if (set.scores) scores = {{"sigma", set.scores->sigma}, {"delta", set.scores->delta}, {"tpp", set.scores->tpp}};
  return {{"sentences", set.sentences}, {"provenance", provenance_to_json(set.provenance)}, {"scores", scores}};
}

json class_to_json(const ClassDescriptions& c) {
  json candidates = json::array();
  for (const auto& set : c.candidates) candidates.push_back(candidate_to_json(set));
  json failures = json::array();
  for (const auto& f : c.failures) failures.push_back({{"prompt_id", f.prompt_id}, {"message", f.message}, {"time", f.time}});
  return {{"id", c.id}, {"name", c.name}, {"global_text", c.global_text}, {"candidates", candidates},
          {"selected", optional_json(c.selected)}, {"tpp", optional_json(c.tpp)}, {"failures", failures}};
}

// Typed, located access to a JSON object; every error names the file and the object.
class Reader {
 public:
  Reader(const json& object, std::string where) : object_(object), where_(std::move(where)) {
    if (!object_.is_object()) throw FormatError(where_, "expected a JSON object", object_.dump());
  }

  const json& at(const char* key) const {
    const auto it = object_.find(key);
    if (it == object_.end()) throw FormatError(where_, std::string("missing key \"") + key + "\"");
    return *it;
  }
  std::string string(const char* key, bool allow_empty = true) const {
    const json& value = at(key);
    if (!value.is_string()) throw FormatError(where_ + "." + key, "expected a string", value.dump());
    if (!allow_empty && value.get<std::string>().empty()) throw FormatError(where_ + "." + key, "must not be empty");
    return value.get<std::string>();
  }
  std::int64_t integer(const char* key) const {
    const json& value = at(key);
    if (!value.is_number_integer()) throw FormatError(where_ + "." + key, "expected an integer", value.dump());
    return value.get<std::int64_t>();
  }
  template <typename T>
  std::optional<T> optional_number(const char* key) const {
    const auto it = object_.find(key);
    if (it == object_.end() || it->is_null()) return std::nullopt;
    const bool ok = std::is_integral_v<T> ? it->is_number_integer() : it->is_number();
    if (!ok) throw FormatError(where_ + "." + key, "expected a number or null", it->dump());
    return it->get<T>();
  }
  const json& array(const char* key) const {
    const json& value = at(key);
    if (!value.is_array()) throw FormatError(where_ + "." + key, "expected a list", value.dump());
    return value;
  }
  const std::string& where() const { return where_; }

 private:
  const json& object_;
  std::string where_;
};

std::vector<double> numbers(const json& value, const std::string& where) {
  if (!value.is_array()) throw FormatError(where, "expected a list of numbers", value.dump());
  std::vector<double> out;
  for (const auto& x : value) {
    if (!x.is_number()) throw FormatError(where, "expected a number", x.dump());
    out.push_back(x.get<double>());
  }
  return out;
}

DescriptionProvenance provenance_from_json(const Reader& r) {
  DescriptionProvenance p;
  p.generator = r.string("generator", false);
  p.source = r.string("source");
  p.model = r.string("model");
  p.prompt_id = r.string("prompt_id");
  p.prompt = r.string("prompt");
  p.system_prompt = r.string("system_prompt");
  p.temperature = r.optional_number<double>("temperature");
  p.seed = r.optional_number<std::int64_t>("seed");
  p.time = r.string("time");
  p.request_sha256 = r.string("request_sha256");
  return p;
}

CandidateSet candidate_from_json(const Reader& r) {
  CandidateSet set;
  for (const auto& sentence : r.array("sentences")) {
    if (!sentence.is_string() || sentence.get<std::string>().find_first_not_of(" \t\r\n") == std::string::npos) {
      throw FormatError(r.where() + ".sentences", "expected non-empty strings", sentence.dump());
    }
    set.sentences.push_back(sentence.get<std::string>());
  }
  if (set.sentences.empty()) throw FormatError(r.where() + ".sentences", "a candidate set needs at least one sentence");
  set.provenance = provenance_from_json(Reader(r.at("provenance"), r.where() + ".provenance"));
  const json& scores = r.at("scores");
  if (!scores.is_null()) {
    const Reader s(scores, r.where() + ".scores");
    SubtextScores parsed;
    parsed.sigma = numbers(s.at("sigma"), s.where() + ".sigma");
    parsed.delta = numbers(s.at("delta"), s.where() + ".delta");
    const auto tpp = s.optional_number<double>("tpp");
    if (!tpp) throw FormatError(s.where() + ".tpp", "expected a number");
    parsed.tpp = *tpp;
    set.scores = parsed;
  }
  return set;
}

ClassDescriptions class_from_json(const json& value, const std::string& where) {
  const Reader r(value, where);
  ClassDescriptions c;
  c.id = r.integer("id");
  c.name = r.string("name", false);
  const std::string named = where + " (\"" + c.name + "\")";
  c.global_text = Reader(value, named).string("global_text", false);
  const json& candidates = Reader(value, named).array("candidates");
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    c.candidates.push_back(candidate_from_json(Reader(candidates[i], named + ".candidates[" + std::to_string(i) + "]")));
  }
  const Reader nr(value, named);
  if (const auto selected = nr.optional_number<std::int64_t>("selected")) {
    if (*selected < 0) throw FormatError(named + ".selected", "must not be negative", std::to_string(*selected));
    c.selected = static_cast<std::size_t>(*selected);
  }
  c.tpp = nr.optional_number<double>("tpp");
  const json& failures = nr.array("failures");
  for (std::size_t i = 0; i < failures.size(); ++i) {
    const Reader f(failures[i], named + ".failures[" + std::to_string(i) + "]");
    c.failures.push_back({f.string("prompt_id"), f.string("message"), f.string("time")});
  }
  return c;
}

}  // namespace

ClassDescriptions* DescriptionCache::find(const std::string& name) {
  for (auto& c : classes) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

const ClassDescriptions* DescriptionCache::find(const std::string& name) const {
  return const_cast<DescriptionCache*>(this)->find(name);
}

std::string format_global_text(const std::string& global_template, const std::string& name) {
  std::string text = global_template;
  for (auto at = text.find("{name}"); at != std::string::npos; at = text.find("{name}", at + name.size())) {
    text.replace(at, 6, name);
  }
  return text;
}

std::string template_mismatch_warning(const DescriptionCache& cache, const std::string& cache_path,
                                      const std::string& run_template) {
  if (!cache.selection) return {};
  const std::string& scored = cache.selection->global_template.empty() ? cache.global_template
                                                                       : cache.selection->global_template;
  if (scored == run_template) return {};
  return cache_path + ": the sub-text sets were selected (TPP) against the global template \"" + scored +
         "\" but this run uses descriptions.global_template \"" + run_template +
         "\"; set descriptions.global_template to the cache's template or run `sfar describe select --config` "
         "with this config again";
}

std::string class_names_sha256(const io::ClassNames& labels) {
  std::string joined;
  for (const auto& name : labels.names()) joined += name + "\n";
  return sha256_hex(joined);
}

DescriptionCache new_description_cache(const io::ClassNames& labels, const std::string& dataset,
                                       const std::string& global_template) {
  if (global_template.find("{name}") == std::string::npos) {
    throw ArgumentError("global template", "must contain {name}", global_template);
  }
  DescriptionCache cache;
  cache.dataset = dataset;
  cache.label_file = labels.source();
  cache.labels_sha256 = class_names_sha256(labels);
  cache.global_template = global_template;
  for (std::size_t i = 0; i < labels.size(); ++i) {
    ClassDescriptions c;
    c.id = static_cast<std::int64_t>(i);
    c.name = labels.names()[i];
    c.global_text = format_global_text(global_template, c.name);
    cache.classes.push_back(std::move(c));
  }
  return cache;
}

void validate_description_cache(const DescriptionCache& cache, const std::string& source,
                                const DescriptionCacheCheck& check) {
  if (cache.schema_version != kDescriptionCacheSchemaVersion) {
    throw FormatError(source + ": schema_version", "unsupported version (this sfar reads " +
                      std::to_string(kDescriptionCacheSchemaVersion) + ")", std::to_string(cache.schema_version));
  }
  if (cache.dataset.empty()) throw FormatError(source + ": dataset", "must not be empty");
  if (check.labels) {
    const io::ClassNames& labels = *check.labels;
    if (cache.classes.size() != labels.size()) {
      throw FormatError(source, "has " + std::to_string(cache.classes.size()) + " classes but " + labels.source() +
                        " has " + std::to_string(labels.size()));
    }
    for (std::size_t i = 0; i < labels.size(); ++i) {
      if (cache.classes[i].name != labels.names()[i]) {
        throw FormatError(source + ": classes[" + std::to_string(i) + "]",
                          "class differs from " + labels.source() + " (expected \"" + labels.names()[i] + "\")",
                          cache.classes[i].name);
      }
    }
    if (cache.labels_sha256 != class_names_sha256(labels)) {
      throw FormatError(source + ": labels_sha256", "does not match " + labels.source(), cache.labels_sha256);
    }
  }
  for (std::size_t i = 0; i < cache.classes.size(); ++i) {
    const ClassDescriptions& c = cache.classes[i];
    const std::string where = source + ": class " + std::to_string(i) + " (\"" + c.name + "\")";
    if (c.id != static_cast<std::int64_t>(i)) throw FormatError(where, "class ids must be 0..N-1 in order", std::to_string(c.id));
    if (c.name.empty() || c.global_text.empty()) throw FormatError(where, "empty name or global text");
    for (std::size_t k = 0; k < c.candidates.size(); ++k) {
      const auto& set = c.candidates[k];
      if (set.sentences.empty()) throw FormatError(where, "candidate set " + std::to_string(k) + " has no sentences");
      for (const auto& s : set.sentences) {
        if (s.find_first_not_of(" \t\r\n") == std::string::npos) {
          throw FormatError(where, "candidate set " + std::to_string(k) + " has an empty sentence");
        }
      }
      if (set.scores && (set.scores->sigma.size() != set.sentences.size() ||
                         set.scores->delta.size() != set.sentences.size())) {
        throw FormatError(where, "candidate set " + std::to_string(k) + ": scores need one sigma and delta per sentence");
      }
    }
    if (check.require_candidates && c.candidates.empty()) throw FormatError(where, "has no candidate sub-text set");
    if (c.selected) {
      if (*c.selected >= c.candidates.size()) {
        throw FormatError(where, "selected set out of range [0, " + std::to_string(c.candidates.size()) + ")",
                          std::to_string(*c.selected));
      }
      const std::size_t n = c.candidates[*c.selected].sentences.size();
      if (n < check.min_subtexts) {
        throw FormatError(where, "selected set has " + std::to_string(n) + " sub-texts, at least " +
                          std::to_string(check.min_subtexts) + " required");
      }
    } else if (check.require_selected) {
      throw FormatError(where, "no sub-text set selected (run `sfar describe select`)");
    }
  }
}

std::string description_cache_to_json(const DescriptionCache& cache) {
  json classes = json::array();
  for (const auto& c : cache.classes) classes.push_back(class_to_json(c));
  json selection = nullptr;
  if (cache.selection) {
    selection = {{"mode", cache.selection->mode}, {"encoder", cache.selection->encoder},
                 {"time", cache.selection->time}, {"dataset_tpp", cache.selection->dataset_tpp},
                 {"global_template", cache.selection->global_template.empty() ? cache.global_template
                                                                              : cache.selection->global_template}};
  }
  const json root = {{"schema", kSchemaName}, {"schema_version", cache.schema_version},
                     {"dataset", cache.dataset}, {"label_file", cache.label_file},
                     {"labels_sha256", cache.labels_sha256}, {"global_template", cache.global_template},
                     {"num_classes", cache.classes.size()}, {"selection", selection}, {"classes", classes}};
  return root.dump(1, ' ', false, json::error_handler_t::replace) + "\n";
}

DescriptionCache parse_description_cache(const std::string& text, const std::string& source,
                                         const DescriptionCacheCheck& check) {
  json root;
  try {
    root = json::parse(text);
  } catch (const json::exception& e) {  // parse_error, and out_of_range for huge numbers
    throw FormatError(source, std::string("invalid JSON: ") + e.what());
  }
  const Reader r(root, source);
  if (r.string("schema") != kSchemaName) throw FormatError(source + ": schema", "not a description cache", r.string("schema"));
  DescriptionCache cache;
  cache.schema_version = static_cast<int>(r.integer("schema_version"));
  if (cache.schema_version != kDescriptionCacheSchemaVersion) validate_description_cache(cache, source);
  cache.dataset = r.string("dataset", false);
  cache.label_file = r.string("label_file");
  cache.labels_sha256 = r.string("labels_sha256", false);
  cache.global_template = r.string("global_template", false);
  const json& classes = r.array("classes");
  for (std::size_t i = 0; i < classes.size(); ++i) {
    cache.classes.push_back(class_from_json(classes[i], source + ": classes[" + std::to_string(i) + "]"));
  }
  if (r.integer("num_classes") != static_cast<std::int64_t>(cache.classes.size())) {
    throw FormatError(source + ": num_classes", "does not match the classes listed", std::to_string(r.integer("num_classes")));
  }
  const json& selection = r.at("selection");
  if (!selection.is_null()) {
    const Reader s(selection, source + ": selection");
    cache.selection = DescriptionSelection{s.string("mode"), s.string("encoder"), s.string("time"),
                                           s.optional_number<double>("dataset_tpp").value_or(0),
                                           selection.contains("global_template") ? s.string("global_template")
                                                                                 : cache.global_template};
    if (cache.selection->global_template.empty()) cache.selection->global_template = cache.global_template;
  }
  validate_description_cache(cache, source, check);
  return cache;
}

DescriptionCache load_description_cache(const std::string& path, const DescriptionCacheCheck& check) {
  return parse_description_cache(read_file(path), path, check);
}

void save_description_cache(const std::string& path, const DescriptionCache& cache) {
  validate_description_cache(cache, path);
  write_file_atomic(path, description_cache_to_json(cache));
}

std::vector<std::string> description_cache_json_lines(const DescriptionCache& cache, const std::string& class_name) {
  std::vector<std::string> lines;
  for (const auto& c : cache.classes) {
    if (!class_name.empty() && c.name != class_name) continue;
    if (c.candidates.empty()) {
      lines.push_back(json{{"id", c.id}, {"name", c.name}, {"set", nullptr}, {"failures", c.failures.size()}}.dump());
    }
    for (std::size_t k = 0; k < c.candidates.size(); ++k) {
      json line = candidate_to_json(c.candidates[k]);
      line["id"] = c.id;
      line["name"] = c.name;
      line["global_text"] = c.global_text;
      line["set"] = k;
      line["selected"] = c.selected && *c.selected == k;
      lines.push_back(line.dump(-1, ' ', false, json::error_handler_t::replace));
    }
  }
  if (!class_name.empty() && lines.empty()) {
    throw ArgumentError("--class", "no such class in the cache of " + cache.dataset, class_name);
  }
  return lines;
}

std::string utc_timestamp() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buffer[32];
  std::strftime(buffer, sizeof(buffer), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buffer;
}

}  // namespace sfar::describe
