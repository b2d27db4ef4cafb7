// Video-caption pairs for contrastive pre-training (`sfar pretrain`), one per line:
//
//   <video path>\t<caption>[\t<tag>]
//
// Paths are relative to the dataset root. The optional tag names what the caption describes
// (e.g. the atomic action "move_left"); pairs with the same group are positives for each other
// in the contrastive loss. The group is the tag when the line has one, else the caption text
// itself, so two wordings of one action without tags count as different. Blank lines and lines
// starting with '#' are skipped. Parse errors name the file and line.
//
//   CaptionList pairs = read_caption_list("synth/pretrain/list.txt");
//   pairs.items[0].group;  // index into pairs.groups
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace sfar::data {

struct CaptionedVideo {
  std::string path;
  std::string caption;
  std::string tag;          // empty when the line has none
  std::int64_t group = 0;   // index into CaptionList::groups
  std::string origin;       // "file:line"
};

struct CaptionList {
  std::vector<CaptionedVideo> items;
  std::vector<std::string> groups;  // tag or caption text, in order of first appearance
};

// FormatError (file:line) for a line without a tab, an empty path or caption, or a mix of
// tagged and untagged lines; IoError when the file cannot be read; FormatError when it holds
// no pairs.
CaptionList read_caption_list(const std::string& path);

// Same from text already in memory; `name` stands for the file in messages.
CaptionList parse_caption_list(const std::string& text, const std::string& name);

}  // namespace sfar::data
