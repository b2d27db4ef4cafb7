// libFuzzer target: CLIP's byte-level BPE tokenizer on arbitrary text (any bytes, invalid
// UTF-8 included). The vocabulary is loaded once from $SFAR_DATA_DIR/clip. Every id must be
// inside the vocabulary and decode() must accept them back.
#include <memory>

#include "fuzz_support.h"
#include "sfar/text/clip_bpe_tokenizer.h"

namespace {

const sfar::text::ClipBpeTokenizer& tokenizer() {
  static const std::unique_ptr<sfar::text::ClipBpeTokenizer> tok =
      sfar::text::ClipBpeTokenizer::from_gzip(sfar::fuzz::data_dir() + "/clip/bpe_simple_vocab_16e6.txt.gz");
  return *tok;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  (void)tokenizer();  // a missing vocabulary fails here, before any input
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  return sfar::fuzz::run_expecting_sfar_errors([&] {
    const auto& tok = tokenizer();
    const std::vector<std::int64_t> ids = tok.encode(text);
    for (std::int64_t id : ids) {
      if (id < 0 || id >= tok.vocab_size()) std::abort();
    }
    (void)tok.decode(ids);
    if (tok.tokenize(text).size() != 77) std::abort();
  });
}
