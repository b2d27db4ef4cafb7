#include "sfar/text/sentencepiece_tokenizer.h"

#include <dlfcn.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "sentencepiece_backend.h"
#include "sfar/core/error.h"

namespace sfar::text {

struct SentencePieceTokenizer::Impl {
  std::unique_ptr<detail::SentencePieceModel> model;
};

namespace {

// Where the sfar_sentencepiece module is: $SFAR_SENTENCEPIECE_MODULE, else beside the running
// executable's lib/ directory (installed layout), else where the build put it.
std::vector<std::string> module_candidates() {
  std::vector<std::string> candidates;
  if (const char* path = std::getenv("SFAR_SENTENCEPIECE_MODULE")) candidates.push_back(path);
  std::error_code error;
  const auto exe = std::filesystem::read_symlink("/proc/self/exe", error);
  if (!error) candidates.push_back((exe.parent_path().parent_path() / "lib" / SFAR_SENTENCEPIECE_MODULE_NAME).string());
  candidates.push_back(SFAR_SENTENCEPIECE_MODULE_BUILD_PATH);
  return candidates;
}

const detail::SentencePieceBackend& backend() {
  static const detail::SentencePieceBackend* const instance = [] {
    std::string errors;
    for (const std::string& path : module_candidates()) {
      if (!std::filesystem::exists(path)) continue;
      // Local + deep binding: see sentencepiece_backend.h for why.
      void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL | RTLD_DEEPBIND);
      if (handle == nullptr) {
        errors += std::string(" ") + dlerror();
        continue;
      }
      using Entry = const detail::SentencePieceBackend* (*)();
      if (auto entry = reinterpret_cast<Entry>(dlsym(handle, "sfar_sentencepiece_backend"))) return entry();
      errors += " " + path + ": no entry point";
    }
    throw IoError(SFAR_SENTENCEPIECE_MODULE_NAME, "cannot load the SentencePiece module (set SFAR_SENTENCEPIECE_MODULE)",
                  errors);
  }();
  return *instance;
}

std::unordered_map<std::string, std::string> trainer_arguments(const SentencePieceTrainOptions& options) {
  if (options.model_prefix.empty()) throw ArgumentError("sentencepiece model_prefix", "must not be empty");
  if (options.vocab_size < 8) {
    throw ArgumentError("sentencepiece vocab_size", "must be at least 8", std::to_string(options.vocab_size));
  }
  const auto parent = std::filesystem::path(options.model_prefix).parent_path();
  if (!parent.empty() && !std::filesystem::is_directory(parent)) {
    throw IoError(options.model_prefix, "output directory does not exist", parent.string());
  }
  return {
      {"model_prefix", options.model_prefix},
      {"vocab_size", std::to_string(options.vocab_size)},
      {"model_type", cfg::enum_name(options.model_type, sentencepiece_model_type_names())},
      {"character_coverage", std::to_string(options.character_coverage)},
      {"hard_vocab_limit", options.hard_vocab_limit ? "true" : "false"},
      {"input_sentence_size", std::to_string(options.max_sentences)},
      {"shuffle_input_sentence", "true"},
      {"num_threads", std::to_string(std::max<std::int64_t>(1, options.threads))},
      {"pad_id", "0"},
      {"unk_id", "1"},
      {"bos_id", "2"},
      {"eos_id", "3"},
      {"minloglevel", "2"},  // The library never prints; SentencePiece logs its progress otherwise.
  };
}

void check_id(std::int64_t id, std::int64_t vocab_size, const std::string& path) {
  if (id < 0 || id >= vocab_size) {
    throw ArgumentError(path + ": token id", "outside the vocabulary of " + std::to_string(vocab_size),
                        std::to_string(id));
  }
}

}  // namespace

std::string train_sentencepiece(const std::string& corpus_file, const SentencePieceTrainOptions& options) {
  if (!std::ifstream(corpus_file)) throw IoError(corpus_file, "cannot open file");
  auto arguments = trainer_arguments(options);
  arguments["input"] = corpus_file;
  const std::string error = backend().train(arguments, nullptr, options.seed);
  if (!error.empty()) throw FormatError(corpus_file, "SentencePiece training failed: " + error);
  return options.model_prefix + ".model";
}

std::string train_sentencepiece(const std::vector<std::string>& lines, const SentencePieceTrainOptions& options) {
  if (lines.empty()) throw ArgumentError("sentencepiece corpus", "no sentences to train on");
  const std::string error = backend().train(trainer_arguments(options), &lines, options.seed);
  if (!error.empty()) throw FormatError(options.model_prefix, "SentencePiece training failed: " + error);
  return options.model_prefix + ".model";
}

SentencePieceTokenizer::SentencePieceTokenizer(const std::string& model_path)
    : impl_(std::make_unique<Impl>()), path_(model_path) {
  if (!std::ifstream(model_path)) throw IoError(model_path, "cannot open file");
  std::string error;
  impl_->model = backend().load(model_path, &error);
  if (!impl_->model) throw FormatError(model_path, "not a SentencePiece model: " + error);
  if (impl_->model->bos_id() < 0 || impl_->model->eos_id() < 0) {
    throw FormatError(model_path, "the model has no bos/eos piece (train it with bos_id and eos_id set)");
  }
}

SentencePieceTokenizer::~SentencePieceTokenizer() = default;

std::vector<std::int64_t> SentencePieceTokenizer::encode(const std::string& text) const {
  std::vector<int> ids;
  const std::string error = impl_->model->encode(text, &ids);
  if (!error.empty()) throw ArgumentError(path_, "SentencePiece cannot encode the text: " + error, text);
  return std::vector<std::int64_t>(ids.begin(), ids.end());
}

std::string SentencePieceTokenizer::decode(const std::vector<std::int64_t>& ids) const {
  std::vector<int> pieces;
  pieces.reserve(ids.size());
  for (const std::int64_t id : ids) {
    check_id(id, vocab_size(), path_);
    pieces.push_back(static_cast<int>(id));
  }
  std::string text;
  const std::string error = impl_->model->decode(pieces, &text);
  if (!error.empty()) throw ArgumentError(path_, "SentencePiece cannot decode the ids: " + error);
  return text;
}

std::int64_t SentencePieceTokenizer::vocab_size() const { return impl_->model->piece_size(); }
std::int64_t SentencePieceTokenizer::start_id() const { return impl_->model->bos_id(); }
std::int64_t SentencePieceTokenizer::end_id() const { return impl_->model->eos_id(); }
std::int64_t SentencePieceTokenizer::pad_id() const { return impl_->model->pad_id(); }

std::string SentencePieceTokenizer::piece(std::int64_t id) const {
  check_id(id, vocab_size(), path_);
  return impl_->model->id_to_piece(static_cast<int>(id));
}

}  // namespace sfar::text
