// SafetensorsReader against the shared Hugging Face CLIP file and against crafted broken files:
// every error must name the file and, where there is one, the tensor.
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>

#include "sfar/core/error.h"
#include "sfar/io/safetensors_reader.h"
#include "support/test_data.h"

namespace sfar::io {
namespace {

// Writes a safetensors file: header length, `header` as given, then `data_bytes` bytes.
std::string write_file(const test::TempDir& dir, const std::string& name, const std::string& header,
                       std::size_t data_bytes, std::uint64_t declared_length = 0) {
  const std::string path = dir.file(name);
  std::ofstream out(path, std::ios::binary);
  std::uint64_t length = declared_length ? declared_length : header.size();
  for (int i = 0; i < 8; ++i) out.put(static_cast<char>((length >> (8 * i)) & 0xff));
  out << header << std::string(data_bytes, '\0');
  return path;
}

std::string entry(const std::string& dtype, const std::string& shape, std::uint64_t begin, std::uint64_t end) {
  return "{\"dtype\":\"" + dtype + "\",\"shape\":" + shape + ",\"data_offsets\":[" +
         std::to_string(begin) + "," + std::to_string(end) + "]}";
}

// The error text of opening `path`, or "" if it opened.
template <typename ErrorType>
std::string open_error(const std::string& path) {
  try {
    SafetensorsReader reader(path);
  } catch (const ErrorType& e) {
    return e.what();
  }
  return "";
}

TEST(SafetensorsReader, ReadsTheHuggingFaceClipFile) {
  const std::string path = test::reference_path("clip/vit_tiny/model.safetensors");
  ASSERT_TRUE(looks_like_safetensors(path));
  SafetensorsReader reader(path);
  EXPECT_EQ(reader.metadata().at("format"), "pt");
  const auto& embedding = reader.entry("text_model.embeddings.token_embedding.weight");
  EXPECT_EQ(embedding.dtype, "F32");
  EXPECT_EQ(embedding.shape, (std::vector<std::int64_t>{49408, 128}));
  const auto& ids = reader.entry("vision_model.embeddings.position_ids");
  EXPECT_EQ(ids.dtype, "I64");
  std::vector<std::int64_t> values(17);
  std::memcpy(values.data(), reader.bytes(ids), values.size() * sizeof(std::int64_t));
  for (std::int64_t i = 0; i < 17; ++i) EXPECT_EQ(values[i], i);  // position_ids are 0..16
  EXPECT_TRUE(reader.entry("logit_scale").shape.empty());
  EXPECT_THROW(reader.entry("no.such.tensor"), FormatError);
}

TEST(SafetensorsReader, ReadsValuesAndScalars) {
  test::TempDir dir;
  const std::string header = "{\"a\":" + entry("F32", "[2]", 0, 8) + ",\"b\":" + entry("I64", "[]", 8, 16) +
                             ",\"__metadata__\":{\"k\":\"v\"}}";
  const std::string path = dir.file("ok.safetensors");
  {
    std::ofstream out(path, std::ios::binary);
    std::uint64_t length = header.size();
    out.write(reinterpret_cast<const char*>(&length), 8);  // little-endian host
    const float a[2] = {1.5f, -2.0f};
    const std::int64_t b = 42;
    out << header;
    out.write(reinterpret_cast<const char*>(a), sizeof a).write(reinterpret_cast<const char*>(&b), 8);
  }
  SafetensorsReader reader(path);
  ASSERT_EQ(reader.tensors().size(), 2u);
  float a[2];
  std::memcpy(a, reader.bytes(reader.entry("a")), sizeof a);
  EXPECT_EQ(a[0], 1.5f);
  EXPECT_EQ(a[1], -2.0f);
  std::int64_t b = 0;
  std::memcpy(&b, reader.bytes(reader.entry("b")), 8);
  EXPECT_EQ(b, 42);
  EXPECT_EQ(reader.metadata().at("k"), "v");
}

TEST(SafetensorsReader, TruncatedFileNamesTheFile) {
  test::TempDir dir;
  const std::string path = dir.file("short.safetensors");
  std::ofstream(path, std::ios::binary) << "abc";
  const auto message = open_error<FormatError>(path);
  EXPECT_NE(message.find(path), std::string::npos) << message;
  EXPECT_NE(message.find("shorter than the 8-byte"), std::string::npos) << message;
  EXPECT_FALSE(looks_like_safetensors(path));
}

TEST(SafetensorsReader, HeaderLongerThanFile) {
  test::TempDir dir;
  const auto path = write_file(dir, "long.safetensors", "{}", 0, /*declared_length=*/1000);
  const auto message = open_error<FormatError>(path);
  EXPECT_NE(message.find(path), std::string::npos) << message;
  EXPECT_NE(message.find("exceeds the file size"), std::string::npos) << message;
  EXPECT_NE(message.find("1000"), std::string::npos) << message;
}

TEST(SafetensorsReader, GarbageHeader) {
  test::TempDir dir;
  const auto path = write_file(dir, "garbage.safetensors", "{not json at all", 0);
  const auto message = open_error<FormatError>(path);
  EXPECT_NE(message.find(path), std::string::npos) << message;
  EXPECT_NE(message.find("not valid JSON"), std::string::npos) << message;
}

// Found by fuzz_safetensors: nlohmann::json reports a number too large for a double as
// out_of_range, not parse_error, and it escaped the reader.
TEST(SafetensorsReader, NumberTooLargeInHeader) {
  test::TempDir dir;
  const auto path = write_file(dir, "huge.safetensors", "33333E33333333333333311x", 0);
  const auto message = open_error<FormatError>(path);
  EXPECT_NE(message.find("not valid JSON"), std::string::npos) << message;
}

TEST(SafetensorsReader, OverlappingOffsetsNameBothTensors) {
  test::TempDir dir;
  const auto path = write_file(dir, "overlap.safetensors",
                               "{\"first\":" + entry("F32", "[4]", 0, 16) + ",\"second\":" +
                                   entry("F32", "[4]", 8, 24) + "}", 24);
  const auto message = open_error<FormatError>(path);
  EXPECT_NE(message.find(path), std::string::npos) << message;
  EXPECT_NE(message.find("'second'"), std::string::npos) << message;
  EXPECT_NE(message.find("overlaps tensor 'first'"), std::string::npos) << message;
}

TEST(SafetensorsReader, OffsetsOutsideTheData) {
  test::TempDir dir;
  const auto path = write_file(dir, "range.safetensors", "{\"w\":" + entry("F32", "[4]", 0, 16) + "}", 8);
  const auto message = open_error<FormatError>(path);
  EXPECT_NE(message.find(path + ": tensor 'w'"), std::string::npos) << message;
  EXPECT_NE(message.find("outside the data section"), std::string::npos) << message;
}

TEST(SafetensorsReader, OverflowingOffsetsAndShapes) {
  test::TempDir dir;
  const auto offsets = write_file(dir, "overflow.safetensors",
                                  "{\"w\":" + entry("F32", "[4]", 18446744073709551600ull, 18446744073709551615ull) + "}", 16);
  auto message = open_error<FormatError>(offsets);
  EXPECT_NE(message.find(offsets + ": tensor 'w'"), std::string::npos) << message;
  const auto shape = write_file(dir, "shape.safetensors",
                                "{\"w\":" + entry("F32", "[4294967296,4294967296,16]", 0, 16) + "}", 16);
  message = open_error<FormatError>(shape);
  EXPECT_NE(message.find(shape + ": tensor 'w'"), std::string::npos) << message;
  EXPECT_NE(message.find("overflows"), std::string::npos) << message;
}

TEST(SafetensorsReader, SizeMustMatchShapeAndDtype) {
  test::TempDir dir;
  const auto path = write_file(dir, "size.safetensors", "{\"w\":" + entry("F16", "[2, 3]", 0, 16) + "}", 16);
  const auto message = open_error<FormatError>(path);
  EXPECT_NE(message.find(path + ": tensor 'w'"), std::string::npos) << message;
  EXPECT_NE(message.find("span 16 bytes but F16 [2, 3] needs 12"), std::string::npos) << message;
}

TEST(SafetensorsReader, UnknownDtypeAndMalformedEntry) {
  test::TempDir dir;
  const auto dtype = write_file(dir, "dtype.safetensors", "{\"w\":" + entry("F8_E9", "[2]", 0, 2) + "}", 2);
  auto message = open_error<FormatError>(dtype);
  EXPECT_NE(message.find(dtype + ": tensor 'w'"), std::string::npos) << message;
  EXPECT_NE(message.find("F8_E9"), std::string::npos) << message;
  const auto bad = write_file(dir, "entry.safetensors", "{\"w\":{\"dtype\":\"F32\"}}", 0);
  message = open_error<FormatError>(bad);
  EXPECT_NE(message.find(bad + ": tensor 'w'"), std::string::npos) << message;
}

TEST(SafetensorsReader, MissingFileIsIoError) {
  const auto message = open_error<IoError>("/nonexistent/model.safetensors");
  EXPECT_NE(message.find("/nonexistent/model.safetensors"), std::string::npos) << message;
}

}  // namespace
}  // namespace sfar::io
