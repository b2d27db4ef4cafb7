// The sfar_sentencepiece module: the only code that calls the SentencePiece library.
#include "sentencepiece_backend.h"

#include <sentencepiece_processor.h>
#include <sentencepiece_trainer.h>

namespace sfar::text::detail {
namespace {

class ProcessorModel : public SentencePieceModel {
 public:
  std::string load(const std::string& path) {
    const auto status = processor_.Load(path);
    return status.ok() ? std::string() : status.ToString();
  }
  std::string encode(const std::string& text, std::vector<int>* ids) const override {
    const auto status = processor_.Encode(text, ids);
    return status.ok() ? std::string() : status.ToString();
  }
  std::string decode(const std::vector<int>& ids, std::string* text) const override {
    const auto status = processor_.Decode(ids, text);
    return status.ok() ? std::string() : status.ToString();
  }
  int piece_size() const override { return processor_.GetPieceSize(); }
  int bos_id() const override { return processor_.bos_id(); }
  int eos_id() const override { return processor_.eos_id(); }
  int pad_id() const override { return processor_.pad_id(); }
  std::string id_to_piece(int id) const override { return processor_.IdToPiece(id); }

 private:
  sentencepiece::SentencePieceProcessor processor_;
};

// Feeds in-memory sentences to the trainer.
class LineIterator : public sentencepiece::SentenceIterator {
 public:
  explicit LineIterator(const std::vector<std::string>& lines) : lines_(lines) {}
  bool done() const override { return index_ >= lines_.size(); }
  void Next() override { ++index_; }
  const std::string& value() const override { return lines_[index_]; }
  sentencepiece::util::Status status() const override { return {}; }

 private:
  const std::vector<std::string>& lines_;
  std::size_t index_ = 0;
};

class Backend : public SentencePieceBackend {
 public:
  std::unique_ptr<SentencePieceModel> load(const std::string& path, std::string* error) const override {
    auto model = std::make_unique<ProcessorModel>();
    try {
      *error = model->load(path);
    } catch (const std::exception& e) {
      *error = e.what();
    }
    if (!error->empty()) return nullptr;
    return model;
  }
  std::string train(const std::unordered_map<std::string, std::string>& arguments,
                    const std::vector<std::string>* lines, std::uint32_t seed) const override {
    try {
      sentencepiece::SetRandomGeneratorSeed(seed);
      std::unique_ptr<LineIterator> iterator;
      if (lines != nullptr) iterator = std::make_unique<LineIterator>(*lines);
      const auto status = sentencepiece::SentencePieceTrainer::Train(arguments, iterator.get());
      return status.ok() ? std::string() : status.ToString();
    } catch (const std::exception& e) {  // SentencePiece's bundled protobuf throws on fatal checks.
      return e.what();
    }
  }
};

}  // namespace
}  // namespace sfar::text::detail

extern "C" const sfar::text::detail::SentencePieceBackend* sfar_sentencepiece_backend() {
  static const sfar::text::detail::Backend backend;
  return &backend;
}
