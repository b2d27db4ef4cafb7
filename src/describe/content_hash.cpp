#include "sfar/describe/content_hash.h"

#include <openssl/evp.h>

#include <fstream>
#include <memory>
#include <vector>

#include "sfar/core/error.h"

namespace sfar::describe {

namespace {

std::string to_hex(const unsigned char* digest, unsigned int length) {
  static const char* kHex = "0123456789abcdef";
  std::string hex;
  for (unsigned int i = 0; i < length; ++i) {
    hex += kHex[digest[i] >> 4];
    hex += kHex[digest[i] & 15];
  }
  return hex;
}

struct DigestFreer {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};

}  // namespace

std::string sha256_hex(const std::string& bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_Digest(bytes.data(), bytes.size(), digest, &length, EVP_sha256(), nullptr) != 1) {
    throw LibraryError("OpenSSL EVP_Digest(SHA-256)", "failed to hash " + std::to_string(bytes.size()) + " bytes");
  }
  return to_hex(digest, length);
}

std::string sha256_file_hex(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw IoError(path, "cannot open the file to hash it");
  std::unique_ptr<EVP_MD_CTX, DigestFreer> context(EVP_MD_CTX_new());
  if (!context || EVP_DigestInit_ex(context.get(), EVP_sha256(), nullptr) != 1) {
    throw LibraryError("OpenSSL EVP_DigestInit_ex(SHA-256)", "cannot start hashing " + path);
  }
  std::vector<char> chunk(1 << 20);
  while (in) {
    in.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
    const std::streamsize n = in.gcount();
    if (n > 0 && EVP_DigestUpdate(context.get(), chunk.data(), static_cast<std::size_t>(n)) != 1) {
      throw LibraryError("OpenSSL EVP_DigestUpdate(SHA-256)", "failed while hashing " + path);
    }
  }
  if (in.bad()) throw IoError(path, "read failed while hashing the file");
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_DigestFinal_ex(context.get(), digest, &length) != 1) {
    throw LibraryError("OpenSSL EVP_DigestFinal_ex(SHA-256)", "failed to finish hashing " + path);
  }
  return to_hex(digest, length);
}

}  // namespace sfar::describe
