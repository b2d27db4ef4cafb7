// Reads Hugging Face `.safetensors` files: an 8-byte little-endian header length, a JSON
// header `{"name": {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {...}}`,
// then the raw tensor bytes. Every entry is validated on open (known dtype, offsets inside
// the file, no overlaps, size == numel * element size), so that a corrupt or hostile file is
// a FormatError naming the file and the tensor, never an out-of-bounds read. The file is
// memory-mapped; tensor bytes stay valid while the reader lives. A file sfar wrote carries a
// CRC-32 seal in its metadata, checked on open (core/file_integrity.h). LibTorch-free on purpose:
// callers turn the bytes into tensors.
//
//   sfar::io::SafetensorsReader reader("model.safetensors");
//   for (const auto& t : reader.tensors()) use(t.name, t.dtype, t.shape, reader.bytes(t));
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "sfar/core/mapped_file.h"

namespace sfar::io {

struct SafetensorsEntry {
  std::string name;
  std::string dtype;                // "F32", "F16", "BF16", "I64", ...
  std::vector<std::int64_t> shape;  // empty for a scalar
  std::uint64_t begin = 0;          // byte offsets into the data section, end exclusive
  std::uint64_t end = 0;
};

// Bytes per element of a safetensors dtype; FormatError for an unknown dtype.
std::size_t safetensors_dtype_size(const std::string& dtype);

// True when the file starts like a safetensors file (plausible header length, then '{').
// Never throws; an unreadable file is simply not safetensors.
bool looks_like_safetensors(const std::string& path);

class SafetensorsReader {
 public:
  // Opens, maps and validates the file; IoError if it cannot be read, FormatError if it is
  // not a valid safetensors file.
  explicit SafetensorsReader(std::string path);
  SafetensorsReader(const SafetensorsReader&) = delete;
  SafetensorsReader& operator=(const SafetensorsReader&) = delete;

  const std::string& path() const { return path_; }
  // Entries in header order.
  const std::vector<SafetensorsEntry>& tensors() const { return entries_; }
  const std::map<std::string, std::string>& metadata() const { return metadata_; }
  // True when the file carries sfar's seal (core/file_integrity.h), which the constructor checked:
  // a file whose bytes do not match it is a FormatError. Files from other writers have none.
  bool sealed() const { return sealed_; }
  bool contains(const std::string& name) const;
  // The entry called `name`; FormatError naming the file and tensor if absent.
  const SafetensorsEntry& entry(const std::string& name) const;
  // Start of the entry's bytes (entry.end - entry.begin of them).
  const std::byte* bytes(const SafetensorsEntry& entry) const;

 private:
  void parse_header(const std::string& header);

  std::string path_;
  MappedFile file_;
  std::size_t data_start_ = 0;
  std::vector<SafetensorsEntry> entries_;
  std::map<std::string, std::size_t> index_;
  std::map<std::string, std::string> metadata_;
  bool sealed_ = false;
};

}  // namespace sfar::io
