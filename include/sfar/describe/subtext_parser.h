// Turning free text into sub-text sentences.
//
// An LLM answer to one of SFAR's question prompts becomes one candidate set: the sentences
// that begin "This action is", in order, whatever the layout (numbered or bulleted lists,
// markdown bold and headings, "Step 1:" labels, line breaks), without the summary the
// prompt may ask for. Imported paragraphs (EZ-CLIP) are split into plain sentences.
//
//   parse_subtext_answer("1. **Grip**: This action is holding the bar.\nIn summary, ...", 4)
//   -> {"This action is holding the bar."}
#pragma once

#include <string>
#include <vector>

namespace sfar::describe {

// Sentences starting "This action is" (any case; returned with a capital T), at most
// `max_sentences` (0 = all), duplicates and summary sentences dropped.
std::vector<std::string> parse_subtext_answer(const std::string& answer, std::size_t max_sentences = 4);

// Splits prose into sentences at '.', '!' or '?' followed by a space and a capital letter,
// a digit or a quote, or by the end; common abbreviations ("e.g.", "Mr.") do not split. A
// trailing fragment without final punctuation (a truncated paragraph) is dropped when a
// complete sentence precedes it.
std::vector<std::string> split_sentences(const std::string& text);

// Removes markdown emphasis (**, __, `), heading marks and list markers, and collapses
// whitespace.
std::string strip_markdown(const std::string& line);

}  // namespace sfar::describe
