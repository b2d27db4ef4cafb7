// CRC-32C (Castagnoli), the checksum of TFRecord framing (TensorBoard event files), and the
// "masked" form TFRecord stores. Debian packages no CRC32C library, so this is a small
// table-driven implementation (reflected polynomial 0x82F63B78, one byte per step).
//
//   crc32c("123456789") == 0xE3069283;  masked_crc32c(data) -> the value written to the file
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace sfar::engine {

// CRC-32C of `size` bytes at `data`, continuing from a previous result `crc` (0 to start).
std::uint32_t crc32c(const void* data, std::size_t size, std::uint32_t crc = 0);
inline std::uint32_t crc32c(std::string_view bytes) { return crc32c(bytes.data(), bytes.size()); }

// TFRecord's mask: ((crc >> 15) | (crc << 17)) + 0xa282ead8, so that a CRC over data that
// itself holds CRCs does not degenerate.
std::uint32_t mask_crc32c(std::uint32_t crc);
inline std::uint32_t masked_crc32c(std::string_view bytes) { return mask_crc32c(crc32c(bytes)); }

}  // namespace sfar::engine
