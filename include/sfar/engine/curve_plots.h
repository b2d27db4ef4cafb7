// PNG plots of a run's curves, drawn by gnuplot from metrics.jsonl: the training loss and the
// learning rate per step, and the evaluation metrics (top-1, top-5, mean class accuracy, mAP:
// whichever the run logged) per epoch. The data files and the gnuplot script are written into
// <run>/plots so that a user can restyle and rerun them (`cd <run>/plots && gnuplot curves.gp`).
//
//   const PlotResult r = plot_training_curves(run_dir);
//   if (!r.warning.empty()) SFAR_LOG_WARN("{}", r.warning);   // e.g. gnuplot not installed
#pragma once

#include <string>
#include <vector>

namespace sfar::engine {

struct PlotResult {
  std::string dir;                  // <run>/plots
  std::vector<std::string> pngs;    // the plots gnuplot wrote
  std::string warning;              // why no plots were drawn (gnuplot missing or failing); empty: fine
};

// Reads <run_dir>/metrics.jsonl (the last line of each step wins, as after a resume), writes
// loss.dat, lr.dat, eval.dat and curves.gp into <run_dir>/plots and runs `gnuplot` (looked up
// in PATH, or the program given) there without a shell; its output goes to gnuplot.log.
// gnuplot missing or failing is a warning, not an error. Throws IoError/FormatError naming
// the file when metrics.jsonl cannot be read or the plot files cannot be written.
PlotResult plot_training_curves(const std::string& run_dir, const std::string& gnuplot = "gnuplot");

// The gnuplot script plot_training_curves writes (only fixed, relative file names appear in
// it, so no path from the user ever reaches gnuplot's parser). `eval_columns` name eval.dat's
// columns after the epoch.
std::string curves_gnuplot_script(const std::vector<std::string>& eval_columns, bool has_train, bool has_eval);

// `program` when it contains a '/', else the first executable PATH entry; empty when none.
std::string find_program(const std::string& program);

}  // namespace sfar::engine
