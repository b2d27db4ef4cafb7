#include "sfar/engine/curve_plots.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "sfar/core/atomic_file.h"
#include "sfar/core/error.h"

namespace fs = std::filesystem;

namespace sfar::engine {
namespace {

// Evaluation metrics worth a curve, in the order they are drawn.
const std::vector<std::string> kEvalMetrics = {"top1", "top5", "mean_class_accuracy", "mAP"};

struct Curves {
  std::map<std::int64_t, std::pair<double, double>> train;  // step -> (loss, lr)
  std::map<std::int64_t, std::map<std::string, double>> eval;  // epoch (1-based) -> metric -> value
};

double number_or_nan(const nlohmann::json& j, const char* key) {
  const auto it = j.find(key);
  return it != j.end() && it->is_number() ? it->get<double>() : NAN;
}

Curves read_curves(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw IoError(path, "cannot open the metrics file");
  Curves curves;
  int line_no = 0;
  for (std::string line; std::getline(in, line);) {
    ++line_no;
    if (line.empty()) continue;
    const auto j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded() || !j.is_object()) {
      throw FormatError(path + ":" + std::to_string(line_no), "not a JSON object", line);
    }
    const std::string kind = j.value("kind", "");
    if (kind == "train" && j.contains("step")) {
      curves.train[j["step"].get<std::int64_t>()] = {number_or_nan(j, "loss"), number_or_nan(j, "lr")};
    } else if (kind == "eval" && j.contains("epoch")) {
      auto& row = curves.eval[j["epoch"].get<std::int64_t>() + 1];
      row.clear();
      for (const auto& name : kEvalMetrics) {
        if (j.contains(name)) row[name] = number_or_nan(j, name.c_str());
      }
    }
  }
  return curves;
}

// gnuplot's missing-data marker for NaN (null in metrics.jsonl).
std::string cell(double v) {
  if (!std::isfinite(v)) return "?";
  std::ostringstream s;
  s.precision(10);
  s << v;
  return s.str();
}

// Runs `program script` in `dir`, output into `log`; returns the exit status (-1: did not exit).
int run_in_dir(const std::string& program, const std::string& dir, const std::string& script,
               const std::string& log) {
  // Everything the child touches is prepared before fork: after it only async-signal-safe calls.
  std::vector<char> prog(program.begin(), program.end()), arg(script.begin(), script.end());
  prog.push_back('\0');
  arg.push_back('\0');
  char* argv[] = {prog.data(), arg.data(), nullptr};
  const int log_fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (log_fd < 0) throw IoError(log, std::string("cannot create: ") + std::strerror(errno));
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(log_fd);
    throw IoError(program, std::string("cannot start: ") + std::strerror(errno));
  }
  if (pid == 0) {
    const int null_fd = ::open("/dev/null", O_RDONLY);
    if (null_fd >= 0) ::dup2(null_fd, STDIN_FILENO);
    ::dup2(log_fd, STDOUT_FILENO);
    ::dup2(log_fd, STDERR_FILENO);
    if (::chdir(dir.c_str()) != 0) ::_exit(126);
    ::execv(argv[0], argv);
    ::_exit(127);
  }
  ::close(log_fd);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return -1;
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

bool is_png(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  char sig[8] = {0};
  in.read(sig, 8);
  return in.gcount() == 8 && std::memcmp(sig, "\x89PNG\r\n\x1a\n", 8) == 0;
}

}  // namespace

std::string find_program(const std::string& program) {
  if (program.find('/') != std::string::npos) return ::access(program.c_str(), X_OK) == 0 ? program : "";
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path ? path : "/usr/local/bin:/usr/bin:/bin");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    const std::string candidate = (fs::path(dir.empty() ? "." : dir) / program).string();
    if (::access(candidate.c_str(), X_OK) == 0 && !fs::is_directory(candidate)) return candidate;
  }
  return "";
}

std::string curves_gnuplot_script(const std::vector<std::string>& eval_columns, bool has_train, bool has_eval) {
  std::ostringstream s;
  s << "# Written by sfar train: the run's curves from metrics.jsonl. Rerun with `gnuplot curves.gp`.\n"
       "if (strstrt(GPVAL_TERMINALS, \"pngcairo\") > 0) {\n"
       "  set terminal pngcairo size 900,560 enhanced font \"sans,10\"\n"
       "} else {\n"
       "  set terminal png size 900,560\n"
       "}\n"
       "set datafile missing \"?\"\n"
       "set grid\n"
       "set key top right\n";
  if (has_train) {
    s << "set output \"loss.png\"\n"
         "set title \"training loss\"\nset xlabel \"optimizer step\"\nset ylabel \"loss\"\n"
         "plot \"loss.dat\" using 1:2 with linespoints pointtype 7 pointsize 0.4 title \"loss\"\n"
         "set output \"lr.png\"\n"
         "set title \"learning rate\"\nset ylabel \"lr\"\nset format y \"%.1e\"\n"
         "plot \"lr.dat\" using 1:2 with lines linewidth 2 title \"lr\"\n"
         "set format y \"%g\"\n";
  }
  if (has_eval && !eval_columns.empty()) {
    s << "set output \"eval.png\"\n"
         "set title \"evaluation\"\nset xlabel \"epoch\"\nset ylabel \"percent\"\nset key bottom right\n"
         "plot ";
    for (std::size_t i = 0; i < eval_columns.size(); ++i) {
      // Column names are sfar's own metric names (kEvalMetrics), never user text.
      std::string title = eval_columns[i];
      for (auto& c : title) c = c == '_' ? ' ' : c;
      s << (i ? ", \\\n     " : "") << "\"eval.dat\" using 1:" << i + 2
        << " with linespoints pointtype 7 title \"" << title << "\"";
    }
    s << "\n";
  }
  s << "unset output\n";
  return s.str();
}

PlotResult plot_training_curves(const std::string& run_dir, const std::string& gnuplot) {
  const Curves curves = read_curves((fs::path(run_dir) / "metrics.jsonl").string());
  PlotResult result;
  result.dir = (fs::path(run_dir) / "plots").string();
  std::error_code ec;
  fs::create_directories(result.dir, ec);
  if (ec) throw IoError(result.dir, "cannot create the plot directory: " + ec.message());
  const auto file = [&](const char* name) { return (fs::path(result.dir) / name).string(); };

  std::string loss = "# step loss\n", lr = "# step lr\n";
  for (const auto& [step, v] : curves.train) {
    loss += std::to_string(step) + " " + cell(v.first) + "\n";
    lr += std::to_string(step) + " " + cell(v.second) + "\n";
  }
  std::vector<std::string> columns;
  for (const auto& name : kEvalMetrics) {
    for (const auto& [epoch, row] : curves.eval) {
      if (row.count(name)) {
        columns.push_back(name);
        break;
      }
    }
  }
  std::string eval = "# epoch";
  for (const auto& c : columns) eval += " " + c;
  eval += "\n";
  for (const auto& [epoch, row] : curves.eval) {
    eval += std::to_string(epoch);
    for (const auto& c : columns) eval += " " + cell(row.count(c) ? row.at(c) : NAN);
    eval += "\n";
  }
  const bool has_train = !curves.train.empty(), has_eval = !curves.eval.empty() && !columns.empty();
  write_file_atomic(file("loss.dat"), loss);
  write_file_atomic(file("lr.dat"), lr);
  write_file_atomic(file("eval.dat"), eval);
  write_file_atomic(file("curves.gp"), curves_gnuplot_script(columns, has_train, has_eval));
  if (!has_train && !has_eval) {
    result.warning = "no training or evaluation metrics in " + run_dir + "/metrics.jsonl: nothing to plot";
    return result;
  }

  const std::string program = find_program(gnuplot);
  if (program.empty()) {
    result.warning = "gnuplot not found, so no PNG plots were drawn (install it, e.g. `apt-get install "
                     "gnuplot-nox` on Debian/Ubuntu, then run `gnuplot curves.gp` in " + result.dir + ")";
    return result;
  }
  const int status = run_in_dir(program, result.dir, "curves.gp", file("gnuplot.log"));
  if (status != 0) {
    result.warning = program + " failed (exit status " + std::to_string(status) + "); see " + file("gnuplot.log");
    return result;
  }
  std::vector<const char*> expected;
  if (has_train) expected = {"loss.png", "lr.png"};
  if (has_eval) expected.push_back("eval.png");
  for (const char* name : expected) {
    if (is_png(file(name))) {
      result.pngs.push_back(file(name));
    } else if (result.warning.empty()) {
      result.warning = "gnuplot did not write " + file(name) + "; see " + file("gnuplot.log");
    }
  }
  return result;
}

}  // namespace sfar::engine
