// `sfar report --page report.md`: the report a reader takes in at a glance. It leads with the
// table (and the comparison of methods), then one sentence per column saying what the column
// measures (protocol, number of classes, chance level, seeds), then the training curves and the
// key-frame pictures as markdown image links relative to the page, then any notes.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace sfar::recipes {

struct ReportPage {
  std::string path;                                          // where the page goes (links are relative to it)
  std::string title;                                         // the page's heading; empty: "Results"
  std::string table;                                         // markdown: the table and the comparison
  std::vector<std::string> headers;                          // the table's columns: "<protocol> <column>"
  std::vector<std::pair<std::string, std::string>> methods;  // (name, dir) of each row
  std::vector<std::string> curves;    // folders of PNG curves; empty: each method's first supervised run's plots/
  std::vector<std::string> pictures;  // key-frame pictures (sfar infer --explain)
  std::string notes;                  // a markdown file appended at the end; empty: none
};

// One sentence for the column `header` ("few-shot K=4") from the methods' results.json and run
// directories: what is trained and tested (the protocol's row of protocol_table() says), the number of classes and chance (from the first run's
// per_class_accuracy.csv, when there is one) and the seeds.
std::string column_sentence(const std::string& header, const std::vector<std::pair<std::string, std::string>>& methods);

// The page's markdown. Throws IoError naming a notes file that cannot be read.
std::string report_page_markdown(const ReportPage& page);

}  // namespace sfar::recipes
