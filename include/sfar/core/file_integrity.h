// Integrity of the weight files sfar writes and reads (docs/checkpoint_format.md, "Integrity"):
//
// - A zip archive (LibTorch checkpoints, torch.save `.pt` exports, TorchScript releases)
//   already stores a CRC-32 for every record in its central directory; LibTorch writes them but
//   its reader never checks them. verify_zip_records recomputes every record's CRC-32 and
//   refuses the file, naming it and the record, when one differs.
// - A safetensors file has no checksum of its own. sfar's writer seals it: the metadata key
//   `sfar_crc32` holds the CRC-32 of every byte of the file, computed with those 8 hex digits
//   read as "00000000". verify_safetensors_seal checks it.
//
// LibTorch-free; the CRC is zlib's (the zip format's polynomial).
//
//   const ZipCheck check = verify_zip_records("runs/x/checkpoints/best.pt");  // throws when corrupt
//   std::string bytes = ...; seal_safetensors(bytes);                            // before writing
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace sfar {

// What verify_zip_records found in a file that passed.
struct ZipCheck {
  std::int64_t records = 0;     // records in the central directory
  std::int64_t unchecked = 0;   // records it could not check: no CRC written, or compressed other than deflate
  std::uint64_t bytes = 0;      // record bytes checked
  bool sealed() const { return unchecked == 0; }
};

// Checks every record of the zip at `path` (stored, or deflated as TorchScript's code records
// are) against the CRC-32 its central directory records.
// FormatError naming the file (and the record) when the file is not a readable zip, a record
// lies outside the file, or a CRC differs; IoError when it cannot be read. A file whose writer
// stored no CRC at all (every non-empty record's CRC 0, as torch.save with CRC-32 turned off
// writes) passes with `unchecked` counting those records; a file where only some are 0 is
// corrupt.
ZipCheck verify_zip_records(const std::string& path);

// The metadata key of a sealed safetensors file, and the length of its value (hex digits).
inline constexpr const char* kSafetensorsSealKey = "sfar_crc32";
inline constexpr std::size_t kSafetensorsSealDigits = 8;

// `bytes` is a whole safetensors file whose metadata holds kSafetensorsSealKey with the value
// "00000000" (safetensors_bytes in models/ writes that); replaces the value with the file's
// CRC-32. ArgumentError if the placeholder is not in the header.
void seal_safetensors(std::string& bytes);

// Checks the seal of a safetensors file held in memory (the whole file). Returns false when the
// header has no seal (a file from another writer, or from sfar before seals); throws a
// FormatError naming `path` when the seal does not match the bytes.
bool verify_safetensors_seal(const unsigned char* data, std::size_t size, const std::string& path);

// zlib's CRC-32 of `size` bytes, continuing `crc` (0 to start), in chunks of any length.
std::uint32_t zip_crc32(const void* data, std::size_t size, std::uint32_t crc = 0);

}  // namespace sfar
