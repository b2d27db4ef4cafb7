#include "sfar/describe/subtext_parser.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <regex>

#include "sfar/core/text.h"

namespace sfar::describe {
namespace {

constexpr const char* kLead = "this action is";

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text;
}

bool is_terminator(char c) { return c == '.' || c == '!' || c == '?'; }

// Lines that open a summary ("In summary, ...", "Overall: ...", "**Conclusion**").
bool is_summary_line(const std::string& cleaned) {
  static const std::array<const char*, 10> kOpeners = {
      "in summary", "to summarize", "summary", "overall", "in conclusion", "conclusion",
      "together", "in essence", "to sum up", "altogether"};
  const std::string l = lower(cleaned);
  return std::any_of(kOpeners.begin(), kOpeners.end(), [&](const char* o) { return l.rfind(o, 0) == 0; });
}

// Does the text before a "This action is" make it the start of a sentence? Allowed: nothing,
// a finished sentence, or a label ending in ':' / '-' / ')' ("Step 1:", "Phase 2 -").
bool starts_sentence(const std::string& before) {
  const std::string t = trim(before);
  if (t.empty()) return true;
  const char last = t.back();
  return is_terminator(last) || last == ':' || last == '-' || last == ')' || last == '"';
}

// End of the sentence starting at `begin`: after the first terminator followed by a space
// or the end of the line.
std::size_t sentence_end(const std::string& line, std::size_t begin) {
  for (std::size_t i = begin; i < line.size(); ++i) {
    if (is_terminator(line[i]) && (i + 1 == line.size() || line[i + 1] == ' ')) return i + 1;
  }
  return line.size();
}

bool is_abbreviation(const std::string& text, std::size_t dot) {
  static const std::array<const char*, 12> kAbbreviations = {"e.g", "i.e", "etc", "mr", "mrs", "ms",
                                                             "dr", "vs", "st", "approx", "no", "fig"};
  std::size_t start = dot;
  while (start > 0 && (std::isalpha(static_cast<unsigned char>(text[start - 1])) || text[start - 1] == '.')) --start;
  const std::string word = lower(text.substr(start, dot - start));
  return std::any_of(kAbbreviations.begin(), kAbbreviations.end(), [&](const char* a) { return word == a; });
}

}  // namespace

std::string strip_markdown(const std::string& line) {
  std::string out;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (c == '`') continue;
    if ((c == '*' || c == '_') && i + 1 < line.size() && line[i + 1] == c) {
      ++i;
      continue;
    }
    out += (c == '\t' || c == '\r') ? ' ' : c;
  }
  // Heading marks, list markers ("1.", "2)", "-", "*", "•") and block quotes at the start.
  static const std::regex kMarker(R"(^\s*(?:#+\s*|>\s*|(?:\d+[.)]|[-*+]|\xE2\x80\xA2)\s+)*)");
  out = std::regex_replace(out, kMarker, "", std::regex_constants::format_first_only);
  static const std::regex kSpaces(R"(\s+)");
  return trim(std::regex_replace(out, kSpaces, " "));
}

std::vector<std::string> parse_subtext_answer(const std::string& answer, std::size_t max_sentences) {
  std::vector<std::string> sentences;
  std::size_t start = 0;
  while (start <= answer.size()) {
    std::size_t end = answer.find('\n', start);
    if (end == std::string::npos) end = answer.size();
    const std::string line = strip_markdown(answer.substr(start, end - start));
    start = end + 1;
    if (line.empty()) continue;
    // The summary the prompts ask for comes last: stop at its opening line.
    if (is_summary_line(line)) break;
    const std::string l = lower(line);
    for (std::size_t at = l.find(kLead); at != std::string::npos; at = l.find(kLead, at + 1)) {
      if (!starts_sentence(line.substr(0, at))) continue;
      const std::size_t stop = sentence_end(line, at);
      std::string sentence = trim(line.substr(at, stop - at));
      sentence[0] = 'T';
      while (!sentence.empty() && (sentence.back() == ':' || sentence.back() == '-')) sentence.pop_back();
      if (trim(sentence).size() <= std::string(kLead).size()) continue;
      if (std::find(sentences.begin(), sentences.end(), sentence) == sentences.end()) sentences.push_back(sentence);
    }
  }
  if (max_sentences > 0 && sentences.size() > max_sentences) sentences.resize(max_sentences);
  return sentences;
}

std::vector<std::string> split_sentences(const std::string& raw) {
  static const std::regex kSpaces(R"(\s+)");
  const std::string text = trim(std::regex_replace(raw, kSpaces, " "));
  std::vector<std::string> sentences;
  std::size_t begin = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (!is_terminator(text[i])) continue;
    const bool at_end = i + 1 == text.size();
    const bool boundary = at_end || (text[i + 1] == ' ' && i + 2 < text.size() &&
                                     (std::isupper(static_cast<unsigned char>(text[i + 2])) ||
                                      std::isdigit(static_cast<unsigned char>(text[i + 2])) || text[i + 2] == '"'));
    if (!boundary || (text[i] == '.' && is_abbreviation(text, i))) continue;
    sentences.push_back(trim(text.substr(begin, i + 1 - begin)));
    begin = i + 1;
  }
  const std::string rest = trim(text.substr(std::min(begin, text.size())));
  if (!rest.empty() && sentences.empty()) sentences.push_back(rest);
  return sentences;
}

}  // namespace sfar::describe
