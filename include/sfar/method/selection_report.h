// What `sfar describe select` prints after a selection, as three JSON lines: the summary, the
// lowest-scoring classes and the histogram of the selected sets' TPP.
#pragma once

#include <string>
#include <vector>

#include "sfar/method/subtext_selection.h"

namespace sfar::method {

struct SelectionReportOptions {
  SelectionMode mode = SelectionMode::per_class;  // the selection's
  std::size_t lowest = 10;  // classes listed, lowest TPP first
  std::size_t bins = 10;    // of the histogram
  bool verbose = false;     // adds the text counts and times to the summary
  double total_s = 0;       // the whole run's seconds, for `verbose`
};

// Reads the cache the selection wrote. The summary holds cache, dataset, mode, global_template,
// classes, dataset_tpp and, in dataset mode, dataset_set; verbose adds texts_total,
// texts_encoded, encode_s, score_s and total_s. A listed class without a selected set and its
// TPP is a FormatError naming the cache and the class.
std::vector<std::string> selection_report_lines(const std::string& cache_path, const SubtextSelectionStats& stats,
                                                const SelectionReportOptions& options);

}  // namespace sfar::method
