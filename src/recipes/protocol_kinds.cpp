// The four protocols, one row of protocol_table() each: what a protocol checks in the config,
// how it runs its cells (protocol_cells.h) and what each of its columns measures. A new protocol
// is one more enumerator (protocol_runner.h), its keys (protocol_config.h) and its row here.
#include <torch/torch.h>

#include <filesystem>
#include <map>
#include <set>

#include "protocol_cells.h"
#include "sfar/core/error.h"
#include "sfar/core/logging.h"
#include "sfar/recipes/few_shot_split.h"
#include "sfar/recipes/protocol_runner.h"

namespace sfar::recipes {

namespace fs = std::filesystem;

namespace {

bool needs_subtexts(const SfarRunConfig& config) { return method::uses_subtexts(config.head.type); }

std::string sub_dir(const std::string& base, const std::string& name) { return (fs::path(base) / name).string(); }
std::string seed_name(std::int64_t seed) { return "seed" + std::to_string(seed); }

SfarRunConfig with_seed(const SfarRunConfig& config, std::int64_t seed) {
  SfarRunConfig c = config;
  c.run.seed = seed;
  return c;
}

void supervised(const SfarRunConfig& config, const ProtocolOptions& o, const std::vector<std::int64_t>& seeds,
                ProtocolReport& report) {
  // Multi-label sets (Charades) report mAP instead of top-1/top-5.
  const bool map = config.data.multi_label;
  report.columns = map ? std::vector<ProtocolColumn>{{"mAP", {}, {}}}
                       : std::vector<ProtocolColumn>{{"top-1", {}, {}}, {"top-5", {}, {}}};
  CellProgress progress(o.progress, static_cast<std::int64_t>(seeds.size()), 0);
  for (const auto seed : seeds) {
    const std::string dir = sub_dir(o.work_dir, seed_name(seed));
    const Cell cell = train_cell(with_seed(config, seed), dir, progress.training(seed_name(seed)));
    report.columns[0].values.push_back(metric(cell, report.metric, "eval.list"));
    if (!map) report.columns[1].values.push_back(metric(cell, "top5", "eval.list"));
    report.runs.push_back(record(report.columns[0].name, seed, dir, cell));
  }
}

// The few-shot test lists: protocol.few_shot.eval_lists (under data.root), else eval.list.
std::vector<std::string> few_shot_eval_lists(const SfarRunConfig& config) {
  const auto& lists = config.protocol.few_shot.eval_lists;
  if (lists.empty()) return {config.eval.list};
  std::vector<std::string> out;
  for (const auto& l : lists) out.push_back(under_root(l, config.data.root));
  return out;
}

std::string list_stem(const std::string& path) { return fs::path(path).stem().string(); }

void few_shot(const SfarRunConfig& config, const ProtocolOptions& o, const std::vector<std::int64_t>& seeds,
              ProtocolReport& report) {
  const auto& fs_config = config.protocol.few_shot;
  const auto class_names = data::load_class_names(config.data);
  std::vector<data::VideoRecord> full;
  if (fs_config.list_pattern.empty()) full = data::load_records(config.data, class_names);  // drawn from data.list
  // Each epoch is as long as the full training list (validate_protocol asks for full_length
  // when data.list is not that list).
  const std::int64_t full_length =
      fs_config.full_length > 0 ? fs_config.full_length : static_cast<std::int64_t>(full.size());
  const auto eval_lists = few_shot_eval_lists(config);
  const auto runs = static_cast<std::int64_t>(fs_config.shots.size() * seeds.size());
  CellProgress progress(o.progress, runs, runs * static_cast<std::int64_t>(eval_lists.size() - 1));
  for (const auto shots : fs_config.shots) {
    ProtocolColumn column{"K=" + std::to_string(shots), {}, {}};
    for (const auto seed : seeds) {
      SfarRunConfig c = with_seed(config, seed);
      const std::string dir = sub_dir(sub_dir(o.work_dir, "K" + std::to_string(shots)), seed_name(seed));
      fs::create_directories(dir);
      std::vector<data::VideoRecord> shot_records;
      if (!fs_config.list_pattern.empty()) {
        c.data.list = under_root(expand_placeholder(fs_config.list_pattern, "K", std::to_string(shots)), c.data.root);
        if (fs_config.repeat_to_full) shot_records = data::load_records(c.data, class_names);
      } else {
        shot_records = draw_few_shot(full, class_names, shots, static_cast<std::uint64_t>(seed), config.data.list);
        c.data.list = sub_dir(dir, "train_few_shot_" + std::to_string(shots) + ".txt");
        c.data.format = write_video_list(c.data.list, shot_records);
      }
      const std::string shot_list = c.data.list;
      std::string epoch_list;
      if (fs_config.repeat_to_full && full_length > static_cast<std::int64_t>(shot_records.size())) {
        epoch_list = sub_dir(dir, "train_epoch_" + std::to_string(shots) + ".txt");
        c.data.format = write_video_list(epoch_list, repeat_to_length(shot_records, full_length));
        c.data.list = epoch_list;
        SFAR_LOG_INFO("protocol: K={} list of {} videos repeated to {} per epoch ({})", shots, shot_records.size(),
                      full_length, epoch_list);
      }
      c.eval.list = eval_lists[0];  // epochs are selected on the first test list
      const std::string what = "K=" + std::to_string(shots) + " " + seed_name(seed);
      const Cell cell = train_cell(c, dir, progress.training(what));
      column.values.push_back(metric(cell, report.metric, "eval.list"));
      report.runs.push_back(record(column.name, seed, dir, cell));
      report.runs.back().files["train_list"] = shot_list;
      report.runs.back().files["eval_list"] = eval_lists[0];
      if (!epoch_list.empty()) report.runs.back().files["epoch_list"] = epoch_list;
      for (std::size_t i = 1; i < eval_lists.size(); ++i) {  // the same weights on the other test lists
        SfarRunConfig e = c;
        e.eval.list = eval_lists[i];
        const std::string eval_dir = sub_dir(dir, "eval_" + std::to_string(i + 1) + "_" + list_stem(eval_lists[i]));
        progress.evaluating(what + " " + list_stem(eval_lists[i]));
        const Cell tested = evaluate_cell(e, cell.checkpoint, eval_dir);
        progress.evaluated();
        column.values.push_back(metric(tested, report.metric, "protocol.few_shot.eval_lists"));
        report.runs.push_back(record(column.name, seed, eval_dir, tested));
        report.runs.back().files["eval_list"] = eval_lists[i];
      }
    }
    report.columns.push_back(std::move(column));
  }
}

SfarRunConfig target_config(const SfarRunConfig& source, const ZeroShotTarget& t) {
  SfarRunConfig c = source;
  const std::string& root = !t.root.empty() ? t.root
                            : !source.protocol.zero_shot.root.empty() ? source.protocol.zero_shot.root
                                                                      : source.data.root;
  c.data.root = root;
  c.data.labels = under_root(t.labels, root);
  c.eval.list = under_root(t.list, root);
  if (!t.format.empty()) c.data.format = data::parse_video_list_format(t.format, "protocol.zero_shot.targets format");
  c.descriptions.cache = under_root(t.descriptions, root);
  return c;
}

void zero_shot(const SfarRunConfig& config, const ProtocolOptions& o, const std::vector<std::int64_t>& seeds,
               ProtocolReport& report) {
  const auto& targets = config.protocol.zero_shot.targets;
  std::vector<std::string> groups;  // in first-appearance order
  std::map<std::string, std::vector<double>> values;
  const auto n_seeds = static_cast<std::int64_t>(seeds.size()), n_targets = static_cast<std::int64_t>(targets.size());
  const std::int64_t trainings = o.checkpoints.empty() ? n_seeds : 0;
  const std::int64_t evaluated_checkpoints = o.checkpoints.size() == 1 ? 1 : n_seeds;
  CellProgress progress(o.progress, trainings, evaluated_checkpoints * n_targets);
  auto evaluate_all = [&](const std::string& checkpoint, std::int64_t seed, const std::string& base) {
    for (const auto& t : targets) {
      const std::string group = t.group.empty() ? t.name : t.group;
      const std::string dir = sub_dir(base, t.name);
      progress.evaluating(seed_name(seed) + " on " + t.name);
      const Cell cell = evaluate_cell(target_config(with_seed(config, seed), t), checkpoint, dir);
      progress.evaluated();
      if (!values.count(group)) groups.push_back(group);
      values[group].push_back(metric(cell, report.metric, "protocol.zero_shot.targets"));
      report.runs.push_back(record(group, seed, dir, cell));
      report.runs.back().files["target"] = t.name;
    }
  };
  if (o.checkpoints.size() == 1) {
    evaluate_all(o.checkpoints[0], config.run.seed, o.work_dir);
  } else if (!o.checkpoints.empty()) {
    for (std::size_t i = 0; i < seeds.size(); ++i) {
      evaluate_all(o.checkpoints[i], seeds[i], sub_dir(o.work_dir, seed_name(seeds[i])));
    }
  } else {
    for (const auto seed : seeds) {
      const std::string base = sub_dir(o.work_dir, seed_name(seed));
      const Cell source =
          train_cell(with_seed(config, seed), sub_dir(base, "source"), progress.training(seed_name(seed) + " source"));
      report.runs.push_back(record("source", seed, sub_dir(base, "source"), source));
      evaluate_all(source.checkpoint, seed, base);
    }
  }
  for (const auto& g : groups) report.columns.push_back({g, values[g], {}});
}

void base_to_novel(const SfarRunConfig& config, const ProtocolOptions& o, const std::vector<std::int64_t>& seeds,
                   ProtocolReport& report) {
  const auto& b = config.protocol.base_to_novel;
  ProtocolColumn base{"base", {}, {}}, novel{"novel", {}, {}}, hm{"HM", {}, {}};
  CellProgress progress(o.progress, static_cast<std::int64_t>(seeds.size()), static_cast<std::int64_t>(seeds.size()));
  for (const auto seed : seeds) {
    const std::string s = std::to_string(seed), root = config.data.root;
    auto file = [&](const std::string& pattern) { return under_root(expand_placeholder(pattern, "seed", s), root); };
    SfarRunConfig c = with_seed(config, seed);
    if (!b.train_list_pattern.empty()) c.data.list = file(b.train_list_pattern);
    if (!b.base_labels.empty()) c.data.labels = file(b.base_labels);
    if (!b.base_list.empty()) c.eval.list = file(b.base_list);
    if (!b.base_descriptions.empty()) c.descriptions.cache = file(b.base_descriptions);
    const std::string dir = sub_dir(o.work_dir, seed_name(seed));
    const Cell trained = train_cell(c, sub_dir(dir, "base"), progress.training(seed_name(seed) + " base"));
    SfarRunConfig n = c;
    n.data.labels = file(b.novel_labels);
    n.eval.list = file(b.novel_list);
    n.descriptions.cache = file(b.novel_descriptions);
    progress.evaluating(seed_name(seed) + " novel");
    const Cell tested = evaluate_cell(n, trained.checkpoint, sub_dir(dir, "novel"));
    progress.evaluated();
    base.values.push_back(metric(trained, report.metric, "protocol.base_to_novel.base_list"));
    novel.values.push_back(metric(tested, report.metric, "protocol.base_to_novel.novel_list"));
    hm.values.push_back(harmonic_mean(base.values.back(), novel.values.back()));
    report.runs.push_back(record("base", seed, sub_dir(dir, "base"), trained));
    report.runs.push_back(record("novel", seed, sub_dir(dir, "novel"), tested));
  }
  hm.derived = harmonic_mean(mean_std(base.values).mean, mean_std(novel.values).mean);
  report.columns = {base, novel, hm};
}


// "head 'sfar' scores with class sub-texts: " when the head needs descriptions, else empty.
std::string subtext_head(const SfarRunConfig& config) {
  if (!needs_subtexts(config)) return "";
  return "head '" + method::to_string(config.head.type) + "' scores with class sub-texts: ";
}

void validate_supervised(const SfarRunConfig& config) {
  if (config.eval.list.empty()) throw ConfigError("eval.list", "the supervised protocol tests on eval.list: set it");
}

void validate_few_shot(const SfarRunConfig& config) {
  const auto& f = config.protocol.few_shot;
  if (config.eval.list.empty() && f.eval_lists.empty()) {
    throw ConfigError("eval.list", "the few-shot protocol tests on eval.list: set it");
  }
  if (f.shots.empty()) throw ConfigError("protocol.few_shot.shots", "needs at least one K");
  for (std::size_t i = 0; i < f.shots.size(); ++i) {
    if (f.shots[i] < 1) {
      throw ConfigError("protocol.few_shot.shots[" + std::to_string(i) + "]", "K must be at least 1",
                        std::to_string(f.shots[i]));
    }
  }
  if (!f.list_pattern.empty() && f.list_pattern.find("{K}") == std::string::npos) {
    throw ConfigError("protocol.few_shot.list_pattern", "needs a {K} placeholder for the shots", f.list_pattern);
  }
  if (f.full_length < 0) {
    throw ConfigError("protocol.few_shot.full_length", "must be >= 0", std::to_string(f.full_length));
  }
  if (!f.list_pattern.empty() && f.repeat_to_full && f.full_length == 0) {
    throw ConfigError("protocol.few_shot.full_length",
                      "repeat_to_full with list_pattern needs the full training list's video count (e.g. 3570 "
                      "for HMDB51 split 1), or set protocol.few_shot.repeat_to_full: false");
  }
  for (std::size_t i = 0; i < f.eval_lists.size(); ++i) {
    if (f.eval_lists[i].empty()) {
      throw ConfigError("protocol.few_shot.eval_lists[" + std::to_string(i) + "]", "must name a test list");
    }
  }
}

void validate_zero_shot(const SfarRunConfig& config) {
  const auto& targets = config.protocol.zero_shot.targets;
  if (targets.empty()) throw ConfigError("protocol.zero_shot.targets", "the zero-shot protocol needs at least one target");
  const std::string head = subtext_head(config);
  std::set<std::string> names;
  for (std::size_t i = 0; i < targets.size(); ++i) {
    const auto& t = targets[i];
    const std::string key = "protocol.zero_shot.targets[" + std::to_string(i) + "]";
    if (t.name.find('/') != std::string::npos || t.name == "." || t.name == ".." || t.name == "source") {
      throw ConfigError(key + ".name", "must be a plain directory name other than 'source'", t.name);
    }
    if (!names.insert(t.name).second) throw ConfigError(key + ".name", "two targets share the name", t.name);
    if (!head.empty() && t.descriptions.empty()) {
      throw ConfigError(key + ".descriptions", head + "give a description cache of the target's classes");
    }
  }
}

void validate_base_to_novel(const SfarRunConfig& config) {
  const auto& b = config.protocol.base_to_novel;
  const std::string key = "protocol.base_to_novel.";
  if (b.novel_labels.empty()) throw ConfigError(key + "novel_labels", "the novel classes' name file is required");
  if (b.novel_list.empty()) throw ConfigError(key + "novel_list", "the novel classes' test list is required");
  if (b.base_list.empty() && config.eval.list.empty()) {
    throw ConfigError(key + "base_list", "the base classes' test list is required (or eval.list)");
  }
  const std::string head = subtext_head(config);
  if (!head.empty() && b.novel_descriptions.empty()) {
    throw ConfigError(key + "novel_descriptions", head + "give a description cache of the novel classes");
  }
}

// What each protocol's columns measure (the report page's sentences).
std::string supervised_measures(const std::string&) {
  return "after training on the whole training list, on its test list";
}

std::string few_shot_measures(const std::string& column) {
  if (column.rfind("K=", 0) != 0) return "";
  return "after training on " + column.substr(2) + " videos per class, on the full test list";
}

std::string zero_shot_measures(const std::string& column) {
  return "on classes never trained on (target " + column + "), after training on the seen classes only";
}

std::string base_to_novel_measures(const std::string& column) {
  if (column == "base") return "after training on the base classes, on their test list";
  if (column == "novel") return "of the base-trained model on novel classes it never trained on";
  if (column == "HM") return "as the harmonic mean of the base and novel cells";
  return "";
}

}  // namespace

const std::vector<ProtocolEntry>& protocol_table() {
  static const std::vector<ProtocolEntry> table = {
      {"supervised", ProtocolKind::kSupervised, "train on data.list, test on eval.list", validate_supervised,
       supervised, supervised_measures, false},
      {"few-shot", ProtocolKind::kFewShot, "train on K videos per class for each K", validate_few_shot, few_shot,
       few_shot_measures, false},
      {"zero-shot", ProtocolKind::kZeroShot, "train on the source, test on unseen target classes",
       validate_zero_shot, zero_shot, zero_shot_measures, true},
      {"base-to-novel", ProtocolKind::kBaseToNovel, "train on base classes, test on base and novel classes",
       validate_base_to_novel, base_to_novel, base_to_novel_measures, false},
  };
  return table;
}

}  // namespace sfar::recipes
