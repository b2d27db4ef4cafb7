#include "sfar/recipes/method_report.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "sfar/core/atomic_file.h"
#include "sfar/core/error.h"
#include "sfar/core/name_table.h"
#include "sfar/recipes/protocol_runner.h"
#include "sfar/recipes/report_page.h"

namespace sfar::recipes {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

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
    // The comparison reads mean and std: a column without them would compare as 0.
    for (const auto& column : j["columns"]) {
      const std::string name = column.is_object() ? column.value("name", std::string("?")) : "?";
      if (!column.is_object() || !column.contains("name") || !column["name"].is_string() ||
          !column.contains("mean") || !column["mean"].is_number() ||
          (column.contains("std") && !column["std"].is_number())) {
        throw FormatError(path, "column '" + name + "' needs a string \"name\" and a numeric \"mean\" (and \"std\")");
      }
    }
    return j;
  } catch (const Json::exception& e) {
    throw FormatError(path, std::string("bad JSON: ") + e.what());
  }
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

// One row from "NAME=DIR": every protocol's results under DIR, each column as "<protocol> <column>"
// ("few-shot K=2"), its header appended to `headers` on first sight.
MethodRow read_row(const std::string& spec, std::vector<std::string>& headers) {
  const auto eq = spec.find('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == spec.size()) {
    throw ArgumentError("--method", "expected NAME=DIR", spec);
  }
  MethodRow row{spec.substr(0, eq), spec.substr(eq + 1), {}};
  if (!fs::is_directory(row.dir)) throw IoError(row.dir, "no such directory (--method " + row.name + ")");
  for (const auto& protocol : protocol_table()) {
    const fs::path path = fs::path(row.dir) / protocol.name / "results.json";
    if (!fs::exists(path)) continue;
    const Json results = read_results(path.string());
    for (const auto& column : results["columns"]) {
      const std::string header = protocol.name + " " + column["name"].get<std::string>();
      if (std::find(headers.begin(), headers.end(), header) == headers.end()) headers.push_back(header);
      row.columns[header] = column;
    }
  }
  if (row.columns.empty()) {
    throw IoError(row.dir, "holds no <protocol>/results.json (" + joined_entry_names(protocol_table()) + ")");
  }
  return row;
}

void write_page(const MethodReportOptions& options, const MethodReport& report, const std::vector<MethodRow>& rows) {
  ReportPage page{options.page, options.title, report.table, report.headers, {}, options.curves, options.pictures,
                  options.notes};
  for (const auto& row : rows) page.methods.emplace_back(row.name, row.dir);
  for (const auto& picture : options.pictures) {
    if (!fs::is_regular_file(picture)) throw IoError(picture, "no such picture (--picture)");
  }
  for (const auto& dir : options.curves) {
    if (!fs::is_directory(dir)) throw IoError(dir, "no such directory (--curves)");
  }
  write_file_atomic(options.page, report_page_markdown(page));
}

}  // namespace

MethodReport write_method_report(const MethodReportOptions& options) {
  if (options.methods.empty()) throw ArgumentError("--method", "give at least one NAME=DIR");
  MethodReport report;
  std::vector<MethodRow> rows;
  for (const auto& spec : options.methods) rows.push_back(read_row(spec, report.headers));
  Json json_rows = Json::array();
  for (const auto& row : rows) json_rows.push_back({{"method", row.name}, {"dir", row.dir}, {"cells", row.columns}});
  Json compared;
  report.table = markdown(options.title, report.headers, rows) + comparison(report.headers, rows, compared);
  report.json = Json{{"columns", report.headers}, {"rows", json_rows}, {"comparison", compared}}.dump();
  if (!options.out.empty()) write_file_atomic(options.out, report.table);
  if (!options.page.empty()) write_page(options, report, rows);
  return report;
}

}  // namespace sfar::recipes
