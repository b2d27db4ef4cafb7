// `sfar tokenizer train --input corpus.txt --out prefix --vocab-size N`: trains a SentencePiece
// model (pad 0, unk 1, bos 2, eos 3) and prints {"model": path, "vocab_size": N}.
#include "../command.h"
#include "sfar/text/sentencepiece_tokenizer.h"

namespace sfar::cli {
namespace {

struct TrainOptions {
  std::string input;
  text::SentencePieceTrainOptions train;
};

int run_tokenizer_train(const TrainOptions& options) {
  const std::string model = text::train_sentencepiece(options.input, options.train);
  const text::SentencePieceTokenizer tokenizer(model);
  print_json_line({{"model", model}, {"vocab_size", tokenizer.vocab_size()}});
  return 0;
}

}  // namespace

void add_tokenizer_command(CLI::App& app, CommandContext& context) {
  auto* tokenizer = app.add_subcommand("tokenizer", "Build tokenizers");
  tokenizer->require_subcommand(1);
  auto options = std::make_shared<TrainOptions>();
  auto* train = tokenizer->add_subcommand("train", "Train a SentencePiece model on a text corpus");
  train->add_option("--input", options->input, "Corpus: one sentence per line")->required();
  train->add_option("--out", options->train.model_prefix, "Model prefix: writes <out>.model and <out>.vocab")
      ->required();
  train->add_option("--vocab-size", options->train.vocab_size, "Number of pieces")->required();
  add_enum_option(train, "--model-type", options->train.model_type, text::sentencepiece_model_type_names(),
                  "SentencePiece's segmentation algorithm");
  train->add_option("--character-coverage", options->train.character_coverage,
                    "Share of characters covered (0.9995 for large CJK alphabets)")
      ->capture_default_str();
  train->add_option("--max-sentences", options->train.max_sentences, "Sample this many lines (0: all)")
      ->capture_default_str();
  train->add_option("--threads", options->train.threads, "Training threads")->capture_default_str();
  context.on_run(train, [options] { return run_tokenizer_train(*options); });
}

}  // namespace sfar::cli
