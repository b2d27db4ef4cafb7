#include "sfar/text/clip_pretokenizer.h"

#include "sfar/text/html_unescape.h"
#include "sfar/text/unicode_text.h"

namespace sfar::text {
namespace {

// Case-insensitive equality with an ASCII letter of the pattern. Under the regex module's
// IGNORECASE, U+017F (long s) matches 's'; other folds cannot survive lower().
bool matches_char(char32_t c, char pattern) {
  if (c == static_cast<char32_t>(pattern)) return true;
  if (pattern >= 'a' && pattern <= 'z' && c == static_cast<char32_t>(pattern - 32)) return true;
  return pattern == 's' && c == 0x17F;
}

bool matches_at(const std::u32string& text, std::size_t i, const char* literal) {
  for (; *literal != '\0'; ++literal, ++i) {
    if (i >= text.size() || !matches_char(text[i], *literal)) return false;
  }
  return true;
}

// Length of the pattern's first alternative that matches at text[i], trying them in order as
// the regex engine does; 0 when none matches (text[i] is then whitespace).
std::size_t match_length(const std::u32string& text, std::size_t i) {
  static const char* const kLiterals[] = {"<|startoftext|>", "<|endoftext|>", "'s", "'t", "'re",
                                          "'ve", "'m", "'ll", "'d"};
  for (const char* literal : kLiterals) {
    if (matches_at(text, i, literal)) return std::char_traits<char>::length(literal);
  }
  const char32_t c = text[i];
  if (is_letter(c)) {
    std::size_t j = i + 1;
    while (j < text.size() && is_letter(text[j])) ++j;
    return j - i;
  }
  if (is_number(c)) return 1;
  std::size_t j = i;
  while (j < text.size() && !is_white_space(text[j]) && !is_letter(text[j]) && !is_number(text[j])) {
    ++j;
  }
  return j - i;
}

}  // namespace

std::u32string clip_clean_text(const std::string& text) {
  const std::u32string unescaped = python_strip(html_unescape(html_unescape(decode_utf8(text))));
  std::u32string collapsed;
  collapsed.reserve(unescaped.size());
  for (std::size_t i = 0; i < unescaped.size();) {
    if (is_white_space(unescaped[i])) {
      collapsed.push_back(U' ');
      while (i < unescaped.size() && is_white_space(unescaped[i])) ++i;
    } else {
      collapsed.push_back(unescaped[i++]);
    }
  }
  return python_lower(python_strip(collapsed));
}

std::vector<std::string> clip_pretokenize(const std::string& text) {
  const std::u32string clean = clip_clean_text(text);
  std::vector<std::string> words;
  for (std::size_t i = 0; i < clean.size();) {
    const std::size_t length = match_length(clean, i);
    if (length == 0) {
      ++i;
      continue;
    }
    words.push_back(encode_utf8(clean.substr(i, length)));
    i += length;
  }
  return words;
}

}  // namespace sfar::text
