#include "sfar/method/export_record_check.h"

#include <cmath>
#include <fstream>
#include <iterator>

#include "sfar/core/config_archive.h"
#include "sfar/core/config_loader.h"
#include "sfar/core/error.h"
#include "sfar/describe/content_hash.h"

namespace sfar::method {
namespace {

std::string read_bytes(const std::string& path, const std::string& key) {
  std::ifstream file(path, std::ios::binary);
  if (!file) throw IoError(path, "cannot open the tokenizer vocabulary (" + key + ")");
  return std::string((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
}

std::string numbers_text(const std::vector<double>& values) {
  std::string text = "[";
  for (std::size_t i = 0; i < values.size(); ++i) text += (i ? ", " : "") + cfg::format_number(values[i]);
  return text + "]";
}

std::string yaml_text(const ConfigNode& node) {
  if (node.is_scalar()) return node.text();  // sum, not "sum"
  std::string text = config_to_yaml(node);
  while (!text.empty() && text.back() == '\n') text.pop_back();
  return text;
}

bool same_numbers(const std::vector<double>& a, const std::vector<double>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::abs(a[i] - b[i]) > 1e-9 * std::max(1.0, std::abs(a[i]))) return false;
  }
  return true;
}

}  // namespace

std::string tokenizer_vocab_sha256(const text::TokenizerSpec& spec) {
  std::string bytes = read_bytes(spec.vocab, "vocab");
  if (!spec.merges.empty()) bytes += read_bytes(spec.merges, "merges");
  return describe::sha256_hex(bytes);
}

void check_export_tokenizer(const models::ExportRecord& record, const std::string& path,
                            const text::TokenizerSpec& spec, const TokenizerKeys& keys) {
  const auto& names = tokenizer_kind_names();
  if (spec.kind != record.tokenizer) {
    throw ConfigError(keys.kind,
                      "contradicts " + models::record_evidence(path, "tokenizer " + cfg::enum_name(record.tokenizer, names)),
                      cfg::enum_name(spec.kind, names));
  }
  const std::string hash = tokenizer_vocab_sha256(spec);
  if (hash != record.vocab_sha256) {
    throw ConfigError(keys.vocab,
                      "is not the vocabulary the export was trained with: sha256 " + hash + " here, " +
                          models::record_evidence(path, "vocab_sha256 " + record.vocab_sha256),
                      spec.vocab);
  }
}

void check_export_normalisation(const models::ExportRecord& record, const std::string& path,
                                const std::vector<data::TransformSpec>& pipeline, const std::string& key) {
  if (record.mean.empty()) return;  // the export's run did not normalise in its test pipeline
  for (std::size_t i = 0; i < pipeline.size(); ++i) {
    if (pipeline[i].type != data::TransformType::kNormalize) continue;
    const std::string where = key + "[" + std::to_string(i) + "]";
    if (!same_numbers(pipeline[i].mean, record.mean)) {
      throw ConfigError(where + ".mean", "contradicts " + models::record_evidence(path, "mean " + numbers_text(record.mean)),
                        numbers_text(pipeline[i].mean));
    }
    if (!same_numbers(pipeline[i].std, record.std)) {
      throw ConfigError(where + ".std", "contradicts " + models::record_evidence(path, "std " + numbers_text(record.std)),
                        numbers_text(pipeline[i].std));
    }
  }
}

void check_export_head(const models::ExportRecord& record, const std::string& path, const HeadOptions& head) {
  const ConfigNode recorded = parse_config_text(record.head, path + ": head record");
  const ConfigNode stated = write_config(head);
  for (const auto& [key, value] : stated.fields()) {
    const ConfigNode* other = recorded.find(key);
    if (other && *other == value) continue;
    const std::string recorded_text = other ? yaml_text(*other) : std::string("absent");
    throw ConfigError("head." + key,
                      "contradicts " + models::record_evidence(path, "head." + key + ": " + recorded_text),
                      yaml_text(value));
  }
}

}  // namespace sfar::method
