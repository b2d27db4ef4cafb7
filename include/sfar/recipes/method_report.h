// `sfar report`: one markdown table in the shape of the paper's, a row per method and a column
// per protocol cell, from the results.json files that `sfar protocol` wrote under each method's
// directory (<dir>/<protocol>/results.json for every protocol of protocol_table() that has one).
// A cell shows mean ± std over the runs behind it, as `sfar protocol` printed it. With two or
// more methods a comparison follows the table: per column, each later method's mean minus the
// first's, called ahead or behind only when the difference exceeds the noise
// sqrt(std1^2 + std2^2) of the two cells (else "within noise").
//
//   MethodReport r = write_method_report({.methods = {"baseline=runs/qs/mean", "SFAR=runs/qs/sfar"}});
//   std::cout << r.table;   // r.json: the same as one JSON line
#pragma once

#include <map>
#include <string>
#include <vector>

namespace sfar::recipes {

struct MethodReportOptions {
  std::vector<std::string> methods;  // "NAME=DIR": a row each, in this order
  std::string out;                   // also write the table (and comparison) here; empty: no file
  std::string title;                 // a comment line above the table, and the page's heading
  std::string page;                  // also write the report page here (report_page.h); empty: none
  std::string notes;                 // the page: a markdown file appended at the end
  std::vector<std::string> curves;   // the page: folders of PNG curves
  std::vector<std::string> pictures;  // the page: key-frame pictures
};

struct MethodReport {
  std::vector<std::string> headers;  // "<protocol> <column>", in first-appearance order
  std::string table;                 // markdown: the table, then the comparison
  std::string json;                  // one line: {"columns", "rows", "comparison"}
};

// Reads every method's results, writes --out and --page atomically and returns the report.
// ArgumentError for a malformed NAME=DIR; IoError naming a missing directory, a directory
// without results, a missing picture or curves folder; FormatError naming a bad results.json.
MethodReport write_method_report(const MethodReportOptions& options);

}  // namespace sfar::recipes
