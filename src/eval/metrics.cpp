#include "sfar/eval/metrics.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <sstream>

#include "sfar/core/atomic_file.h"
#include "sfar/core/error.h"

namespace sfar::eval {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// A [N, C] tensor as row-major doubles on the CPU.
std::vector<double> to_doubles(const torch::Tensor& t) {
  const auto c = t.detach().to(torch::kCPU, torch::kFloat64).contiguous();
  return std::vector<double>(c.data_ptr<double>(), c.data_ptr<double>() + c.numel());
}

// A CSV field, quoted when it holds a comma, quote or line break.
std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char ch : s) {
    if (ch == '"') out += '"';
    out += ch;
  }
  return out + "\"";
}

std::string format_double(double v) {
  std::ostringstream ss;
  ss.precision(17);
  ss << v;
  return ss.str();
}

void check_names(const std::string& path, const ClassificationResult& r, const std::vector<std::string>& names) {
  if (static_cast<std::int64_t>(names.size()) != r.num_classes) {
    throw ArgumentError(path, "class names do not match the scores' " + std::to_string(r.num_classes) + " classes",
                        std::to_string(names.size()));
  }
}

}  // namespace

double ClassificationResult::class_accuracy(std::int64_t c) const {
  const auto n = class_count.at(static_cast<std::size_t>(c));
  return n == 0 ? kNaN : static_cast<double>(class_correct[static_cast<std::size_t>(c)]) / static_cast<double>(n);
}

std::map<std::string, double> ClassificationResult::summary() const {
  return {{"top1", top1}, {"top5", top5}, {"mean_class_accuracy", mean_class_accuracy}};
}

ClassificationResult classify(const torch::Tensor& scores, const torch::Tensor& labels) {
  if (scores.dim() != 2 || labels.dim() != 1 || scores.size(0) != labels.size(0) || scores.size(0) == 0 ||
      scores.size(1) == 0) {
    throw ArgumentError("classification metrics", "expected scores [N, C] and labels [N], N, C > 0",
                        "scores " + c10::str(scores.sizes()) + ", labels " + c10::str(labels.sizes()));
  }
  const std::int64_t N = scores.size(0), C = scores.size(1);
  const auto s = to_doubles(scores);
  const auto l = labels.detach().to(torch::kCPU, torch::kInt64).contiguous();
  const std::int64_t* label = l.data_ptr<std::int64_t>();
  const std::int64_t k = std::min<std::int64_t>(5, C);

  ClassificationResult r;
  r.num_classes = C;
  r.num_videos = N;
  r.class_count.assign(static_cast<std::size_t>(C), 0);
  r.class_correct.assign(static_cast<std::size_t>(C), 0);
  r.confusion.assign(static_cast<std::size_t>(C * C), 0);
  std::int64_t hits1 = 0, hitsk = 0;
  for (std::int64_t i = 0; i < N; ++i) {
    const std::int64_t y = label[i];
    if (y < 0 || y >= C) {
      throw ArgumentError("classification metrics: label of video " + std::to_string(i),
                          "outside [0, " + std::to_string(C) + ")", std::to_string(y));
    }
    const double* row = s.data() + i * C;
    std::int64_t pred = 0, rank = 0;  // rank of the true class: classes ahead of it
    for (std::int64_t c = 0; c < C; ++c) {
      if (row[c] > row[pred]) pred = c;
      if (row[c] > row[y] || (row[c] == row[y] && c < y)) ++rank;
    }
    ++r.class_count[static_cast<std::size_t>(y)];
    ++r.confusion[static_cast<std::size_t>(y * C + pred)];
    if (pred == y) {
      ++hits1;
      ++r.class_correct[static_cast<std::size_t>(y)];
    }
    if (rank < k) ++hitsk;
  }
  double class_sum = 0;
  std::int64_t present = 0;
  for (std::int64_t c = 0; c < C; ++c) {
    if (r.class_count[static_cast<std::size_t>(c)] == 0) continue;
    class_sum += r.class_accuracy(c);
    ++present;
  }
  r.top1 = 100.0 * static_cast<double>(hits1) / static_cast<double>(N);
  r.top5 = 100.0 * static_cast<double>(hitsk) / static_cast<double>(N);
  r.mean_class_accuracy = 100.0 * class_sum / static_cast<double>(present);
  return r;
}

double average_precision(const std::vector<double>& scores, const std::vector<bool>& positive) {
  if (scores.size() != positive.size()) {
    throw ArgumentError("average precision", "scores and targets differ in length",
                        std::to_string(scores.size()) + " vs " + std::to_string(positive.size()));
  }
  const auto positives = std::count(positive.begin(), positive.end(), true);
  if (positives == 0) return kNaN;
  std::vector<std::size_t> order(scores.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return scores[a] > scores[b]; });
  double ap = 0;
  std::int64_t tp = 0, seen = 0;
  for (std::size_t i = 0; i < order.size();) {
    std::int64_t group_tp = 0;
    std::size_t j = i;
    for (; j < order.size() && scores[order[j]] == scores[order[i]]; ++j) {  // one threshold
      group_tp += positive[order[j]] ? 1 : 0;
      ++seen;
    }
    tp += group_tp;
    if (group_tp > 0) {
      ap += static_cast<double>(group_tp) / static_cast<double>(positives) *
            (static_cast<double>(tp) / static_cast<double>(seen));
    }
    i = j;
  }
  return ap;
}

std::vector<double> average_precision_per_class(const torch::Tensor& scores, const torch::Tensor& targets) {
  if (scores.dim() != 2 || scores.sizes() != targets.sizes() || scores.size(0) == 0) {
    throw ArgumentError("mean average precision", "expected scores and targets of the same shape [N, C], N > 0",
                        "scores " + c10::str(scores.sizes()) + ", targets " + c10::str(targets.sizes()));
  }
  const std::int64_t N = scores.size(0), C = scores.size(1);
  const auto s = to_doubles(scores);
  const auto t = to_doubles(targets);
  std::vector<double> ap(static_cast<std::size_t>(C));
  std::vector<double> column(static_cast<std::size_t>(N));
  std::vector<bool> positive(static_cast<std::size_t>(N));
  for (std::int64_t c = 0; c < C; ++c) {
    for (std::int64_t i = 0; i < N; ++i) {
      column[static_cast<std::size_t>(i)] = s[static_cast<std::size_t>(i * C + c)];
      positive[static_cast<std::size_t>(i)] = t[static_cast<std::size_t>(i * C + c)] > 0.5;
    }
    ap[static_cast<std::size_t>(c)] = average_precision(column, positive);
  }
  return ap;
}

double mean_average_precision(const torch::Tensor& scores, const torch::Tensor& targets) {
  const auto ap = average_precision_per_class(scores, targets);
  double sum = 0;
  std::int64_t used = 0;
  for (double a : ap) {
    if (std::isnan(a)) continue;
    sum += a;
    ++used;
  }
  if (used == 0) throw ArgumentError("mean average precision", "no class has a positive target");
  return 100.0 * sum / static_cast<double>(used);
}

void write_per_class_accuracy_csv(const std::string& path, const ClassificationResult& result,
                                  const std::vector<std::string>& class_names) {
  check_names(path, result, class_names);
  std::string out = "id,name,count,accuracy\n";
  for (std::int64_t c = 0; c < result.num_classes; ++c) {
    const double acc = result.class_accuracy(c);
    out += std::to_string(c) + "," + csv_field(class_names[static_cast<std::size_t>(c)]) + "," +
           std::to_string(result.class_count[static_cast<std::size_t>(c)]) + "," +
           (std::isnan(acc) ? std::string() : format_double(100.0 * acc)) + "\n";
  }
  write_file_atomic(path, out);
}

void write_confusion_matrix_csv(const std::string& path, const ClassificationResult& result,
                                const std::vector<std::string>& class_names) {
  check_names(path, result, class_names);
  const std::int64_t C = result.num_classes;
  std::string out = "true\\pred";
  for (const auto& name : class_names) out += "," + csv_field(name);
  out += "\n";
  for (std::int64_t y = 0; y < C; ++y) {
    out += csv_field(class_names[static_cast<std::size_t>(y)]);
    for (std::int64_t p = 0; p < C; ++p) {
      out += "," + std::to_string(result.confusion[static_cast<std::size_t>(y * C + p)]);
    }
    out += "\n";
  }
  write_file_atomic(path, out);
}

}  // namespace sfar::eval
