// What an `sfar export` records about how to read it, so that no reader has to be told again
// (docs/python_interop.md): the CLIP MLP activation as the run resolved it, the tokenizer's kind
// and the SHA-256 of its vocabulary file, the image size, the normalisation mean and std of the
// run's test pipeline, and the run's `head:` section. A .safetensors export keeps it as the JSON
// value of metadata key "sfar_record"; a .pt export as the zip record "sfar_record.json" beside
// data.pkl, which torch.load ignores.
//
//   std::optional<ExportRecord> r = read_export_record("model.safetensors");
//   if (r) std::cout << to_string(r->activation);   // "quick_gelu"
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sfar/core/sfar_config.h"
#include "sfar/models/clip_config.h"

namespace sfar::models {

inline constexpr const char* kExportRecordKey = "sfar_record";
inline constexpr const char* kExportRecordFile = "sfar_record.json";

struct ExportRecord {
  ClipActivation activation = ClipActivation::kQuickGelu;
  TokenizerKind tokenizer = TokenizerKind::kClipBpe;
  std::string vocab_sha256;      // of text.vocab's bytes, then text.merges' when set
  std::int64_t image_size = 0;   // pixels per side
  std::vector<double> mean, std; // of the test pipeline's normalize (empty: it has none)
  std::string head;              // the run's head: section as YAML
};

std::string export_record_json(const ExportRecord& record);
// FormatError naming `where` for bad JSON, a missing key or an unknown name.
ExportRecord parse_export_record(const std::string& json, const std::string& where);

// The record of a .safetensors or torch.save zip file, or nullopt when it has none (any other
// weight file). FormatError naming the file for a record that does not parse.
std::optional<ExportRecord> read_export_record(const std::string& path);

// "<path>'s export record (<what>)", the evidence in error messages.
std::string record_evidence(const std::string& path, const std::string& what);

}  // namespace sfar::models
