// Internal: the SentencePiece library behind a small virtual interface, built as its own
// loadable module (sfar_sentencepiece) and opened with dlopen(RTLD_LOCAL | RTLD_DEEPBIND).
//
// Why: Debian's libsentencepiece carries a private copy of protobuf-lite 3.14 whose symbols have
// the same names as the system libprotobuf 3.21 that LibTorch loads. Linked into one executable,
// whichever comes first serves both and the process crashes at start-up. Loaded locally with
// deep binding, SentencePiece keeps its own protobuf and LibTorch never sees it.
//
// Nothing here throws: errors come back as messages, turned into sfar errors by the caller.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace sfar::text::detail {

class SentencePieceModel {
 public:
  virtual ~SentencePieceModel() = default;
  // Return "" on success, else SentencePiece's message.
  virtual std::string encode(const std::string& text, std::vector<int>* ids) const = 0;
  virtual std::string decode(const std::vector<int>& ids, std::string* text) const = 0;
  virtual int piece_size() const = 0;
  virtual int bos_id() const = 0;
  virtual int eos_id() const = 0;
  virtual int pad_id() const = 0;
  virtual std::string id_to_piece(int id) const = 0;
};

class SentencePieceBackend {
 public:
  virtual ~SentencePieceBackend() = default;
  // Null with *error set when the model cannot be loaded.
  virtual std::unique_ptr<SentencePieceModel> load(const std::string& path, std::string* error) const = 0;
  // SentencePieceTrainer::Train with `arguments`; `lines` (may be null) replaces the input file.
  // Returns "" on success, else the message.
  virtual std::string train(const std::unordered_map<std::string, std::string>& arguments,
                            const std::vector<std::string>* lines, std::uint32_t seed) const = 0;
};

}  // namespace sfar::text::detail

// The module's one entry point (looked up with dlsym).
extern "C" const sfar::text::detail::SentencePieceBackend* sfar_sentencepiece_backend();
