// A read-only memory mapping of a whole regular file, shared by the readers that check or parse
// files in place (the zip CRC check in core/file_integrity, io's SafetensorsReader).
//
//   const sfar::MappedFile file("model.safetensors");
//   use(file.data(), file.size());  // valid while `file` lives; an empty file maps to nullptr, 0
#pragma once

#include <cstddef>
#include <string>

namespace sfar {

class MappedFile {
 public:
  enum class Access { kRandom, kSequential };  // a hint to the kernel's read-ahead
  // IoError naming the path when it cannot be opened, is not a regular file, or cannot be mapped.
  explicit MappedFile(const std::string& path, Access access = Access::kRandom);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  const unsigned char* data() const { return data_; }
  std::size_t size() const { return size_; }

 private:
  const unsigned char* data_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace sfar
