#include "sfar/models/safetensors_writer.h"

#include <nlohmann/json.hpp>

#include <cstring>
#include <set>

#include "sfar/core/atomic_file.h"
#include "sfar/core/error.h"
#include "sfar/core/file_integrity.h"

namespace sfar::models {

std::string safetensors_dtype(torch::Dtype dtype, const std::string& where) {
  switch (dtype) {
    case torch::kFloat64: return "F64";
    case torch::kFloat32: return "F32";
    case torch::kFloat16: return "F16";
    case torch::kBFloat16: return "BF16";
    case torch::kInt64: return "I64";
    case torch::kInt32: return "I32";
    case torch::kInt16: return "I16";
    case torch::kInt8: return "I8";
    case torch::kUInt8: return "U8";
    case torch::kBool: return "BOOL";
    default: break;
  }
  throw ArgumentError(where, "dtype has no safetensors name", c10::toString(dtype));
}

std::string safetensors_bytes(const std::vector<std::pair<std::string, torch::Tensor>>& tensors,
                              const std::map<std::string, std::string>& metadata) {
  static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "safetensors data is little-endian");
  // ordered_json keeps the tensors in the order given, so the data section follows it.
  if (metadata.count(kSafetensorsSealKey)) {
    throw ArgumentError(std::string("safetensors metadata '") + kSafetensorsSealKey + "'",
                        "reserved for the file's seal");
  }
  // The seal's placeholder, replaced by the file's CRC-32 once every byte is in place.
  auto sealed_metadata = metadata;
  sealed_metadata[kSafetensorsSealKey] = std::string(kSafetensorsSealDigits, '0');
  nlohmann::ordered_json header = nlohmann::ordered_json::object();
  header["__metadata__"] = sealed_metadata;
  std::vector<torch::Tensor> data;
  std::set<std::string> names;
  std::uint64_t offset = 0;
  for (const auto& [name, tensor] : tensors) {
    if (name == "__metadata__" || !names.insert(name).second) {
      throw ArgumentError("safetensors tensor '" + name + "'", "name reserved or given twice");
    }
    auto t = tensor.detach().to(torch::kCPU).contiguous();
    const std::uint64_t size = t.numel() * t.element_size();
    header[name] = {{"dtype", safetensors_dtype(t.scalar_type(), "safetensors tensor '" + name + "'")},
                    {"shape", t.sizes().vec()},
                    {"data_offsets", {offset, offset + size}}};
    offset += size;
    data.push_back(std::move(t));
  }
  std::string json = header.dump();
  json.append((8 - json.size() % 8) % 8, ' ');  // the data section starts 8-byte aligned
  std::string out(8, '\0');
  std::uint64_t length = json.size();
  std::memcpy(out.data(), &length, 8);
  out.reserve(8 + json.size() + offset);
  out += json;
  for (const auto& t : data) out.append(static_cast<const char*>(t.data_ptr()), t.numel() * t.element_size());
  seal_safetensors(out);
  return out;
}

void save_safetensors(const std::vector<std::pair<std::string, torch::Tensor>>& tensors,
                      const std::map<std::string, std::string>& metadata, const std::string& path) {
  write_file_atomic(path, safetensors_bytes(tensors, metadata));
}

}  // namespace sfar::models
