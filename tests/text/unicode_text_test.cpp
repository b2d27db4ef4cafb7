// Text preparation against Python's results (html.unescape, str.lower, bytes.decode and the
// regex module's findall with CLIP's pattern); expected values printed by Python 3.11.
#include <gtest/gtest.h>

#include "sfar/text/clip_pretokenizer.h"
#include "sfar/text/html_unescape.h"
#include "sfar/text/unicode_text.h"

namespace sfar::text {
namespace {

std::string unescape(const std::string& text) { return encode_utf8(html_unescape(decode_utf8(text))); }
std::string lower(const std::string& text) { return encode_utf8(python_lower(decode_utf8(text))); }
using Words = std::vector<std::string>;

TEST(HtmlUnescape, NamedReferences) {
  EXPECT_EQ(unescape("&amp;amp;"), "&amp;");
  EXPECT_EQ(unescape("&lt;b&gt;"), "<b>");
  EXPECT_EQ(unescape("&ampx &copy2 &notit; &alpha &alpha; &apos; &AMP; &hellip;"),
            "&x \u00A92 \u00ACit; &alpha \u03B1 ' & \u2026");
  EXPECT_EQ(unescape("&lang;&rang;&Alpha;"), "\u27E8\u27E9\u0391");
  EXPECT_EQ(unescape("&#;&#x;&;& amp;"), "&#;&#x;&;& amp;");
  EXPECT_EQ(unescape("no references"), "no references");
  EXPECT_EQ(unescape("&unknownname; &nbsp"), "&unknownname; \u00A0");
}

TEST(HtmlUnescape, NumericReferences) {
  EXPECT_EQ(unescape("&#233;&#x41;&#X42"), "\u00E9AB");
  EXPECT_EQ(unescape("&#128;&#0;&#13;&#1;&#xD800;&#99999999999;"), "\u20AC\uFFFD\r\uFFFD\uFFFD");  // &#1; is dropped.
  EXPECT_EQ(unescape("&#x1F600;&#x110000;&#xFFFF;x"), "\U0001F600\uFFFDx");
}

TEST(PythonLower, FullMappingAndFinalSigma) {
  EXPECT_EQ(lower("UPPER MiXeD"), "upper mixed");
  EXPECT_EQ(lower("ÅNGSTRÖM ÇA"), "ångström ça");
  EXPECT_EQ(lower("İstanbul"), "i\u0307stanbul");
  EXPECT_EQ(lower("ΟΔΟΣ"), "οδος");
  EXPECT_EQ(lower("ΣΑ"), "σα");
  EXPECT_EQ(lower("Σ"), "σ");
  EXPECT_EQ(lower("AΣ."), "aς.");
  EXPECT_EQ(lower("AΣ'B"), "aσ'b");
  EXPECT_EQ(lower("ΣΑΣ ΟΔΟΣ."), "σας οδος.");
}

TEST(Utf8, InvalidBytesBecomeReplacementCharacters) {
  // Python: b'a\xe3\x81b\xf0\x9f\x98\xed\xa0\x80c\xff'.decode('utf-8', 'replace')
  EXPECT_EQ(decode_utf8("a\xE3\x81" "b\xF0\x9F\x98\xED\xA0\x80" "c\xFF"),
            U"a\uFFFDb\uFFFD\uFFFD\uFFFD\uFFFDc\uFFFD");
  EXPECT_EQ(decode_utf8("caf\xC3\xA9 \xF0\x9F\x98\x80"), U"caf\u00E9 \U0001F600");
  EXPECT_EQ(encode_utf8(U"caf\u00E9 \U0001F600"), "caf\xC3\xA9 \xF0\x9F\x98\x80");
}

TEST(CharacterClasses, FollowUnicodeCategories) {
  EXPECT_TRUE(is_letter(U'\u00E9'));
  EXPECT_TRUE(is_letter(U'\u65E5'));
  EXPECT_FALSE(is_letter(U'\u0301'));  // Combining acute accent: Mn.
  EXPECT_TRUE(is_number(U'\u0663'));   // Arabic-Indic three.
  EXPECT_TRUE(is_number(U'\u00BD'));   // One half: No.
  EXPECT_TRUE(is_white_space(U'\u00A0'));
  EXPECT_TRUE(is_white_space(U'\u3000'));
  EXPECT_FALSE(is_white_space(U'\u001C'));
  EXPECT_TRUE(is_python_space(U'\u001C'));
  EXPECT_FALSE(is_white_space(U'\u200B'));  // Zero width space is Cf.
}

TEST(ClipPretokenizer, SplitsLikeTheRegex) {
  EXPECT_EQ(clip_pretokenize("A dog's &amp; 42"), (Words{"a", "dog", "'s", "&", "4", "2"}));
  EXPECT_EQ(clip_pretokenize("!!'s<|endoftext|>x"), (Words{"!!'", "s", "<|endoftext|>", "x"}));
  EXPECT_EQ(clip_pretokenize("it'll 'LL"), (Words{"it", "'ll", "'ll"}));
  EXPECT_EQ(clip_pretokenize("co\u0301te"), (Words{"co", "\u0301", "te"}));
  EXPECT_EQ(clip_pretokenize("x\u017Ftart '\u017F"), (Words{"x\u017Ftart", "'\u017F"}));
  EXPECT_EQ(clip_pretokenize("<|STARTOFTEXT|>hi"), (Words{"<|startoftext|>", "hi"}));
  EXPECT_EQ(clip_pretokenize(" \t\n "), Words{});
  EXPECT_EQ(encode_utf8(clip_clean_text("\x1C  a\u00A0\u00A0 &nbsp;b\r\n")), "a b");
}

}  // namespace
}  // namespace sfar::text
