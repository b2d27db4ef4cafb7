// The text preparation of OpenAI CLIP's simple_tokenizer.py, before byte-pair encoding:
// basic_clean (HTML unescape twice, strip), whitespace_clean (runs of \s -> one space, strip),
// lower(), then the split into words by the pattern
//   <\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+
// (case-insensitive, as CLIP compiles it). ftfy.fix_text is not applied: it is the identity on
// well-formed text, which is what sfar feeds in (class names, descriptions).
//
//   sfar::text::clip_pretokenize("A dog's &amp; 42")  // {"a", "dog", "'s", "&", "4", "2"}
#pragma once

#include <string>
#include <vector>

namespace sfar::text {

// basic_clean + whitespace_clean + lower, as code points. Invalid UTF-8 becomes U+FFFD.
std::u32string clip_clean_text(const std::string& text);

// The words (UTF-8) that CLIP byte-pair encodes one by one.
std::vector<std::string> clip_pretokenize(const std::string& text);

}  // namespace sfar::text
