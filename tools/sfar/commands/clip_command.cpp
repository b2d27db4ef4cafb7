// CLIP embeddings (`sfar info` is info_command.cpp):
//   sfar encode-image --weights W IMAGE...        {"image", "embedding"} per image
//   sfar encode-text --weights W --vocab V --input texts.jsonl
//                                                 {"text", "tokens", "embedding"} per line
// Embeddings are unnormalised (OpenAI's encode_image / encode_text).
#include <torch/torch.h>

#include "../command.h"
#include "sfar/core/error.h"
#include "sfar/core/runtime.h"
#include "sfar/core/torch_compat.h"
#include "sfar/engine/precision.h"
#include "sfar/models/clip_loader.h"
#include "sfar/models/clip_preprocess.h"
#include "sfar/text/tokenizer.h"

namespace sfar::cli {
namespace {

struct EncodeOptions {
  std::string weights;
  ActivationSetting activation = ActivationSetting::kAuto;
  std::string device = "auto";
  engine::Precision precision = engine::Precision::kFp32;
  std::int64_t batch = 16;
  std::vector<std::string> images;
  // encode-text
  std::string input;
  TokenizerKind tokenizer = TokenizerKind::kClipBpe;
  std::string vocab;
  std::string merges;
};

// [D] tensor -> its values (fp32 CPU copy).
std::vector<float> tensor_to_vector(const torch::Tensor& vector) {
  const auto values = vector.detach().to(torch::kCPU, torch::kFloat32).contiguous();
  return {values.data_ptr<float>(), values.data_ptr<float>() + values.numel()};
}

// Runs `encode` on the chosen device, under bf16 autocast when asked; returns fp32 CPU.
template <typename Encode>
torch::Tensor run_encoder(const EncodeOptions& options, const torch::Device& device, Encode encode) {
  torch::NoGradGuard no_grad;
  if (options.precision == engine::Precision::kBf16) {
    compat::AutocastGuard autocast(device.type(), torch::kBFloat16);
    return encode().to(torch::kCPU, torch::kFloat32);
  }
  return encode().to(torch::kCPU, torch::kFloat32);
}

// Embeddings need no loss scaling, so fp16 (which the trainer pairs with it) is not offered.
void check_precision(engine::Precision precision) {
  if (precision == engine::Precision::kFp16) {
    throw ArgumentError("--precision", "expected fp32 or bf16", engine::to_string(precision));
  }
}

int run_encode_image(const EncodeOptions& options) {
  check_precision(options.precision);
  if (options.batch <= 0) throw ArgumentError("--batch", "must be positive", std::to_string(options.batch));
  const torch::Device device(resolve_device(options.device));
  models::ClipModel model = models::load_clip(options.weights, {options.activation, "--activation"}, device);
  const auto resolution = model->config().image_resolution;
  for (std::size_t start = 0; start < options.images.size(); start += options.batch) {
    const auto end = std::min(options.images.size(), start + static_cast<std::size_t>(options.batch));
    std::vector<torch::Tensor> batch;
    for (auto i = start; i < end; ++i) batch.push_back(models::load_clip_image(options.images[i], resolution));
    const auto images = torch::stack(batch).to(device);
    const auto features = run_encoder(options, device, [&] { return model->encode_image(images); });
    for (auto i = start; i < end; ++i) {
      print_json_line({{"image", options.images[i]}, {"embedding", tensor_to_vector(features[i - start])}});
    }
  }
  return 0;
}

int run_encode_text(const EncodeOptions& options) {
  check_precision(options.precision);
  if (options.batch <= 0) throw ArgumentError("--batch", "must be positive", std::to_string(options.batch));
  const auto tokenizer = text::load_tokenizer({options.tokenizer, options.vocab, options.merges});
  const torch::Device device(resolve_device(options.device));
  models::ClipModel model = models::load_clip(options.weights, {options.activation, "--activation"}, device);
  model->set_eot_token_id(tokenizer->end_id());
  const auto lines = read_json_lines(options.input);
  std::vector<std::string> texts;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const auto& line = lines[i].value;
    if (line.is_string()) {
      texts.push_back(line.get<std::string>());
    } else if (line.is_object() && line.contains("text") && line["text"].is_string()) {
      texts.push_back(line["text"].get<std::string>());
    } else {
      throw FormatError(options.input + ": record " + std::to_string(i + 1),
                        "expected {\"text\": \"...\"} or a JSON string", line.dump());
    }
  }
  const auto context = model->config().context_length;
  for (std::size_t start = 0; start < texts.size(); start += options.batch) {
    const auto end = std::min(texts.size(), start + static_cast<std::size_t>(options.batch));
    std::vector<std::vector<std::int64_t>> ids;
    std::vector<torch::Tensor> rows;
    for (auto i = start; i < end; ++i) {
      ids.push_back(tokenizer->tokenize(texts[i], context));
      rows.push_back(torch::tensor(ids.back(), torch::kInt64));
    }
    const auto tokens = torch::stack(rows).to(device);
    const auto features = run_encoder(options, device, [&] { return model->encode_text(tokens); });
    for (auto i = start; i < end; ++i) {
      print_json_line({{"text", texts[i]},
                       {"tokens", ids[i - start]},
                       {"embedding", tensor_to_vector(features[i - start])}});
    }
  }
  return 0;
}

void add_model_options(CLI::App* command, EncodeOptions& options) {
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
  auto image_options = std::make_shared<EncodeOptions>();
  auto* image = app.add_subcommand("encode-image", "CLIP image embeddings, one JSON line per image");
  add_model_options(image, *image_options);
  image->add_option("images", image_options->images, "Image files")->required();
  context.on_run(image, [image_options] { return run_encode_image(*image_options); });

  auto text_options = std::make_shared<EncodeOptions>();
  auto* text = app.add_subcommand("encode-text", "CLIP text embeddings, one JSON line per input text");
  add_model_options(text, *text_options);
  text->add_option("--input", text_options->input, "JSON Lines of {\"text\": ...} (\"-\" = stdin)")->required();
  text->add_option("--vocab", text_options->vocab, "Tokenizer vocabulary (bpe_simple_vocab_16e6.txt.gz, .model)")
      ->required();
  add_enum_option(text, "--tokenizer", text_options->tokenizer, tokenizer_kind_names(), "The tokenizer's kind");
  text->add_option("--merges", text_options->merges, "merges.txt beside a Hugging Face vocab.json");
  context.on_run(text, [text_options] { return run_encode_text(*text_options); });
}

}  // namespace sfar::cli
