#include "sfar/io/frame_folder_reader.h"

#include <cctype>
#include <filesystem>

#include "sfar/core/error.h"
#include "sfar/io/image_file.h"

namespace sfar::io {
namespace {

struct NumberField {
  std::size_t begin = std::string::npos, end = 0;
  int width = 0;
  char fill = ' ';
};

// Finds `{}`, `{:05d}`, `{:d}`, `%d` or `%05d` in a file name pattern.
NumberField find_number_field(const std::string& pattern) {
  NumberField field;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    const char open = pattern[i];
    if (open != '{' && open != '%') continue;
    std::size_t j = i + 1;
    if (open == '{' && j < pattern.size() && pattern[j] == ':') ++j;
    char fill = ' ';
    if (j < pattern.size() && pattern[j] == '0') fill = '0', ++j;
    int width = 0;
    while (j < pattern.size() && std::isdigit(static_cast<unsigned char>(pattern[j]))) {
      width = width * 10 + (pattern[j++] - '0');
    }
    if (j < pattern.size() && pattern[j] == 'd') ++j;
    else if (open == '%') continue;
    if (open == '{') {
      if (j >= pattern.size() || pattern[j] != '}') continue;
      ++j;
    }
    field.begin = i;
    field.end = j;
    field.width = width;
    field.fill = fill;
    return field;
  }
  return field;
}

}  // namespace

FrameFolderReader::FrameFolderReader(std::string folder, FrameFolderOptions options)
    : folder_(std::move(folder)), options_(std::move(options)) {
  const NumberField field = find_number_field(options_.pattern);
  if (field.begin == std::string::npos) {
    throw ArgumentError("frame folder pattern", "needs a number field like {:05d} or %05d",
                        options_.pattern);
  }
  prefix_ = options_.pattern.substr(0, field.begin);
  suffix_ = options_.pattern.substr(field.end);
  width_ = field.width;
  fill_ = field.fill;
  std::error_code ec;
  if (!std::filesystem::is_directory(folder_, ec)) throw IoError(folder_, "no such frame folder");
  if (options_.first_number >= 0) {
    first_ = options_.first_number;
  } else {
    first_ = 0;
    if (!std::filesystem::exists(frame_path(0), ec)) first_ = 1;
  }
  while (std::filesystem::exists(frame_path(frames_), ec)) ++frames_;
  if (frames_ == 0) {
    throw IoError(folder_, "no frames matching the pattern", options_.pattern);
  }
}

std::string FrameFolderReader::frame_path(std::int64_t index) const {
  std::string number = std::to_string(index + first_);
  if (static_cast<int>(number.size()) < width_) number.insert(0, width_ - number.size(), fill_);
  return (std::filesystem::path(folder_) / (prefix_ + number + suffix_)).string();
}

std::vector<RgbFrame> FrameFolderReader::read_frames(const std::vector<std::int64_t>& indices) const {
  std::vector<RgbFrame> frames;
  frames.reserve(indices.size());
  for (const std::int64_t i : indices) {
    if (i < 0 || i >= frames_) {
      throw ArgumentError(folder_, "frame index out of range [0, " + std::to_string(frames_) + ")",
                          std::to_string(i));
    }
    frames.push_back(resize_short_side(read_image(frame_path(i)), options_.short_side));
  }
  return frames;
}

}  // namespace sfar::io
