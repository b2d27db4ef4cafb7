// verify_zip_records on zips built here byte by byte, in both layouts a LibTorch checkpoint can
// have: plain, and zip64 (sizes and offsets in the extra field and a zip64 end record, as a
// checkpoint over 4 GiB has them). The CRCs are zlib's (crc32("123456789") = cbf43926).
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "sfar/core/atomic_file.h"
#include "sfar/core/error.h"
#include "sfar/core/file_integrity.h"
#include "support/test_data.h"

namespace sfar {
namespace {

void put(std::string& out, std::uint64_t value, int bytes) {
  for (int i = 0; i < bytes; ++i) out += static_cast<char>((value >> (8 * i)) & 0xFF);
}

// A zip of stored records. With `zip64`, every central entry's sizes and offset are 0xFFFFFFFF
// and the real values sit in a zip64 extra field, and the end record points to a zip64 one.
std::string make_zip(const std::vector<std::pair<std::string, std::string>>& records, bool zip64) {
  std::string out, central;
  for (const auto& [name, data] : records) {
    const std::uint64_t offset = out.size();
    const std::uint32_t crc = zip_crc32(data.data(), data.size());
    put(out, 0x04034b50, 4), put(out, 45, 2), put(out, 0, 2), put(out, 0, 2), put(out, 0, 4);
    put(out, crc, 4), put(out, data.size(), 4), put(out, data.size(), 4), put(out, name.size(), 2), put(out, 0, 2);
    out += name + data;
    std::string extra;
    if (zip64) put(extra, 1, 2), put(extra, 24, 2), put(extra, data.size(), 8), put(extra, data.size(), 8), put(extra, offset, 8);
    const std::uint64_t small = zip64 ? 0xFFFFFFFF : data.size();
    put(central, 0x02014b50, 4), put(central, 45, 2), put(central, 45, 2), put(central, 0, 2), put(central, 0, 2);
    put(central, 0, 4), put(central, crc, 4), put(central, small, 4), put(central, small, 4);
    put(central, name.size(), 2), put(central, extra.size(), 2), put(central, 0, 2), put(central, 0, 2);
    put(central, 0, 2), put(central, 0, 4), put(central, zip64 ? 0xFFFFFFFF : offset, 4);
    central += name + extra;
  }
  const std::uint64_t cd_offset = out.size();
  out += central;
  if (zip64) {
    const std::uint64_t end64 = out.size();
    put(out, 0x06064b50, 4), put(out, 44, 8), put(out, 45, 2), put(out, 45, 2), put(out, 0, 4), put(out, 0, 4);
    put(out, records.size(), 8), put(out, records.size(), 8), put(out, central.size(), 8), put(out, cd_offset, 8);
    put(out, 0x07064b50, 4), put(out, 0, 4), put(out, end64, 8), put(out, 1, 4);
  }
  put(out, 0x06054b50, 4), put(out, 0, 2), put(out, 0, 2);
  put(out, zip64 ? 0xFFFF : records.size(), 2), put(out, zip64 ? 0xFFFF : records.size(), 2);
  put(out, zip64 ? 0xFFFFFFFF : central.size(), 4), put(out, zip64 ? 0xFFFFFFFF : cd_offset, 4), put(out, 0, 2);
  return out;
}

const std::vector<std::pair<std::string, std::string>> kRecords = {
    {"archive/data.pkl", "structure of the archive"}, {"archive/data/0", std::string(5000, '\x07') + "weights"},
    {"archive/version", "3\n"}};

TEST(FileIntegrity, ZlibCrcOfTheCheckString) {
  EXPECT_EQ(zip_crc32("123456789", 9), 0xcbf43926u);
  EXPECT_EQ(zip_crc32("6789", 4, zip_crc32("12345", 5)), 0xcbf43926u);
}

TEST(FileIntegrity, EveryRecordIsCheckedInBothLayouts) {
  test::TempDir dir;
  for (bool zip64 : {false, true}) {
    SCOPED_TRACE(zip64 ? "zip64" : "plain");
    const std::string bytes = make_zip(kRecords, zip64), path = dir.file("a.zip");
    write_file_atomic(path, bytes);
    const ZipCheck check = verify_zip_records(path);
    EXPECT_EQ(check.records, 3);
    EXPECT_TRUE(check.sealed());
    EXPECT_EQ(check.bytes, 24u + 5007u + 2u);
    // One byte of the weights flipped.
    std::string bad = bytes;
    bad[bytes.find("weights") + 3] ^= 0x01;
    write_file_atomic(path, bad);
    try {
      verify_zip_records(path);
      FAIL() << "a flipped byte passed";
    } catch (const FormatError& e) {
      EXPECT_EQ(e.where(), path);
      EXPECT_NE(e.message().find("record 'archive/data/0' (5007 bytes) fails its CRC-32 check"), std::string::npos)
          << e.what();
    }
    // Cut short, or not a zip at all.
    write_file_atomic(path, bytes.substr(0, bytes.size() - 30));
    EXPECT_THROW(verify_zip_records(path), FormatError);
    write_file_atomic(path, "name: not a zip\n");
    EXPECT_THROW(verify_zip_records(path), FormatError);
  }
  EXPECT_THROW(verify_zip_records(dir.file("missing.zip")), IoError);
}

TEST(FileIntegrity, ARecordOffsetPastTheFileIsAnError) {
  test::TempDir dir;
  std::string bytes = make_zip(kRecords, false);
  // The last central entry's local-header offset (its last 4 bytes before the name).
  const auto entry = bytes.rfind("archive/version");
  bytes.replace(entry - 4, 4, std::string("\xff\xff\xff\x0f", 4));
  write_file_atomic(dir.file("a.zip"), bytes);
  EXPECT_THROW(verify_zip_records(dir.file("a.zip")), FormatError);
}

}  // namespace
}  // namespace sfar
