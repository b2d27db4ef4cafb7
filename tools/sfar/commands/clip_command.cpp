// CLIP embeddings (recipes/clip_encoding.h; `sfar info` is info_command.cpp):
//   sfar encode-image --weights W IMAGE...        {"image", "embedding"} per image
//   sfar encode-text --weights W --vocab V --input texts.jsonl
//                                                 {"text", "tokens", "embedding"} per line
// Embeddings are unnormalised (OpenAI's encode_image / encode_text).
#include "../command.h"
#include "sfar/core/error.h"
#include "sfar/recipes/clip_encoding.h"

namespace sfar::cli {
namespace {

// The texts of --input: per record a JSON string or {"text": "..."}; FormatError naming the record.
std::vector<std::string> read_texts(const std::string& input) {
  const auto lines = read_json_lines(input);
  std::vector<std::string> texts;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const auto& line = lines[i].value;
    if (line.is_string()) {
      texts.push_back(line.get<std::string>());
    } else if (line.is_object() && line.contains("text") && line["text"].is_string()) {
      texts.push_back(line["text"].get<std::string>());
    } else {
      throw FormatError(input + ": record " + std::to_string(i + 1), "expected {\"text\": \"...\"} or a JSON string",
                        line.dump());
    }
  }
  return texts;
}

void add_model_options(CLI::App* command, recipes::ClipEncodeOptions& options) {
  command->add_option("--weights", options.weights,
                      "CLIP weights: OpenAI .pt (TorchScript), torch.save state_dict or HF model.safetensors")
      ->required();
  add_enum_option(command, "--activation", options.activation, activation_setting_names(), kActivationHelp);
  command->add_option("--device", options.device, "auto, cpu, cuda or cuda:N")->capture_default_str();
  add_enum_option(command, "--precision", options.precision, engine::precisions(), "fp32, or bf16 (autocast)");
  command->add_option("--batch", options.batch, "Items per forward pass")->capture_default_str();
}

}  // namespace

void add_encode_command(CLI::App& app, CommandContext& context) {
  auto image_options = std::make_shared<recipes::ClipEncodeOptions>();
  auto images = std::make_shared<std::vector<std::string>>();
  auto* image = app.add_subcommand("encode-image", "CLIP image embeddings, one JSON line per image");
  add_model_options(image, *image_options);
  image->add_option("images", *images, "Image files")->required();
  context.on_run(image, [image_options, images] {
    recipes::encode_images(*image_options, *images, print_json_line);
    return 0;
  });

  auto text_options = std::make_shared<recipes::ClipEncodeOptions>();
  auto input = std::make_shared<std::string>();
  auto& spec = text_options->tokenizer;
  auto* text = app.add_subcommand("encode-text", "CLIP text embeddings, one JSON line per input text");
  add_model_options(text, *text_options);
  text->add_option("--input", *input, "JSON Lines of {\"text\": ...} (\"-\" = stdin)")->required();
  text->add_option("--vocab", spec.vocab, "Tokenizer vocabulary (bpe_simple_vocab_16e6.txt.gz, .model)")->required();
  add_enum_option(text, "--tokenizer", spec.kind, tokenizer_kind_names(), "The tokenizer's kind");
  text->add_option("--merges", spec.merges, "merges.txt beside a Hugging Face vocab.json");
  context.on_run(text, [text_options, input] {
    recipes::encode_texts(*text_options, read_texts(*input), print_json_line);
    return 0;
  });
}

}  // namespace sfar::cli
