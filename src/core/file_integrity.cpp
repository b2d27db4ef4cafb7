#include "sfar/core/file_integrity.h"

#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <limits>
#include <string_view>
#include <vector>

#include "sfar/core/error.h"
#include "sfar/core/mapped_file.h"

namespace sfar {
namespace {

std::uint64_t le(const unsigned char* p, int bytes) {
  std::uint64_t v = 0;
  for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

std::string hex32(std::uint32_t v) {
  char text[9];
  std::snprintf(text, sizeof text, "%08x", v);
  return text;
}

constexpr std::uint32_t kEndSignature = 0x06054b50, kZip64EndSignature = 0x06064b50,
                        kZip64LocatorSignature = 0x07064b50, kCentralSignature = 0x02014b50,
                        kLocalSignature = 0x04034b50;
constexpr std::size_t kEndSize = 22, kZip64LocatorSize = 20, kZip64EndSize = 56, kCentralSize = 46,
                      kLocalSize = 30;

// One central-directory entry, zip64 sizes resolved.
struct ZipRecord {
  std::string name;
  std::uint32_t crc = 0;
  std::uint16_t method = 0;
  std::uint64_t compressed = 0, size = 0, local_offset = 0;
};

class ZipReader {
 public:
  ZipReader(const MappedFile& file, const std::string& path) : f_(file), path_(path) {}

  // Central directory entries, in order.
  std::vector<ZipRecord> records() {
    const std::size_t end = find_end();
    std::uint64_t count = le(at(end + 10, 2), 2), cd_size = le(at(end + 12, 4), 4), cd_offset = le(at(end + 16, 4), 4);
    if (count == 0xFFFF || cd_size == 0xFFFFFFFF || cd_offset == 0xFFFFFFFF) {
      if (end < kZip64LocatorSize || le(at(end - kZip64LocatorSize, 4), 4) != kZip64LocatorSignature) {
        fail("zip64 end-of-directory locator missing");
      }
      const unsigned char* z = at(le(at(end - kZip64LocatorSize + 8, 8), 8), kZip64EndSize);
      if (le(z, 4) != kZip64EndSignature) fail("zip64 end-of-directory record missing");
      count = le(z + 32, 8);
      cd_size = le(z + 40, 8);
      cd_offset = le(z + 48, 8);
    }
    std::vector<ZipRecord> out;
    std::uint64_t p = cd_offset;
    for (std::uint64_t i = 0; i < count; ++i) out.push_back(central_entry(p));
    if (p != cd_offset + cd_size) fail("central directory size does not match its entries");
    return out;
  }

  // The record's stored bytes (after its local header).
  const unsigned char* data(const ZipRecord& r) {
    const unsigned char* local = at(r.local_offset, kLocalSize);
    if (le(local, 4) != kLocalSignature) fail("local header of record '" + r.name + "' missing");
    const std::uint64_t name_len = le(local + 26, 2);
    const unsigned char* name = at(r.local_offset + kLocalSize, name_len);
    // Names have no CRC: the directory's and the local header's copies must agree.
    if (std::string_view(reinterpret_cast<const char*>(name), name_len) != r.name) {
      fail("record '" + r.name + "' has another name in its local header");
    }
    const std::uint64_t start = r.local_offset + kLocalSize + name_len + le(local + 28, 2);
    return at(start, r.compressed);
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw FormatError(path_, "damaged or not a zip archive: " + what);
  }

  // `size` bytes at `offset`, all inside the file.
  const unsigned char* at(std::uint64_t offset, std::uint64_t size) const {
    if (offset > f_.size() || size > f_.size() - offset) fail("a structure lies past the end of the file");
    return f_.data() + offset;
  }

  std::size_t find_end() const {
    if (f_.size() < kEndSize) fail("shorter than an end-of-directory record");
    const std::size_t lowest = f_.size() > kEndSize + 0xFFFF ? f_.size() - kEndSize - 0xFFFF : 0;
    for (std::size_t p = f_.size() - kEndSize + 1; p-- > lowest;) {
      if (le(f_.data() + p, 4) == kEndSignature) return p;
    }
    fail("no end-of-directory record");
  }

  ZipRecord central_entry(std::uint64_t& p) {
    const unsigned char* e = at(p, kCentralSize);
    if (le(e, 4) != kCentralSignature) fail("central directory entry missing");
    ZipRecord r;
    r.method = static_cast<std::uint16_t>(le(e + 10, 2));
    r.crc = static_cast<std::uint32_t>(le(e + 16, 4));
    r.compressed = le(e + 20, 4);
    r.size = le(e + 24, 4);
    r.local_offset = le(e + 42, 4);
    const std::uint64_t name_len = le(e + 28, 2), extra_len = le(e + 30, 2), comment_len = le(e + 32, 2);
    const unsigned char* name = at(p + kCentralSize, name_len + extra_len + comment_len);
    r.name.assign(reinterpret_cast<const char*>(name), name_len);
    read_zip64_extra(name + name_len, extra_len, r);
    p += kCentralSize + name_len + extra_len + comment_len;
    return r;
  }

  // The zip64 extra field (id 1) holds, in order, each 32-bit field that is 0xFFFFFFFF.
  void read_zip64_extra(const unsigned char* extra, std::uint64_t length, ZipRecord& r) const {
    for (std::uint64_t q = 0; q + 4 <= length;) {
      const std::uint64_t id = le(extra + q, 2), size = le(extra + q + 2, 2);
      if (q + 4 + size > length) fail("extra field of record '" + r.name + "' overruns it");
      if (id == 1) {
        const unsigned char* v = extra + q + 4;
        std::uint64_t used = 0;
        for (std::uint64_t* field : {&r.size, &r.compressed, &r.local_offset}) {
          if (*field != 0xFFFFFFFF) continue;
          if (used + 8 > size) fail("zip64 field of record '" + r.name + "' too short");
          *field = le(v + used, 8);
          used += 8;
        }
      }
      q += 4 + size;
    }
  }

  const MappedFile& f_;
  const std::string& path_;
};


// Offset of the seal's hex digits in a safetensors file, or npos.
std::size_t seal_offset(const unsigned char* data, std::size_t size) {
  if (size < 8) return std::string_view::npos;
  const std::uint64_t header = le(data, 8);
  if (header > size - 8) return std::string_view::npos;
  const std::string_view text(reinterpret_cast<const char*>(data + 8), static_cast<std::size_t>(header));
  const std::string prefix = std::string("\"") + kSafetensorsSealKey + "\":\"";  // as nlohmann::json dumps it
  const std::size_t at = text.find(prefix);
  if (at == std::string_view::npos) return at;
  const std::size_t digits = at + prefix.size();
  if (digits + kSafetensorsSealDigits >= text.size() || text[digits + kSafetensorsSealDigits] != '"') {
    return std::string_view::npos;
  }
  return 8 + digits;
}

// CRC-32 of the file with the seal's digits read as zeros.
std::uint32_t sealed_crc(const unsigned char* data, std::size_t size, std::size_t digits) {
  const std::string zeros(kSafetensorsSealDigits, '0');
  std::uint32_t crc = zip_crc32(data, digits);
  crc = zip_crc32(zeros.data(), zeros.size(), crc);
  const std::size_t rest = digits + kSafetensorsSealDigits;
  return zip_crc32(data + rest, size - rest, crc);
}

// CRC-32 of a deflated record's inflated bytes (TorchScript archives deflate their code
// records); FormatError when the stream is broken or inflates to another size.
std::uint32_t inflated_crc(const unsigned char* data, const ZipRecord& r, const std::string& path) {
  z_stream z{};
  if (::inflateInit2(&z, -MAX_WBITS) != Z_OK) throw FormatError(path, "zlib cannot start inflating");
  std::vector<unsigned char> out(std::size_t{1} << 16);
  std::uint32_t crc = 0;
  std::uint64_t total = 0, left = r.compressed;
  int status = Z_OK;
  z.next_in = const_cast<unsigned char*>(data);
  while (status == Z_OK) {
    const auto chunk = static_cast<uInt>(std::min<std::uint64_t>(left, std::uint64_t{1} << 30));
    z.avail_in += chunk;
    left -= chunk;
    z.next_out = out.data();
    z.avail_out = static_cast<uInt>(out.size());
    status = ::inflate(&z, Z_NO_FLUSH);
    const std::size_t produced = out.size() - z.avail_out;
    crc = zip_crc32(out.data(), produced, crc);
    total += produced;
    if (status == Z_BUF_ERROR && left == 0 && z.avail_in == 0) break;
    if (status == Z_BUF_ERROR) status = Z_OK;
  }
  ::inflateEnd(&z);
  if (status != Z_STREAM_END || total != r.size) {
    throw FormatError(path, "record '" + r.name + "' does not inflate to its " + std::to_string(r.size) +
                                " bytes: the file is corrupt");
  }
  return crc;
}

}  // namespace

std::uint32_t zip_crc32(const void* data, std::size_t size, std::uint32_t crc) {
  const auto* p = static_cast<const Bytef*>(data);
  constexpr std::size_t kChunk = std::size_t{1} << 30;  // zlib takes a uInt length
  while (size > 0) {
    const std::size_t n = std::min(size, kChunk);
    crc = static_cast<std::uint32_t>(::crc32(crc, p, static_cast<uInt>(n)));
    p += n;
    size -= n;
  }
  return crc;
}

ZipCheck verify_zip_records(const std::string& path) {
  const MappedFile file(path, MappedFile::Access::kSequential);
  ZipReader zip(file, path);
  const auto records = zip.records();
  ZipCheck check;
  check.records = static_cast<std::int64_t>(records.size());
  std::vector<const ZipRecord*> zero_crc;  // non-empty records whose stored CRC is 0
  for (const auto& r : records) {
    const unsigned char* data = zip.data(r);
    if (r.method != 0 && r.method != 8) {  // neither stored nor deflated: no writer of weights does this
      ++check.unchecked;
      continue;
    }
    if (r.method == 0 && r.compressed != r.size) {
      throw FormatError(path, "record '" + r.name + "' is stored with two sizes: the file is corrupt");
    }
    const std::uint32_t crc = r.method == 0 ? zip_crc32(data, r.size) : inflated_crc(data, r, path);
    check.bytes += r.size;
    if (r.crc == 0 && r.size > 0 && crc != 0) {
      zero_crc.push_back(&r);
      continue;
    }
    if (crc != r.crc) {
      throw FormatError(path, "record '" + r.name + "' (" + std::to_string(r.size) +
                                  " bytes) fails its CRC-32 check (stored " + hex32(r.crc) + ", bytes give " +
                                  hex32(crc) + "): the file is corrupt");
    }
  }
  const auto nonempty = std::count_if(records.begin(), records.end(),
                                      [](const ZipRecord& r) { return (r.method == 0 || r.method == 8) && r.size > 0; });
  if (!zero_crc.empty() && static_cast<std::int64_t>(zero_crc.size()) != nonempty) {
    throw FormatError(path, "record '" + zero_crc.front()->name +
                                "' has no CRC-32 while the archive's other records have one: the file is corrupt");
  }
  check.unchecked += static_cast<std::int64_t>(zero_crc.size());
  return check;
}

void seal_safetensors(std::string& bytes) {
  const auto* data = reinterpret_cast<const unsigned char*>(bytes.data());
  const std::size_t digits = seal_offset(data, bytes.size());
  if (digits == std::string_view::npos ||
      bytes.compare(digits, kSafetensorsSealDigits, std::string(kSafetensorsSealDigits, '0')) != 0) {
    throw ArgumentError("safetensors seal", "the header holds no \"sfar_crc32\":\"00000000\" placeholder");
  }
  bytes.replace(digits, kSafetensorsSealDigits, hex32(sealed_crc(data, bytes.size(), digits)));
}

bool verify_safetensors_seal(const unsigned char* data, std::size_t size, const std::string& path) {
  const std::size_t digits = seal_offset(data, size);
  if (digits == std::string_view::npos) return false;
  const std::string stored(reinterpret_cast<const char*>(data + digits), kSafetensorsSealDigits);
  const std::string actual = hex32(sealed_crc(data, size, digits));
  if (stored != actual) {
    throw FormatError(path, "the file's bytes do not match its sfar_crc32 seal (stored " + stored + ", bytes give " +
                                actual + "): the file is corrupt");
  }
  return true;
}

}  // namespace sfar
