// SHA-256 digests (OpenSSL libcrypto) for provenance: label files and LLM requests.
#pragma once

#include <string>

namespace sfar::describe {

// Lower-case hex SHA-256 of `bytes`.
std::string sha256_hex(const std::string& bytes);

// Lower-case hex SHA-256 of the file at `path`, read in chunks (videos need not fit in
// memory). IoError naming the path when it cannot be read.
std::string sha256_file_hex(const std::string& path);

}  // namespace sfar::describe
