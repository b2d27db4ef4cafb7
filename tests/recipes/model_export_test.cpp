// Weight exports without the binary: the safetensors writer read back by sfar's own reader,
// the export names of an SFAR model, and loading an export's head (checked before copying).
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cstring>

#include "sfar/core/error.h"
#include "sfar/io/safetensors_reader.h"
#include "sfar/method/video_head.h"
#include "sfar/models/clip_loader.h"
#include "sfar/models/safetensors_writer.h"
#include "sfar/recipes/model_export.h"
#include "support/test_data.h"

namespace sfar::recipes {
namespace {

TEST(SafetensorsWriter, ReadsBackWithMetadataAndAlignedData) {
  test::TempDir dir;
  const std::string path = dir.file("t.safetensors");
  torch::manual_seed(0);
  const auto w = torch::randn({3, 5});
  const auto ids = torch::arange(7, torch::kInt64);
  const auto half = torch::randn({2, 2}).to(torch::kBFloat16);
  models::save_safetensors({{"w", w}, {"ids", ids}, {"half", half}, {"scalar", torch::tensor(2.5)}},
                           {{"format", "x"}, {"note", "a \"quoted\" value"}}, path);

  io::SafetensorsReader reader(path);
  EXPECT_EQ(reader.metadata().at("note"), "a \"quoted\" value");
  ASSERT_EQ(reader.tensors().size(), 4u);
  EXPECT_EQ(reader.entry("w").begin, 0u);  // the data section follows the order given
  EXPECT_EQ(reader.entry("ids").begin, 15u * 4);
  EXPECT_EQ(reader.entry("ids").dtype, "I64");
  EXPECT_EQ(reader.entry("half").dtype, "BF16");
  EXPECT_TRUE(reader.entry("scalar").shape.empty());
  const auto weights = models::read_clip_state_dict(path);  // floats come back as fp32
  EXPECT_TRUE(torch::equal(weights.at("w"), w));
  EXPECT_TRUE(torch::equal(weights.at("ids"), ids));
  EXPECT_TRUE(torch::equal(weights.at("half"), half.to(torch::kFloat32)));
  EXPECT_EQ(weights.at("scalar").item<float>(), 2.5f);
  const std::string bytes = models::safetensors_bytes({{"w", w}});
  std::uint64_t header = 0;
  std::memcpy(&header, bytes.data(), 8);
  EXPECT_EQ(header % 8, 0u);  // the data section starts 8-byte aligned
  EXPECT_EQ(bytes.size(), 8 + header + 15 * 4);
}

TEST(SafetensorsWriter, RejectsDuplicateNamesAndUnknownDtypes) {
  EXPECT_THROW(models::safetensors_bytes({{"a", torch::ones(1)}, {"a", torch::ones(1)}}), ArgumentError);
  EXPECT_THROW(models::safetensors_bytes({{"c", torch::ones(2, torch::kComplexFloat)}}), ArgumentError);
}

TEST(ModelExport, ClipKeepsOpenAiNamesAndTheHeadGetsItsPrefix) {
  torch::OrderedDict<std::string, torch::Tensor> state;
  state.insert("clip.visual.proj", torch::ones({4, 2}));
  state.insert("clip.logit_scale", torch::tensor(4.6));
  state.insert("head.ffn_fine.fc1.weight", torch::ones({2, 2}));
  const auto out = export_tensors(state, "ckpt.pt");
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0].first, "visual.proj");
  EXPECT_EQ(out[1].first, "logit_scale");
  EXPECT_EQ(out[2].first, "sfar_head.ffn_fine.fc1.weight");
  state.insert("other.x", torch::ones(1));
  EXPECT_THROW(export_tensors(state, "ckpt.pt"), ModelError);

  models::StateDict weights;
  for (const auto& [name, t] : out) weights[name] = t;
  const auto split = split_export(weights);
  EXPECT_EQ(split.clip.size(), 2u);
  ASSERT_EQ(split.head.size(), 1u);
  EXPECT_EQ(split.head.begin()->first, "ffn_fine.fc1.weight");
}

TEST(ModelExport, HeadWeightsAreCheckedBeforeAnythingIsCopied) {
  method::HeadOptions options;
  options.type = method::HeadType::kFine;
  method::VideoHead head(options, 4);
  models::StateDict good;
  for (const auto& item : head->named_parameters()) good[item.key()] = torch::full_like(item.value(), 0.5);
  load_head_weights(*head, good, "m.pt");
  EXPECT_TRUE(torch::equal(head->ffn_fine->fc1->weight, torch::full({4, 4}, 0.5)));

  auto misshaped = good;
  misshaped["ffn_fine.fc2.bias"] = torch::zeros({5});
  misshaped["ffn_fine.fc1.weight"] = torch::zeros({4, 4});
  try {
    load_head_weights(*head, misshaped, "m.pt");
    FAIL() << "a mis-shaped tensor must throw";
  } catch (const ModelError& e) {
    EXPECT_NE(std::string(e.what()).find("m.pt: sfar_head.ffn_fine.fc2.bias"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(torch::equal(head->ffn_fine->fc1->weight, torch::full({4, 4}, 0.5))) << "unchanged";

  auto extra = good;
  extra["coarse.w_q.weight"] = torch::zeros({4, 4});
  EXPECT_THROW(load_head_weights(*head, extra, "m.pt"), ModelError);
  auto missing = good;
  missing.erase("ffn_fine.fc1.bias");
  EXPECT_THROW(load_head_weights(*head, missing, "m.pt"), ModelError);
}

}  // namespace
}  // namespace sfar::recipes
