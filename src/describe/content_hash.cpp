#include "sfar/describe/content_hash.h"

#include <openssl/evp.h>

#include "sfar/core/error.h"

namespace sfar::describe {

std::string sha256_hex(const std::string& bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_Digest(bytes.data(), bytes.size(), digest, &length, EVP_sha256(), nullptr) != 1) {
    throw LibraryError("OpenSSL EVP_Digest(SHA-256)", "failed to hash " + std::to_string(bytes.size()) + " bytes");
  }
  static const char* kHex = "0123456789abcdef";
  std::string hex;
  for (unsigned int i = 0; i < length; ++i) {
    hex += kHex[digest[i] >> 4];
    hex += kHex[digest[i] & 15];
  }
  return hex;
}

}  // namespace sfar::describe
