// SHA-256 digests (OpenSSL libcrypto) for provenance: label files and LLM requests.
#pragma once

#include <string>

namespace sfar::describe {

// Lower-case hex SHA-256 of `bytes`.
std::string sha256_hex(const std::string& bytes);

}  // namespace sfar::describe
