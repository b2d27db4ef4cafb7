#include "sfar/models/export_record.h"

#include <caffe2/serialize/inline_container.h>
#include <nlohmann/json.hpp>

#include <cstring>
#include <fstream>

#include "sfar/core/config_archive.h"
#include "sfar/core/error.h"
#include "sfar/core/torch_compat.h"
#include "sfar/io/safetensors_reader.h"

namespace sfar::models {

std::string export_record_json(const ExportRecord& record) {
  nlohmann::json json = {{"activation", to_string(record.activation)},
                         {"tokenizer", cfg::enum_name(record.tokenizer, tokenizer_kind_names())},
                         {"vocab_sha256", record.vocab_sha256},
                         {"image_size", record.image_size},
                         {"mean", record.mean},
                         {"std", record.std},
                         {"head", record.head}};
  return json.dump();
}

ExportRecord parse_export_record(const std::string& text, const std::string& where) {
  try {
    const auto json = nlohmann::json::parse(text);
    ExportRecord record;
    record.activation = parse_clip_activation(json.at("activation").get<std::string>(), where + ": activation");
    record.tokenizer = cfg::parse_enum<TokenizerKind>(json.at("tokenizer").get<std::string>(), tokenizer_kind_names(),
                                                      where + ": tokenizer");
    record.vocab_sha256 = json.at("vocab_sha256").get<std::string>();
    record.image_size = json.at("image_size").get<std::int64_t>();
    record.mean = json.at("mean").get<std::vector<double>>();
    record.std = json.at("std").get<std::vector<double>>();
    record.head = json.at("head").get<std::string>();
    if (record.image_size <= 0) throw FormatError(where + ": image_size", "must be positive", std::to_string(record.image_size));
    return record;
  } catch (const nlohmann::json::exception& e) {
    throw FormatError(where, std::string("sfar export record is not valid: ") + e.what());
  } catch (const ConfigError& e) {
    throw FormatError(where, std::string("sfar export record is not valid: ") + e.what());
  }
}

std::optional<ExportRecord> read_export_record(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  char magic[4] = {};
  file.read(magic, sizeof magic);
  if (file.gcount() == 4 && std::memcmp(magic, "PK\x03\x04", 4) == 0) {
    std::string text;
    try {
      caffe2::serialize::PyTorchStreamReader archive(path);
      if (!archive.hasRecord(kExportRecordFile)) return std::nullopt;
      auto [data, size] = archive.getRecord(kExportRecordFile);
      text.assign(static_cast<const char*>(data.get()), size);
    } catch (const c10::Error& e) {
      throw FormatError(path, "cannot read the zip: " + compat::error_message(e));
    }
    return parse_export_record(text, path + ": " + kExportRecordFile);
  }
  if (!io::looks_like_safetensors(path)) return std::nullopt;
  io::SafetensorsReader reader(path);
  const auto found = reader.metadata().find(kExportRecordKey);
  if (found == reader.metadata().end()) return std::nullopt;
  return parse_export_record(found->second, path + ": metadata " + kExportRecordKey);
}

std::string record_evidence(const std::string& path, const std::string& what) {
  return path + "'s export record (" + what + ")";
}

}  // namespace sfar::models
