// The settings a run states, checked against the record of an sfar export it loads
// (models/export_record.h): a tokenizer, vocabulary, normalisation or head option that
// contradicts the record is a ConfigError naming the key, the stated value and the recorded
// one, since any of them gives wrong scores without any other error.
//
//   if (file.record) check_export_tokenizer(*file.record, path, spec, {"text.tokenizer", "text.vocab"});
#pragma once

#include <string>
#include <vector>

#include "sfar/data/clip_transforms.h"
#include "sfar/method/video_head.h"
#include "sfar/models/export_record.h"
#include "sfar/text/tokenizer.h"

namespace sfar::method {

// Lower-case hex SHA-256 of the vocabulary file's bytes followed by the merges file's (when
// set). IoError naming the file that cannot be read.
std::string tokenizer_vocab_sha256(const text::TokenizerSpec& spec);

struct TokenizerKeys {
  std::string kind = "text.tokenizer";
  std::string vocab = "text.vocab";
};
void check_export_tokenizer(const models::ExportRecord& record, const std::string& path,
                            const text::TokenizerSpec& spec, const TokenizerKeys& keys = {});

// Every normalize transform of `pipeline` (the config key `key`) against the record's mean/std.
void check_export_normalisation(const models::ExportRecord& record, const std::string& path,
                                const std::vector<data::TransformSpec>& pipeline, const std::string& key);

// The run's head: section against the record's, key by key.
void check_export_head(const models::ExportRecord& record, const std::string& path, const HeadOptions& head);

}  // namespace sfar::method
