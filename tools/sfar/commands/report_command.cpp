// `sfar report --method NAME=DIR [--method ...] [--out table.md] [--page report.md]`: the paper's
// table across methods and protocols (recipes/method_report.h), and with --page the report a
// reader takes in at a glance (recipes/report_page.h):
//
//   sfar report --method "baseline (mean)=runs/qs/mean" --method "SFAR=runs/qs/sfar" --out table.md
//
// The table and its comparison go to stdout; the last line on stdout is the table as JSON.
#include <iostream>

#include "../command.h"
#include "sfar/recipes/method_report.h"

namespace sfar::cli {

void add_report_command(CLI::App& app, CommandContext& context) {
  auto options = std::make_shared<recipes::MethodReportOptions>();
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
  context.on_run(report, [options] {
    const auto result = recipes::write_method_report(*options);
    std::cout << result.table;
    print_json_line(nlohmann::json::parse(result.json));
    return 0;
  });
}

}  // namespace sfar::cli
