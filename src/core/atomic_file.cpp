#include "sfar/core/atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

#include "sfar/core/error.h"

namespace fs = std::filesystem;

namespace sfar {
namespace {

std::string errno_text() { return std::strerror(errno); }

void write_all(int fd, const std::string& content, const std::string& path) {
  const char* data = content.data();
  std::size_t left = content.size();
  while (left > 0) {
    const ssize_t n = ::write(fd, data, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw IoError(path, "write failed: " + errno_text());
    }
    data += n;
    left -= static_cast<std::size_t>(n);
  }
}

// Fault-injection hook for tests: SFAR_TEST_PAUSE_BEFORE_RENAME="PREFIX:MS" sleeps MS
// milliseconds after the temporary file of a target whose file name starts with PREFIX is
// complete and synced, just before the rename, so that a test can kill the process while
// only the temporary file exists (tests/train/kill_resume_test.cpp). Unset: no effect.
void pause_before_rename_for_tests(const fs::path& target) {
  const char* spec = std::getenv("SFAR_TEST_PAUSE_BEFORE_RENAME");
  if (!spec || !*spec) return;
  const std::string text(spec);
  const auto colon = text.rfind(':');
  if (colon == std::string::npos) return;
  if (target.filename().string().rfind(text.substr(0, colon), 0) != 0) return;
  const long ms = std::strtol(text.c_str() + colon + 1, nullptr, 10);
  if (ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(ms));
}

}  // namespace

void write_file_atomic(const std::string& path, const std::string& content) {
  const fs::path target(path);
  const fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw IoError(dir.string(), "cannot create directory: " + ec.message());

  std::random_device rd;
  const fs::path tmp = dir / ("." + target.filename().string() + ".tmp" + std::to_string(rd()));
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) throw IoError(path, "cannot create temporary file: " + errno_text());
  try {
    write_all(fd, content, path);
    if (::fsync(fd) != 0) throw IoError(path, "fsync failed: " + errno_text());
  } catch (...) {
    ::close(fd);
    ::unlink(tmp.c_str());
    throw;
  }
  if (::close(fd) != 0) {
    ::unlink(tmp.c_str());
    throw IoError(path, "close failed: " + errno_text());
  }
  pause_before_rename_for_tests(target);
  if (::rename(tmp.c_str(), target.c_str()) != 0) {
    const std::string reason = errno_text();
    ::unlink(tmp.c_str());
    throw IoError(path, "rename failed: " + reason);
  }
  // Make the rename itself durable.
  const int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd >= 0) {
    ::fsync(dir_fd);
    ::close(dir_fd);
  }
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw IoError(path, "cannot open file");
  std::stringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) throw IoError(path, "read failed");
  return buffer.str();
}

}  // namespace sfar
