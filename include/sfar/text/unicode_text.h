// Code-point level helpers that reproduce what Python's str methods and the `regex` module do,
// so that tokenizers written against Python references give the same ids. Character classes
// come from utf8proc's Unicode database.
//
//   std::u32string s = sfar::text::decode_utf8("Caf\xc3\xa9");  // {'C','a','f',0xE9}
//   std::string lower = sfar::text::encode_utf8(sfar::text::python_lower(s));  // "café"
#pragma once

#include <string>

namespace sfar::text {

// UTF-8 -> code points. Invalid bytes become U+FFFD, one per maximal invalid subpart, as
// Python's bytes.decode("utf-8", errors="replace") does; never throws.
std::u32string decode_utf8(const std::string& bytes);
// Code points -> UTF-8. Surrogates and values above U+10FFFF become U+FFFD.
std::string encode_utf8(const std::u32string& text);
std::string encode_utf8(char32_t c);

// Python's str.lower(): full lower-case mapping (U+0130 -> "i\u0307") and the Final_Sigma rule.
std::u32string python_lower(const std::u32string& text);

// Python's str.isspace() (White_Space plus U+001C..U+001F); str.strip() strips these.
bool is_python_space(char32_t c);
// The `regex` module's \s: the Unicode White_Space property.
bool is_white_space(char32_t c);
// \p{L}: general category L (Lu, Ll, Lt, Lm, Lo).
bool is_letter(char32_t c);
// \p{N}: general category N (Nd, Nl, No).
bool is_number(char32_t c);

// Python's str.strip(): removes leading and trailing is_python_space characters.
std::u32string python_strip(const std::u32string& text);

}  // namespace sfar::text
