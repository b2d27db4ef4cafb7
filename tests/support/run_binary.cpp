#include "support/run_binary.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <sstream>

namespace sfar::test {

CommandResult run_binary(const std::string& binary, const std::string& args, const TempDir& dir) {
  const std::string err_path = dir.file("stderr.txt");
  CommandResult r;
  FILE* pipe = ::popen((binary + " " + args + " 2>" + err_path).c_str(), "r");
  if (!pipe) return r;
  char buffer[65536];
  for (std::size_t n; (n = std::fread(buffer, 1, sizeof(buffer), pipe)) > 0;) r.out.append(buffer, n);
  const int raw = ::pclose(pipe);
  r.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  std::ifstream err(err_path, std::ios::binary);
  std::stringstream text;
  text << err.rdbuf();
  r.err = text.str();
  return r;
}

std::vector<nlohmann::json> json_lines(const std::string& text) {
  std::stringstream lines(text);
  std::vector<nlohmann::json> out;
  for (std::string line; std::getline(lines, line);) {
    if (!line.empty() && line[0] == '{') out.push_back(nlohmann::json::parse(line));
  }
  return out;
}

nlohmann::json last_json_line(const std::string& text) {
  auto lines = json_lines(text);
  return lines.empty() ? nlohmann::json() : lines.back();
}

int free_local_port() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;  // the kernel picks
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

std::string read_file_or_empty(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace sfar::test
