// Writes `.safetensors` files, the counterpart of io::SafetensorsReader: an 8-byte
// little-endian header length, a JSON header {"name": {"dtype", "shape", "data_offsets"},
// "__metadata__": {string: string}} padded with spaces to a multiple of 8 bytes, then the raw
// little-endian tensor bytes in header order. Python's `safetensors.torch.load_file` reads
// them. The metadata always holds `sfar_crc32`, the seal that sfar's reader checks
// (core/file_integrity.h); other readers ignore it. Writes are atomic (temporary file, fsync, rename).
//
//   save_safetensors({{"w", torch::ones({2, 3})}}, {{"format", "sfar-export-1"}}, "m.safetensors");
#pragma once

#include <torch/torch.h>

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace sfar::models {

// The file's bytes. Tensors are written contiguous from the CPU, in the order given; names
// must be unique and dtypes one of F64/F32/F16/BF16/I64/I32/I16/I8/U8/BOOL (ArgumentError
// naming the tensor otherwise); `metadata` may not use the seal's key.
std::string safetensors_bytes(const std::vector<std::pair<std::string, torch::Tensor>>& tensors,
                              const std::map<std::string, std::string>& metadata = {});

void save_safetensors(const std::vector<std::pair<std::string, torch::Tensor>>& tensors,
                      const std::map<std::string, std::string>& metadata, const std::string& path);

// safetensors' dtype name of a tensor dtype ("F32", ...); ArgumentError naming `where` when
// safetensors has none.
std::string safetensors_dtype(torch::Dtype dtype, const std::string& where);

}  // namespace sfar::models
