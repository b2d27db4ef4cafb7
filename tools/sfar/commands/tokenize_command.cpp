// `sfar tokenize --vocab V --input texts.jsonl [--merges M] [--tokenizer clip_bpe|sentencepiece]`:
// reads {"text": ...} lines ("-" = stdin) and prints {"text": ..., "ids": [...]} per line, the ids
// of the text alone (no start/end tokens).
#include "../command.h"
#include "sfar/core/error.h"
#include "sfar/text/tokenizer.h"

namespace sfar::cli {
namespace {

struct TokenizeOptions {
  text::TokenizerSpec spec;
  std::string input;
};

int run_tokenize(const TokenizeOptions& options) {
  const auto tokenizer = text::load_tokenizer(options.spec);
  const auto records = read_json_lines(options.input);
  for (std::size_t i = 0; i < records.size(); ++i) {
    const auto& record = records[i].value;
    const auto text = record.is_object() ? record.find("text") : record.end();
    if (!record.is_object() || text == record.end() || !text->is_string()) {
      const std::string where = options.input == "-" ? "stdin: record " + std::to_string(i + 1)
                                                      : options.input + ":" + std::to_string(records[i].line);
      throw FormatError(where, "expected an object with a string \"text\"",
                        record.dump());
    }
    print_json_line({{"text", *text}, {"ids", tokenizer->encode(text->get<std::string>())}});
  }
  return 0;
}

}  // namespace

void add_tokenize_command(CLI::App& app, CommandContext& context) {
  auto options = std::make_shared<TokenizeOptions>();
  auto* command = app.add_subcommand("tokenize", "Print the token ids of texts read as JSON lines");
  command->add_option("--vocab", options->spec.vocab,
                      "bpe_simple_vocab_16e6.txt.gz, a Hugging Face vocab.json, or a SentencePiece .model")
      ->required();
  command->add_option("--input", options->input, "JSON lines {\"text\": ...}; - for stdin")->required();
  command->add_option("--merges", options->spec.merges, "merges.txt beside a vocab.json");
  add_enum_option(command, "--tokenizer", options->spec.kind, tokenizer_kind_names(), "Tokenizer kind");
  context.on_run(command, [options] { return run_tokenize(*options); });
}

}  // namespace sfar::cli
