#include "sfar/data/caption_list.h"

#include <map>
#include <sstream>

#include "sfar/core/atomic_file.h"
#include "sfar/core/error.h"
#include "sfar/core/text.h"

namespace sfar::data {
namespace {

std::vector<std::string> split_tabs(const std::string& line) {
  std::vector<std::string> fields;
  std::size_t start = 0;
  for (auto tab = line.find('\t'); tab != std::string::npos; tab = line.find('\t', start)) {
    fields.push_back(line.substr(start, tab - start));
    start = tab + 1;
  }
  fields.push_back(line.substr(start));
  return fields;
}

}  // namespace

CaptionList parse_caption_list(const std::string& text, const std::string& name) {
  CaptionList list;
  std::map<std::string, std::int64_t> group_ids;
  std::istringstream in(text);
  std::string line;
  for (std::int64_t number = 1; std::getline(in, line); ++number) {
    const std::string where = name + ":" + std::to_string(number);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (trim(line).empty() || trim(line)[0] == '#') continue;
    const auto fields = split_tabs(line);
    if (fields.size() < 2 || fields.size() > 3) {
      throw FormatError(where, "expected \"<video path>\\t<caption>[\\t<tag>]\" (tab-separated)", line);
    }
    CaptionedVideo item{trim(fields[0]), trim(fields[1]), fields.size() == 3 ? trim(fields[2]) : "", 0, where};
    if (item.path.empty()) throw FormatError(where, "empty video path", line);
    if (item.caption.empty()) throw FormatError(where, "empty caption", line);
    if (fields.size() == 3 && item.tag.empty()) throw FormatError(where, "empty tag", line);
    if (!list.items.empty() && list.items.front().tag.empty() != item.tag.empty()) {
      throw FormatError(where, "mixes tagged and untagged lines (positives would mean two things); line " +
                        list.items.front().origin + " is " + (item.tag.empty() ? "tagged" : "untagged"), line);
    }
    const std::string& key = item.tag.empty() ? item.caption : item.tag;
    const auto found = group_ids.emplace(key, static_cast<std::int64_t>(list.groups.size()));
    if (found.second) list.groups.push_back(key);
    item.group = found.first->second;
    list.items.push_back(std::move(item));
  }
  if (list.items.empty()) throw FormatError(name, "holds no video-caption pairs");
  return list;
}

CaptionList read_caption_list(const std::string& path) { return parse_caption_list(read_file(path), path); }

}  // namespace sfar::data
