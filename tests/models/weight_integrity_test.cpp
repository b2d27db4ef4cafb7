// Weight files are checked on every load (core/file_integrity.h): a torch.save `.pt` through
// its zip CRC-32s, a safetensors file sfar wrote through its sfar_crc32 seal. A flipped byte is
// an error naming the file, never changed weights; files from other writers load as before.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <cstring>
#include <fstream>

#include "sfar/core/atomic_file.h"
#include "sfar/core/error.h"
#include "sfar/core/file_integrity.h"
#include "sfar/io/safetensors_reader.h"
#include "sfar/models/clip_loader.h"
#include "sfar/models/safetensors_writer.h"
#include "support/test_data.h"

namespace sfar::models {
namespace {

std::string flipped(std::string bytes, std::size_t at) {
  bytes[at] = static_cast<char>(bytes[at] ^ 0x01);
  return bytes;
}

std::vector<std::pair<std::string, torch::Tensor>> small_tensors() {
  torch::manual_seed(3);
  return {{"w", torch::randn({3, 5})}, {"b", torch::randn({5})}};
}

TEST(WeightIntegrity, SafetensorsAreSealedAndEveryFlippedByteIsRefused) {
  test::TempDir dir;
  const std::string good = dir.file("m.safetensors"), bad = dir.file("bad.safetensors");
  save_safetensors(small_tensors(), {{"format", "sfar-export-1"}, {"config", "head: {type: sfar}\n"}}, good);
  const std::string bytes = read_file(good);
  {
    io::SafetensorsReader reader(good);
    EXPECT_TRUE(reader.sealed());
    EXPECT_EQ(reader.metadata().at(kSafetensorsSealKey).size(), kSafetensorsSealDigits);
  }
  // The seal covers every byte: header length, header (names, shapes, metadata), padding, data.
  for (std::size_t at = 0; at < bytes.size(); ++at) {
    std::ofstream(bad, std::ios::binary | std::ios::trunc) << flipped(bytes, at);
    try {
      io::SafetensorsReader reader(bad);
      // Only a flip inside the seal's own key leaves a readable, unsealed file; its content is
      // then unchanged.
      EXPECT_FALSE(reader.sealed()) << "byte " << at << " loaded as sealed";
      const auto weights = read_clip_state_dict(bad);
      for (const auto& [name, t] : small_tensors()) EXPECT_TRUE(torch::equal(weights.at(name), t)) << at;
      EXPECT_EQ(reader.metadata().at("config"), "head: {type: sfar}\n") << at;
    } catch (const FormatError& e) {
      EXPECT_EQ(e.where().rfind(bad, 0), 0u) << e.what();
    }
  }
  write_file_atomic(bad, flipped(bytes, bytes.size() - 7));  // a tensor's byte
  try {
    read_clip_state_dict(bad);
    FAIL() << "a flipped weight loaded";
  } catch (const FormatError& e) {
    EXPECT_EQ(e.where(), bad);
    EXPECT_NE(e.message().find("do not match its sfar_crc32 seal"), std::string::npos) << e.what();
  }
  EXPECT_THROW(safetensors_bytes(small_tensors(), {{kSafetensorsSealKey, "x"}}), ArgumentError);
}

TEST(WeightIntegrity, SafetensorsFromOtherWritersLoadUnsealed) {
  // Written as Hugging Face's library does: no seal in the metadata.
  test::TempDir dir;
  const std::string path = dir.file("hf.safetensors");
  const float values[2] = {1.5f, -2.0f};
  std::string header = R"({"__metadata__":{"format":"pt"},"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})";
  header.append((8 - header.size() % 8) % 8, ' ');
  std::string file(8, '\0');
  const std::uint64_t length = header.size();
  std::memcpy(file.data(), &length, 8);
  file += header;
  file.append(reinterpret_cast<const char*>(values), sizeof values);
  write_file_atomic(path, file);
  io::SafetensorsReader reader(path);
  EXPECT_FALSE(reader.sealed());
  EXPECT_TRUE(torch::equal(read_clip_state_dict(path).at("x"), torch::tensor({1.5f, -2.0f})));
}

TEST(WeightIntegrity, AFlippedByteInATorchSaveFileIsAnErrorNamingIt) {
  test::TempDir dir;
  const std::string good = dir.file("m.pt"), bad = dir.file("bad.pt");
  StateDict weights;
  for (const auto& [name, t] : small_tensors()) weights[name] = t;
  save_clip_state_dict(weights, good);
  EXPECT_TRUE(verify_zip_records(good).sealed());
  const std::string bytes = read_file(good);
  // The bytes of "w" (15 floats) lie in record data/<i>; flip one in the middle of its values.
  const torch::Tensor w = weights.at("w");
  const std::string w_bytes(static_cast<const char*>(w.data_ptr()), w.numel() * 4);
  const auto at = bytes.find(w_bytes);
  ASSERT_NE(at, std::string::npos);
  write_file_atomic(bad, flipped(bytes, at + 30));
  try {
    read_clip_state_dict(bad);
    FAIL() << "a flipped weight loaded";
  } catch (const FormatError& e) {
    EXPECT_EQ(e.where(), bad);
    EXPECT_NE(e.message().find("fails its CRC-32 check"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace sfar::models
