// Writes small `.safetensors` files for the tensor-clip tests (io/tensor_clip.h): one tensor
// `name` of `dtype` and `shape` (JSON, e.g. "[4,2,3,3]") whose `bytes` bytes are byte(i).
#pragma once

#include <cstdint>
#include <fstream>
#include <functional>
#include <string>

namespace sfar::test {

inline void write_tensor_file(const std::string& path, const std::string& name, const std::string& dtype,
                              const std::string& shape, std::size_t bytes,
                              const std::function<std::uint8_t(std::size_t)>& byte) {
  const std::string header = "{\"" + name + "\":{\"dtype\":\"" + dtype + "\",\"shape\":" + shape +
                             ",\"data_offsets\":[0," + std::to_string(bytes) + "]}}";
  std::ofstream out(path, std::ios::binary);
  for (int i = 0; i < 8; ++i) out.put(static_cast<char>((header.size() >> (8 * i)) & 0xff));
  out << header;
  for (std::size_t i = 0; i < bytes; ++i) out.put(static_cast<char>(byte(i)));
}

}  // namespace sfar::test
