#include "sfar/recipes/report_page.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>

#include "sfar/core/atomic_file.h"
#include "sfar/core/error.h"
#include "sfar/recipes/protocol_runner.h"

namespace sfar::recipes {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

// A results.json, or null when it is missing or unreadable (the table has already read those
// it shows; the sentences only add what they can find).
Json try_results(const fs::path& path) {
  std::ifstream in(path);
  if (!in) return nullptr;
  try {
    return Json::parse(in);
  } catch (const Json::exception&) {
    return nullptr;
  }
}

// Classes in a run's per_class_accuracy.csv (a header line, then one line per class); 0 when none.
std::int64_t class_count(const std::string& work_dir) {
  std::ifstream in(fs::path(work_dir) / "per_class_accuracy.csv");
  if (!in) return 0;
  std::int64_t lines = 0;
  for (std::string line; std::getline(in, line);) lines += !line.empty();
  return std::max<std::int64_t>(0, lines - 1);
}

std::string percent(double x) {
  char text[32];
  std::snprintf(text, sizeof(text), "%.1f %%", x);
  return text;
}

// What a column's runs were trained on and tested on, as the protocol's table row says.
std::string what_is_measured(const std::string& protocol, const std::string& column) {
  for (const auto& entry : protocol_table()) {
    if (entry.name != protocol) continue;
    const std::string measured = entry.measures(column);
    if (!measured.empty()) return measured;
  }
  return "(" + protocol + ")";
}

std::string relative_link(const fs::path& file, const fs::path& page_dir) {
  return fs::proximate(file, page_dir.empty() ? fs::path(".") : page_dir).generic_string();
}

std::vector<fs::path> pngs_in(const fs::path& dir) {
  std::vector<fs::path> out;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (entry.is_regular_file() && entry.path().extension() == ".png") out.push_back(entry.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

// Each method's first supervised run's plots/ (what `sfar protocol` draws), where it has one.
std::vector<std::pair<std::string, fs::path>> default_curves(const ReportPage& page) {
  std::vector<std::pair<std::string, fs::path>> out;
  for (const auto& [name, dir] : page.methods) {
    const Json results = try_results(fs::path(dir) / to_string(ProtocolKind::kSupervised) / "results.json");
    if (!results.is_object() || !results.contains("runs") || results["runs"].empty()) continue;
    const fs::path plots = fs::path(results["runs"][0].value("work_dir", std::string())) / "plots";
    if (fs::is_directory(plots)) out.emplace_back(name, plots);
  }
  return out;
}

}  // namespace

std::string column_sentence(const std::string& header,
                            const std::vector<std::pair<std::string, std::string>>& methods) {
  const auto space = header.find(' ');
  const std::string protocol = header.substr(0, space);
  const std::string column = space == std::string::npos ? "" : header.substr(space + 1);
  std::string metric = "top1";
  std::set<std::int64_t> seeds;
  std::int64_t classes = 0;
  for (const auto& method : methods) {
    const Json results = try_results(fs::path(method.second) / protocol / "results.json");
    if (!results.is_object()) continue;
    metric = results.value("metric", metric);
    const Json runs = results.value("runs", Json::array());
    bool any = false;
    for (const auto& run : runs) any = any || run.value("column", std::string()) == column;
    for (const auto& run : runs) {  // supervised top-5 shares the top-1 column's runs
      if (any && run.value("column", std::string()) != column) continue;
      seeds.insert(run.value("seed", std::int64_t{0}));
      if (classes == 0) classes = class_count(run.value("work_dir", std::string()));
    }
    if (!seeds.empty()) break;
  }
  const bool map = metric == "mAP";
  const bool top5 = column == "top-5";
  std::string text = "- **" + header + "**: " + (map ? "mAP" : top5 ? "top-5 accuracy" : "top-1 accuracy") +
                     " (%) " + what_is_measured(protocol, column);
  if (classes > 0) {
    text += "; " + std::to_string(classes) + " classes";
    if (!map && column != "HM") {
      const double chance = 100.0 * static_cast<double>(std::min<std::int64_t>(top5 ? 5 : 1, classes)) /
                            static_cast<double>(classes);
      text += ", chance " + percent(chance);
    }
  }
  if (!seeds.empty()) {
    std::string list;
    for (const auto s : seeds) list += (list.empty() ? "" : ", ") + std::to_string(s);
    text += std::string("; ") + (seeds.size() == 1 ? "seed " : "mean ± std over seeds ") + list;
  }
  return text + ".\n";
}

namespace {

// Per method, the CPU and the commit of its first run (environment.json): figures can differ
// in the last digits on another CPU type. Empty when no run recorded them.
std::string machine_section(const std::vector<std::pair<std::string, std::string>>& methods) {
  std::string lines;
  for (const auto& [name, dir] : methods) {
    for (const auto& protocol : protocol_table()) {
      const Json results = try_results(fs::path(dir) / protocol.name / "results.json");
      const Json runs = results.is_object() ? results.value("runs", Json::array()) : Json::array();
      if (runs.empty()) continue;
      const Json env = try_results(fs::path(runs[0].value("work_dir", std::string())) / "environment.json");
      if (env.is_object()) {
        lines += "- " + name + ": " + env.value("cpu_model", std::string("unknown CPU")) + ", sfar commit " +
                 env.value("git_commit", std::string("unknown")) + "\n";
      }
      break;
    }
  }
  if (lines.empty()) return "";
  return "\n## Where it ran\n\nEach method's first run, from its environment.json (another CPU type can change "
         "the last digits):\n\n" + lines;
}

}  // namespace

std::string report_page_markdown(const ReportPage& page) {
  const fs::path page_dir = fs::path(page.path).parent_path();
  std::string md = "# " + (page.title.empty() ? std::string("Results") : page.title) + "\n\n" + page.table;
  md += "\n## What each column measures\n\n";
  for (const auto& h : page.headers) md += column_sentence(h, page.methods);
  md += machine_section(page.methods);

  std::vector<std::pair<std::string, fs::path>> curves;
  for (const auto& dir : page.curves) curves.emplace_back(fs::path(dir).generic_string(), dir);
  if (page.curves.empty()) curves = default_curves(page);
  if (!curves.empty()) md += "\n## Training curves\n";
  for (const auto& [name, dir] : curves) {
    md += "\n" + name + " (`" + relative_link(dir, page_dir) + "`):\n\n";
    const auto files = pngs_in(dir);
    if (files.empty()) md += "(no PNG curves: install gnuplot for them)\n";
    for (const auto& png : files) md += "![" + png.stem().string() + "](" + relative_link(png, page_dir) + ")\n";
  }
  if (!page.pictures.empty()) {
    md += "\n## Key frames\n\nThe true and the predicted class, the frames the model saw with the coarse and fine "
          "branches' weights, and each key frame with the sub-text that chose it:\n\n";
    for (const auto& picture : page.pictures) md += "![key frames](" + relative_link(picture, page_dir) + ")\n";
  }
  if (!page.notes.empty()) md += "\n" + read_file(page.notes);
  return md;
}

}  // namespace sfar::recipes
