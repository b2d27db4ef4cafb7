// Importing descriptions that peers published, as candidate sets of a description cache:
// - ost:     OST's `{"<class id>": ["sentence", ...]}` JSON (ids index the label file);
// - ezclip:  EZ-CLIP's CSV `SNo,Class Name,GPT3 discription`, one paragraph per class, split
//            into sentences; rows are matched to classes by name, since their order differs
//            from the label files' (HMDB, K600);
// - froster: FROSTER's `{"<class id>": "Name: sentence ..."}` JSON (a string or a list of
//            them; the "Name:" prefix is removed);
// - yaml:    `{class name: [sentence, ...]}`.
// Each class gets one candidate set with provenance "imported from <file>". A class of the
// file that the label file lacks, an id out of range or an empty entry throws FormatError
// naming the file and the entry; classes the file lacks stay without candidates.
//
//   DescriptionCache cache = new_description_cache(labels, "k400");
//   import_descriptions(cache, labels, DescriptionFormat::ost, "4_descriptors.json");
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "sfar/describe/description_cache.h"
#include "sfar/io/class_names.h"

namespace sfar::describe {

enum class DescriptionFormat { ost, ezclip, froster, yaml };

// The one table of import formats (table order is enumerator order): `sfar describe import
// --format` help and the error for an unknown name come from it. `import` adds one candidate
// set per class found in `path` and returns the number of classes filled.
struct DescriptionFormatEntry {
  const char* name;
  DescriptionFormat value;
  const char* description;
  std::size_t (*import)(DescriptionCache& cache, const std::string& path);
};
const std::vector<DescriptionFormatEntry>& description_formats();

// A name of description_formats(); ArgumentError naming --format and every known name otherwise.
DescriptionFormat description_format_from_string(const std::string& text);

// Adds one candidate set per class found in `path`. Returns the number of classes filled.
std::size_t import_descriptions(DescriptionCache& cache, DescriptionFormat format, const std::string& path);

}  // namespace sfar::describe
