#include "sfar/recipes/protocol_report.h"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "sfar/core/atomic_file.h"
#include "sfar/core/error.h"

namespace sfar::recipes {

MeanStd mean_std(const std::vector<double>& values) {
  if (values.empty()) throw ArgumentError("mean_std", "needs at least one value");
  MeanStd out;
  out.count = static_cast<std::int64_t>(values.size());
  double sum = 0;
  for (const double v : values) sum += v;
  out.mean = sum / static_cast<double>(values.size());
  double squares = 0;
  for (const double v : values) squares += (v - out.mean) * (v - out.mean);
  out.std = std::sqrt(squares / static_cast<double>(values.size()));
  return out;
}

double harmonic_mean(double a, double b) {
  if (a < 0 || b < 0) {
    throw ArgumentError("harmonic_mean", "needs non-negative accuracies", std::to_string(a < 0 ? a : b));
  }
  return a + b == 0 ? 0.0 : 2 * a * b / (a + b);
}

namespace {

std::string fixed1(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

}  // namespace

std::string format_cell(const ProtocolColumn& column) {
  if (column.derived) return fixed1(*column.derived);
  if (column.values.empty()) return "-";
  const MeanStd m = mean_std(column.values);
  return m.count == 1 ? fixed1(m.mean) : fixed1(m.mean) + " ± " + fixed1(m.std);
}

std::string protocol_markdown(const ProtocolReport& report) {
  std::string header = "| method |", rule = "|---|", row = "| " + report.row + " |";
  for (const auto& c : report.columns) {
    header += " " + c.name + " |";
    rule += "---|";
    row += " " + format_cell(c) + " |";
  }
  const std::string epoch = report.report.empty() ? "" : ", " + report.report + " epoch";
  return "<!-- sfar protocol " + report.protocol + ", " + report.metric + " (%)" + epoch + " -->\n" + header + "\n" +
         rule + "\n" + row + "\n";
}

std::string protocol_json(const ProtocolReport& report) {
  nlohmann::json columns = nlohmann::json::array(), runs = nlohmann::json::array();
  for (const auto& c : report.columns) {
    nlohmann::json j = {{"name", c.name}, {"values", c.values}, {"cell", format_cell(c)}};
    if (c.derived) {
      j["mean"] = *c.derived;
    } else if (!c.values.empty()) {
      const MeanStd m = mean_std(c.values);
      j["mean"] = m.mean;
      j["std"] = m.std;
      j["n"] = m.count;
    }
    columns.push_back(std::move(j));
  }
  auto epoch_json = [](const EpochEval& e) { return nlohmann::json{{"epoch", e.epoch}, {"metrics", e.metrics}}; };
  for (const auto& r : report.runs) {
    nlohmann::json j = {{"column", r.column}, {"seed", r.seed}, {"work_dir", r.work_dir}, {"metrics", r.metrics},
                        {"files", r.files}};
    if (r.steps_per_epoch > 0) j["steps_per_epoch"] = r.steps_per_epoch;
    if (r.best) j["best"] = epoch_json(*r.best);
    if (r.last) j["last"] = epoch_json(*r.last);
    runs.push_back(std::move(j));
  }
  nlohmann::json out = {{"protocol", report.protocol}, {"row", report.row}, {"metric", report.metric},
                        {"columns", columns}, {"runs", runs}};
  if (!report.report.empty()) out["report"] = report.report;
  return out.dump();
}

void write_protocol_report(const std::string& dir, const ProtocolReport& report) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw IoError(dir, "cannot create the directory: " + ec.message());
  write_file_atomic((std::filesystem::path(dir) / "results.json").string(), protocol_json(report) + "\n");
  write_file_atomic((std::filesystem::path(dir) / "results.md").string(), protocol_markdown(report));
}

}  // namespace sfar::recipes
