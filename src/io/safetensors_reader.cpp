#include "sfar/io/safetensors_reader.h"

#include <algorithm>
#include <cstring>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>

#include "sfar/core/error.h"
#include "sfar/core/file_integrity.h"

namespace sfar::io {
namespace {

constexpr std::size_t kLengthBytes = 8;
// Real headers are a few hundred KiB at most; a larger value means a corrupt file.
constexpr std::uint64_t kMaxHeaderBytes = 100ull << 20;

std::uint64_t read_le64(const unsigned char* p) {
  std::uint64_t value = 0;
  for (int i = 7; i >= 0; --i) value = (value << 8) | p[i];
  return value;
}

std::string shape_text(const std::vector<std::int64_t>& shape) {
  std::string text = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) text += (i ? ", " : "") + std::to_string(shape[i]);
  return text + "]";
}

// a * b, or false when it overflows.
bool checked_mul(std::uint64_t a, std::uint64_t b, std::uint64_t& out) {
  if (a != 0 && b > std::numeric_limits<std::uint64_t>::max() / a) return false;
  out = a * b;
  return true;
}

}  // namespace

std::size_t safetensors_dtype_size(const std::string& dtype) {
  static const std::map<std::string, std::size_t> kSizes = {
      {"F64", 8}, {"F32", 4}, {"F16", 2}, {"BF16", 2}, {"I64", 8}, {"U64", 8}, {"I32", 4},
      {"U32", 4}, {"I16", 2}, {"U16", 2}, {"I8", 1},   {"U8", 1},  {"BOOL", 1}};
  auto found = kSizes.find(dtype);
  if (found == kSizes.end()) throw FormatError("safetensors dtype", "unknown dtype", dtype);
  return found->second;
}

bool looks_like_safetensors(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  unsigned char head[kLengthBytes + 1];
  if (!file.read(reinterpret_cast<char*>(head), sizeof head)) return false;
  const std::uint64_t length = read_le64(head);
  return length >= 2 && length <= kMaxHeaderBytes && head[kLengthBytes] == '{';
}

SafetensorsReader::SafetensorsReader(std::string path) : path_(std::move(path)), file_(path_) {
  if (file_.size() < kLengthBytes) {
    throw FormatError(path_, "file is shorter than the 8-byte safetensors header length",
                      std::to_string(file_.size()) + " bytes");
  }
  const unsigned char* base = file_.data();
  const std::uint64_t header_length = read_le64(base);
  if (header_length > file_.size() - kLengthBytes || header_length > kMaxHeaderBytes) {
    throw FormatError(path_, "safetensors header length exceeds the file size (" + std::to_string(file_.size()) +
                                 " bytes)",
                      std::to_string(header_length));
  }
  data_start_ = kLengthBytes + static_cast<std::size_t>(header_length);
  sealed_ = verify_safetensors_seal(base, file_.size(), path_);  // first: a flipped byte reads as such
  parse_header(std::string(reinterpret_cast<const char*>(base + kLengthBytes), static_cast<std::size_t>(header_length)));
  if (!sealed_ && metadata_.count(kSafetensorsSealKey)) {
    throw FormatError(path_ + ": __metadata__." + kSafetensorsSealKey,
                      "not where sfar's writer puts it (the header was rewritten?): cannot check the file");
  }
}

void SafetensorsReader::parse_header(const std::string& header) {
  nlohmann::json json;
  try {
    json = nlohmann::json::parse(header);
  } catch (const nlohmann::json::exception& e) {  // parse_error, and out_of_range for huge numbers
    throw FormatError(path_, std::string("safetensors header is not valid JSON: ") + e.what());
  }
  if (!json.is_object()) throw FormatError(path_, "safetensors header is not a JSON object");

  const std::uint64_t data_size = file_.size() - data_start_;
  for (const auto& [name, value] : json.items()) {
    const std::string where = path_ + ": tensor '" + name + "'";
    if (name == "__metadata__") {
      if (!value.is_object()) throw FormatError(path_ + ": __metadata__", "is not an object");
      for (const auto& [key, text] : value.items()) {
        if (!text.is_string())
          throw FormatError(path_ + ": __metadata__." + key, "is not a string", text.dump());
        metadata_[key] = text.get<std::string>();
      }
      continue;
    }
    if (!value.is_object() || !value.contains("dtype") || !value.contains("shape") ||
        !value.contains("data_offsets")) {
      throw FormatError(where, "entry needs dtype, shape and data_offsets", value.dump());
    }
    SafetensorsEntry entry;
    entry.name = name;
    const auto& dtype = value["dtype"];
    if (!dtype.is_string()) throw FormatError(where, "dtype is not a string", dtype.dump());
    entry.dtype = dtype.get<std::string>();
    std::size_t element_size = 0;
    try {
      element_size = safetensors_dtype_size(entry.dtype);
    } catch (const FormatError&) {
      throw FormatError(where, "unknown dtype", entry.dtype);
    }
    const auto& shape = value["shape"];
    if (!shape.is_array()) throw FormatError(where, "shape is not an array", shape.dump());
    std::uint64_t bytes = element_size;
    for (const auto& dim : shape) {
      if (!dim.is_number_unsigned()) throw FormatError(where, "shape has a bad dimension", shape.dump());
      const std::uint64_t size = dim.get<std::uint64_t>();
      if (size > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()) ||
          !checked_mul(bytes, size, bytes)) {
        throw FormatError(where, "shape overflows", shape.dump());
      }
      entry.shape.push_back(static_cast<std::int64_t>(size));
    }
    const auto& offsets = value["data_offsets"];
    if (!offsets.is_array() || offsets.size() != 2 || !offsets[0].is_number_unsigned() ||
        !offsets[1].is_number_unsigned()) {
      throw FormatError(where, "data_offsets must be two non-negative integers", offsets.dump());
    }
    entry.begin = offsets[0].get<std::uint64_t>();
    entry.end = offsets[1].get<std::uint64_t>();
    if (entry.begin > entry.end || entry.end > data_size) {
      throw FormatError(where, "data_offsets fall outside the data section (" +
                                   std::to_string(data_size) + " bytes)", offsets.dump());
    }
    if (entry.end - entry.begin != bytes) {
      throw FormatError(where, "data_offsets span " + std::to_string(entry.end - entry.begin) +
                                   " bytes but " + entry.dtype + " " + shape_text(entry.shape) +
                                   " needs " + std::to_string(bytes), offsets.dump());
    }
    index_[name] = entries_.size();
    entries_.push_back(std::move(entry));
  }

  // Tensors may not share bytes: sort by start and compare neighbours.
  std::vector<const SafetensorsEntry*> by_offset;
  for (const auto& entry : entries_) {
    if (entry.end > entry.begin) by_offset.push_back(&entry);
  }
  std::sort(by_offset.begin(), by_offset.end(),
            [](const auto* a, const auto* b) { return a->begin < b->begin; });
  for (std::size_t i = 1; i < by_offset.size(); ++i) {
    if (by_offset[i]->begin < by_offset[i - 1]->end) {
      throw FormatError(path_ + ": tensor '" + by_offset[i]->name + "'",
                        "data overlaps tensor '" + by_offset[i - 1]->name + "'",
                        "[" + std::to_string(by_offset[i]->begin) + ", " +
                            std::to_string(by_offset[i]->end) + "]");
    }
  }
}

bool SafetensorsReader::contains(const std::string& name) const { return index_.count(name) > 0; }

const SafetensorsEntry& SafetensorsReader::entry(const std::string& name) const {
  auto found = index_.find(name);
  if (found == index_.end()) throw FormatError(path_ + ": tensor '" + name + "'", "not in the file");
  return entries_[found->second];
}

const std::byte* SafetensorsReader::bytes(const SafetensorsEntry& entry) const {
  return reinterpret_cast<const std::byte*>(file_.data()) + data_start_ + entry.begin;
}

}  // namespace sfar::io
