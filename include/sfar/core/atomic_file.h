// Writing files so that readers never see half of them: the content goes to a temporary
// file in the same directory, is flushed to disk (fsync), then renamed over the target.
// An interrupted write leaves the previous file intact.
#pragma once

#include <string>

namespace sfar {

// Writes `content` to `path` atomically; creates missing parent directories.
// Throws IoError naming the path on any failure; the temporary file is removed.
void write_file_atomic(const std::string& path, const std::string& content);

// Reads a whole file; throws IoError naming the path.
std::string read_file(const std::string& path);

}  // namespace sfar
