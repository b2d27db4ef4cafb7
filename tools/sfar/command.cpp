#include <fstream>
#include <iostream>

#include "command.h"
#include "sfar/core/error.h"

namespace sfar::cli {

void print_json_line(const nlohmann::json& object) {
  std::cout << object.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  std::cout.flush();
}

std::vector<nlohmann::json> read_json_lines(const std::string& path) {
  std::ifstream file;
  if (path != "-") {
    file.open(path, std::ios::binary);
    if (!file) throw IoError(path, "cannot open file");
  }
  std::istream& in = path == "-" ? std::cin : file;
  std::vector<nlohmann::json> lines;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    try {
      lines.push_back(nlohmann::json::parse(line));
    } catch (const nlohmann::json::parse_error& e) {
      throw FormatError(path + ":" + std::to_string(number), std::string("invalid JSON: ") + e.what());
    }
  }
  return lines;
}

}  // namespace sfar::cli
