// The cache file `sfar describe generate|import` extend, and what those commands report: the
// commands only read options and print what these functions return.
//
//   DescriptionTarget target{.labels = "classes.csv", .out = "k400.json"};
//   std::cout << import_into_target(target, "ost", "4_descriptors.json") << "\n";
#pragma once

#include <string>

#include "sfar/describe/description_cache.h"
#include "sfar/describe/description_generator.h"
#include "sfar/io/class_names.h"

namespace sfar::describe {

struct DescriptionTarget {
  std::string labels;                  // the dataset's class-name file
  std::string labels_format = "auto";  // io::class_name_formats(); an unknown name names --labels-format
  std::string out;                     // the cache: extended when it exists
  std::string dataset;                 // stored in a new cache; empty: the file stem of `out`
  std::string global_template = kDefaultGlobalTemplate;  // of a new cache
};

struct OpenedTarget {
  io::ClassNames labels;
  DescriptionCache cache;
};

// Reads the class names, then the cache at `out` when it exists (checked against them: a cache
// of another label file is a FormatError naming it), else a new cache of those classes.
OpenedTarget open_description_target(const DescriptionTarget& target);

// Imports `input`, in the description format named `format`, into the target and saves it.
// Returns the JSON summary: out, input, format, classes, imported.
std::string import_into_target(const DescriptionTarget& target, const std::string& format, const std::string& input);

// Asks `client` for every class of the target that needs sets (generate_descriptions).
DescriptionGenerationReport generate_into_target(const DescriptionTarget& target, ChatClient& client,
                                                 const DescriptionGeneratorOptions& options);

// A generation run's JSON summary: out, classes, queried, skipped, requests, failures (a count),
// kept (a count) and interrupted.
std::string generation_summary_json(const DescriptionGenerationReport& report, const std::string& out);

// One progress report as text for stderr. `redraw` (a terminal): a bar redrawn in place,
// "\r[###...] 3/10 classes  0.50 classes/s  ETA 0h00m14s ", with a newline once all are done;
// otherwise one line per class, "describe: 3/10 classes (0.50 classes/s, ETA 0h00m14s): <class>\n".
// The rate counts the classes queried; the ETA is "?" until one was.
std::string description_progress_text(const DescriptionProgress& progress, bool redraw);

}  // namespace sfar::describe
