// `sfar report --method NAME=DIR [--method ...] [--out table.md]`: one markdown table in the
// shape of the paper's, a row per method and a column per protocol cell, from the
// results.json files that `sfar protocol` wrote under each method's directory:
//
//   sfar report --method "baseline (mean)=runs/qs/mean" --method "SFAR=runs/qs/sfar" --out table.md
//
// reads runs/qs/mean/{supervised,few-shot,zero-shot,base-to-novel}/results.json (those that
// exist). A cell shows mean ± std over the runs behind it, as `sfar protocol` printed it. The
// table goes to stdout and, with --out, into a file (written atomically); the last line on
// stdout is the table as JSON. With two or more methods a comparison follows the table: per
// column, each later method's mean minus the first's, called ahead or behind only when the
// difference exceeds the noise sqrt(std1^2 + std2^2) of the two cells (else "within noise").
// With --page, also the report a reader takes in at a glance (report_page.h).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>

#include "../command.h"
#include "report_page.h"
#include "sfar/core/atomic_file.h"
#include "sfar/core/error.h"

namespace sfar::cli {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

constexpr const char* kProtocols[] = {"supervised", "few-shot", "zero-shot", "base-to-novel"};

struct ReportOptions {
  std::vector<std::string> methods;  // "NAME=DIR"
  std::string out;
  std::string title;
  std::string page, notes;                    // --page report.md (report_page.h), --notes
  std::vector<std::string> curves, pictures;  // --curves DIR, --picture PNG
};

struct MethodRow {
  std::string name;
  std::string dir;
  std::map<std::string, Json> columns;  // column header -> the results.json column
};

// printf-formatted one-decimal number: "%.1f" -> "2.2", "%+.1f" -> "+5.0".
std::string one_decimal(const char* format, double x) {
  char text[32];
  std::snprintf(text, sizeof(text), format, x);
  return text;
}

// Each later row against the first, per column both have: markdown lines and JSON.
std::string comparison(const std::vector<std::string>& headers, const std::vector<MethodRow>& rows, Json& json) {
  std::string text;
  json = Json::array();
  for (std::size_t r = 1; r < rows.size(); ++r) {
    text += "\n" + rows[r].name + " vs " + rows[0].name +
            " (difference of means; noise = sqrt(std1^2 + std2^2) of the two cells):\n\n";
    for (const auto& h : headers) {
      const auto a = rows[0].columns.find(h), b = rows[r].columns.find(h);
      if (a == rows[0].columns.end() || b == rows[r].columns.end()) continue;
      const double diff = b->second.value("mean", 0.0) - a->second.value("mean", 0.0);
      const double noise = std::hypot(a->second.value("std", 0.0), b->second.value("std", 0.0));
      const std::string verdict = std::abs(diff) <= noise ? "within noise" : diff > 0 ? "ahead" : "behind";
      text += "- " + h + ": " + one_decimal("%+.1f", diff) + " (noise " + one_decimal("%.1f", noise) + "): " +
              verdict + "\n";
      json.push_back({{"method", rows[r].name}, {"against", rows[0].name}, {"column", h}, {"difference", diff},
                      {"noise", noise}, {"verdict", verdict}});
    }
  }
  return text;
}

Json read_results(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw IoError(path, "cannot read the protocol results");
  try {
    Json j = Json::parse(in);
    if (!j.contains("columns") || !j["columns"].is_array()) {
      throw FormatError(path, "not a results.json of `sfar protocol`: no \"columns\" array");
    }
    return j;
  } catch (const Json::exception& e) {
    throw FormatError(path, std::string("bad JSON: ") + e.what());
  }
}

// "supervised" + "top1" -> "supervised top1"; "few-shot" + "K=2" -> "few-shot K=2".
std::string header_of(const std::string& protocol, const std::string& column) {
  return protocol + " " + column;
}

std::string markdown(const std::string& title, const std::vector<std::string>& headers,
                     const std::vector<MethodRow>& rows) {
  std::string text;
  if (!title.empty()) text += "<!-- " + title + " -->\n";
  text += "| method |";
  for (const auto& h : headers) text += " " + h + " |";
  text += "\n|---|";
  for (std::size_t i = 0; i < headers.size(); ++i) text += "---|";
  text += "\n";
  for (const auto& row : rows) {
    text += "| " + row.name + " |";
    for (const auto& h : headers) {
      const auto it = row.columns.find(h);
      text += " " + (it == row.columns.end() ? std::string("-") : it->second.value("cell", std::string("-"))) + " |";
    }
    text += "\n";
  }
  return text;
}

int run_report(const ReportOptions& options) {
  if (options.methods.empty()) throw ArgumentError("--method", "give at least one NAME=DIR");
  std::vector<std::string> headers;
  std::vector<MethodRow> rows;
  for (const auto& spec : options.methods) {
    const auto eq = spec.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == spec.size()) {
      throw ArgumentError("--method", "expected NAME=DIR", spec);
    }
    MethodRow row{spec.substr(0, eq), spec.substr(eq + 1), {}};
    const std::string& dir = row.dir;
    if (!fs::is_directory(dir)) throw IoError(dir, "no such directory (--method " + row.name + ")");
    for (const char* protocol : kProtocols) {
      const fs::path path = fs::path(dir) / protocol / "results.json";
      if (!fs::exists(path)) continue;
      const Json results = read_results(path.string());
      for (const auto& column : results["columns"]) {
        const std::string header = header_of(protocol, column.value("name", std::string("?")));
        if (std::find(headers.begin(), headers.end(), header) == headers.end()) headers.push_back(header);
        row.columns[header] = column;
      }
    }
    if (row.columns.empty()) {
      throw IoError(dir, "holds no <protocol>/results.json (supervised, few-shot, zero-shot, base-to-novel)");
    }
    rows.push_back(std::move(row));
  }
  Json json_rows = Json::array();
  for (const auto& row : rows) json_rows.push_back({{"method", row.name}, {"dir", row.dir}, {"cells", row.columns}});
  Json compared;
  const std::string table = markdown(options.title, headers, rows) + comparison(headers, rows, compared);
  if (!options.out.empty()) write_file_atomic(options.out, table);
  if (!options.page.empty()) {
    ReportPage page{options.page, options.title, table, headers, {}, options.curves, options.pictures, options.notes};
    for (const auto& row : rows) page.methods.emplace_back(row.name, row.dir);
    for (const auto& picture : options.pictures) {
      if (!fs::is_regular_file(picture)) throw IoError(picture, "no such picture (--picture)");
    }
    for (const auto& dir : options.curves) {
      if (!fs::is_directory(dir)) throw IoError(dir, "no such directory (--curves)");
    }
    write_file_atomic(options.page, report_page_markdown(page));
  }
  std::cout << table;
  print_json_line({{"columns", headers}, {"rows", json_rows}, {"comparison", compared}});
  return 0;
}

}  // namespace

void add_report_command(CLI::App& app, CommandContext& context) {
  auto options = std::make_shared<ReportOptions>();
  auto* report = app.add_subcommand("report", "Compare methods across protocols from `sfar protocol` results");
  report->add_option("--method", options->methods, "NAME=DIR: a row, from DIR/<protocol>/results.json (repeatable)")
      ->required();
  report->add_option("--out", options->out, "Also write the markdown table to this file");
  report->add_option("--title", options->title, "A comment line above the table (and the --page heading)");
  report->add_option("--page", options->page,
                     "Also write a report page: the table, a sentence per column (classes, chance, seeds), the "
                     "curves and key-frame pictures linked relative to the page");
  report->add_option("--curves", options->curves,
                     "--page: a folder of PNG curves to show (repeatable; default each method's first supervised "
                     "run's plots/)");
  report->add_option("--picture", options->pictures, "--page: a key-frame picture (sfar infer --explain) to show");
  report->add_option("--notes", options->notes, "--page: a markdown file appended at the end");
  context.on_run(report, [options] { return run_report(*options); });
}

}  // namespace sfar::cli
