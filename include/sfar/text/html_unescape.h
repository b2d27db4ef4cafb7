// HTML character references replaced the way Python's html.unescape does it, which CLIP's
// tokenizer applies twice before splitting a text into words.
//
//   sfar::text::html_unescape(U"&lt;b&gt; &#233;&#x41;")  // U"<b> éA"
#pragma once

#include <string>

namespace sfar::text {

// Numeric references (&#NN; &#xNN;, semicolon optional) follow Python exactly: Windows-1252
// for 0x80..0x9F, U+FFFD for 0, surrogates and values past U+10FFFF, nothing for the
// non-characters and C0/C1 controls HTML forbids. Named references cover HTML 4's 252 names
// plus &apos; and the upper-case AMP/COPY/GT/LT/QUOT/REG; the legacy names (Latin-1 ones,
// amp, lt, gt, quot) also match without a semicolon and as the longest prefix of a longer
// run ("&ampx" -> "&x"). Other HTML5-only names are left as they are.
std::u32string html_unescape(const std::u32string& text);

}  // namespace sfar::text
