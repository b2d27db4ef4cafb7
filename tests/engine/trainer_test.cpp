#include "sfar/engine/trainer.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <random>
#include <set>
#include <sstream>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "sfar/core/atomic_file.h"
#include "sfar/core/error.h"
#include "sfar/core/torch_compat.h"
#include "sfar/core/torch_compat_optim.h"
#include "sfar/engine/checkpoint.h"
#include "sfar/engine/run_dir.h"
#include "support/test_data.h"

namespace sfar::engine {
namespace {

namespace fs = std::filesystem;

// 4 -> 16 -> 3 with dropout, so that the global RNG shapes every step.
torch::nn::Sequential make_mlp(std::uint64_t seed) {
  torch::manual_seed(seed);
  return torch::nn::Sequential(
      torch::nn::Linear(4, 16), torch::nn::ReLU(), torch::nn::Dropout(0.2), torch::nn::Linear(16, 3));
}

// 64 points whose class is the argmax of a fixed linear map. Each epoch visits them in an order
// drawn from the epoch number; each micro-batch gets a small jitter drawn from ctx.rng.
class ToyTask : public TrainTask {
 public:
  ToyTask(torch::nn::Sequential model, std::int64_t batch)
      : model_(std::move(model)), batch_(batch) {
    auto gen = at::detail::createCPUGenerator(7);
    x_ = torch::randn({64, 4}, gen);
    y_ = x_.matmul(torch::randn({4, 3}, gen)).argmax(1);
  }
  std::int64_t steps_per_epoch() override { return 64 / batch_; }
  torch::Tensor loss(const StepContext& ctx) override {
    if (nan_steps.count(ctx.global_step)) return torch::full({}, NAN);
    std::vector<std::int64_t> order(64);
    std::iota(order.begin(), order.end(), 0);
    std::shuffle(order.begin(), order.end(), std::mt19937_64(ctx.epoch));
    const std::int64_t start = ctx.step_in_epoch * batch_ + ctx.micro_index * ctx.micro_batch;
    auto idx = torch::tensor(std::vector<std::int64_t>(order.begin() + start,
                                                       order.begin() + start + ctx.micro_batch));
    std::uniform_real_distribution<float> jitter(-0.05f, 0.05f);
    auto x = x_.index_select(0, idx) + jitter(*ctx.rng);
    return torch::cross_entropy_loss(model_->forward(x), y_.index_select(0, idx));
  }
  std::map<std::string, double> evaluate(std::int64_t) override {
    torch::NoGradGuard no_grad;
    auto pred = model_->forward(x_).argmax(1);
    return {{"top1", pred.eq(y_).to(torch::kFloat64).mean().item<double>()}};
  }
  std::set<std::int64_t> nan_steps;

 private:
  torch::nn::Sequential model_;
  std::int64_t batch_;
  torch::Tensor x_, y_;
};

TrainOptions toy_options() {
  TrainOptions o;
  o.epochs = 4;
  o.warmup_epochs = 1;
  o.lr = 1e-2;
  o.weight_decay = 0.01;
  o.batch_size = 16;
  o.micro_batch = 8;
  o.grad_clip = 1.0;
  o.ema = 0.9;
  o.log_interval = 4;
  o.keep_last = 2;
  return o;
}

TrainerSetup toy_setup(TrainOptions o, std::string checkpoint_dir = "") {
  TrainerSetup s;
  s.options = std::move(o);
  s.config_text = "train:\n  lr: 0.01\n";
  s.checkpoint_dir = std::move(checkpoint_dir);
  s.seed = 3;
  return s;
}

std::vector<std::string> read_lines(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// A fixed loss with a gradient norm far above 1, the same on every step.
struct SteepTask : TrainTask {
  explicit SteepTask(torch::nn::Linear m) : model(std::move(m)) {}
  std::int64_t steps_per_epoch() override { return 1; }
  torch::Tensor loss(const StepContext&) override { return 100 * model->forward(torch::ones({2, 4})).pow(2).sum(); }
  torch::nn::Linear model;
};

double grad_norm(torch::nn::Module& m) {
  double sq = 0;
  for (const auto& p : m.parameters()) sq += p.grad().pow(2).sum().item<double>();
  return std::sqrt(sq);
}

TEST(Trainer, ClipsGradientsOnlyWhenTheConfigSetsIt) {
  EXPECT_EQ(TrainOptions{}.grad_clip, 0.0);  // the recipe (and BIKE) do not clip
  torch::manual_seed(5);
  torch::nn::Linear reference(4, 3);
  SteepTask(reference).loss({}).backward();
  const double raw = grad_norm(*reference);
  ASSERT_GT(raw, 10.0);
  for (const double clip : {0.0, 1.0}) {
    torch::manual_seed(5);
    SteepTask task{torch::nn::Linear(4, 3)};
    TrainOptions o;
    o.grad_clip = clip;
    Trainer trainer(task.model.ptr(), task, toy_setup(o));
    trainer.train_step();  // the step's gradients stay on the parameters until the next step
    EXPECT_NEAR(grad_norm(*task.model), clip > 0 ? clip : raw, 1e-4 * raw) << "grad_clip " << clip;
  }
}

TEST(Trainer, LearnsAndWritesTheRunDirectory) {
  test::TempDir tmp;
  RunDir run({tmp.file("run"), "train:\n  lr: 0.01\n", "cpu", "1.13", 1, "warn", true});
  auto model = make_mlp(1);
  ToyTask task(model, 16);
  const double initial = task.evaluate(0).at("top1");
  TrainOptions o = toy_options();
  o.epochs = 30;
  TrainerSetup setup = toy_setup(o, run.checkpoint_dir());
  setup.run = &run;
  Trainer trainer(model.ptr(), task, setup);
  trainer.fit();
  EXPECT_EQ(trainer.global_step(), 120);

  const auto lines = read_lines(run.file("metrics.jsonl"));
  std::vector<double> losses;
  int evals = 0;
  double last_top1 = 0;
  for (const auto& line : lines) {
    const auto j = nlohmann::json::parse(line);
    if (j["kind"] == "train") {
      losses.push_back(j["loss"].get<double>());
      EXPECT_GT(j["samples_per_s"].get<double>(), 0);
      EXPECT_GT(j["max_rss_mb"].get<double>(), 0);
    } else {
      ++evals;
      last_top1 = j["top1"].get<double>();
    }
  }
  ASSERT_EQ(losses.size(), 30u);  // 120 steps / log_interval 4
  EXPECT_EQ(evals, 30);
  EXPECT_LT(losses.back(), 0.5 * losses.front()) << losses.front() << " -> " << losses.back();
  EXPECT_GT(last_top1, 0.9);
  EXPECT_GT(last_top1, initial);

  CheckpointDir dir(run.checkpoint_dir(), 2);
  EXPECT_EQ(dir.list(), (std::vector<std::string>{dir.path_for_step(116), dir.path_for_step(120)}));
  EXPECT_TRUE(fs::exists(run.checkpoint_dir() + "/best.pt"));
  const auto env = nlohmann::json::parse(read_file(run.file("environment.json")));
  EXPECT_EQ(env["device"], "cpu");
  EXPECT_EQ(env["libtorch_version"], "1.13");
  EXPECT_EQ(read_file(run.file("resolved.yaml")), "train:\n  lr: 0.01\n");
  EXPECT_TRUE(fs::exists(run.file("log.txt")));
}

// N steps straight and N/2 + checkpoint + fresh objects + load + N/2 give identical weights.
TEST(Trainer, ResumeIsBitExact) {
  test::TempDir tmp;
  const std::int64_t n = 14;  // stops mid-epoch (4 steps per epoch)
  auto straight_model = make_mlp(1);
  ToyTask straight_task(straight_model, 16);
  Trainer straight(straight_model.ptr(), straight_task, toy_setup(toy_options()));
  straight.fit(n);

  {
    auto model = make_mlp(1);
    ToyTask task(model, 16);
    Trainer first(model.ptr(), task, toy_setup(toy_options()));
    first.fit(n / 2);
    first.save_checkpoint(tmp.file("half.pt"));
  }
  torch::manual_seed(999);  // a new process would start from another RNG state
  auto model = make_mlp(2);
  ToyTask task(model, 16);
  Trainer second(model.ptr(), task, toy_setup(toy_options()));
  second.load_checkpoint(tmp.file("half.pt"));
  EXPECT_EQ(second.global_step(), n / 2);
  second.fit(n);

  const auto a = straight_model->named_parameters();
  const auto b = model->named_parameters();
  for (const auto& item : a) {
    EXPECT_TRUE(torch::equal(item.value(), b[item.key()])) << item.key();
  }
  for (const auto& item : straight.ema()->tensors()) {
    EXPECT_TRUE(torch::equal(item.value(), second.ema()->tensors()[item.key()])) << item.key();
  }
  // Without restoring the RNG the dropout masks differ, so the test can tell.
  auto other = make_mlp(1);
  ToyTask other_task(other, 16);
  Trainer third(other.ptr(), other_task, toy_setup(toy_options()));
  third.load_checkpoint(tmp.file("half.pt"));
  torch::manual_seed(999);
  third.fit(n);
  EXPECT_FALSE(torch::equal(other->parameters()[0], straight_model->parameters()[0]));
}

// Two AdamW over copies of the same three parameters (in two groups), the first stepped twice.
struct TwoAdamW {
  std::vector<torch::Tensor> a, b;
  std::unique_ptr<torch::optim::AdamW> first, second;
  explicit TwoAdamW(std::vector<std::vector<std::int64_t>> second_shapes = {{3, 2}, {5}, {4}}) {
    torch::manual_seed(4);
    for (const auto& shape : std::vector<std::vector<std::int64_t>>{{3, 2}, {5}, {4}}) {
      a.push_back(torch::randn(shape).requires_grad_());
    }
    for (const auto& shape : second_shapes) b.push_back(torch::zeros(shape).requires_grad_());
    first = make(a);
    second = make(b);
    for (int step = 0; step < 2; ++step) {
      first->zero_grad();
      (a[0].pow(2).sum() + a[1].sin().sum()).backward();  // a[2] gets no gradient: no state
      first->step();
    }
  }
  static std::unique_ptr<torch::optim::AdamW> make(const std::vector<torch::Tensor>& p) {
    std::vector<torch::optim::OptimizerParamGroup> groups;
    groups.emplace_back(std::vector<torch::Tensor>{p[0]},
                        std::make_unique<torch::optim::AdamWOptions>(torch::optim::AdamWOptions(0.1).weight_decay(0.3)));
    groups.emplace_back(std::vector<torch::Tensor>{p[1], p[2]},
                        std::make_unique<torch::optim::AdamWOptions>(torch::optim::AdamWOptions(0.2).weight_decay(0)));
    return std::make_unique<torch::optim::AdamW>(std::move(groups), torch::optim::AdamWOptions(1e-3));
  }
};

torch::optim::AdamWParamState* state_of(torch::optim::AdamW& o, const torch::Tensor& p) {
  auto it = o.state().find(compat::optimizer_state_key(o.state(), p));
  return it == o.state().end() ? nullptr : static_cast<torch::optim::AdamWParamState*>(it->second.get());
}

torch::serialize::InputArchive round_trip(torch::serialize::OutputArchive& out) {
  std::istringstream bytes(archive_bytes(out));
  torch::serialize::InputArchive in;
  in.load_from(bytes);
  return in;
}

TEST(Trainer, OptimizerStateIsSavedByParameterPosition) {
  TwoAdamW o;
  torch::serialize::OutputArchive out;
  write_adamw_state(out, *o.first);
  auto in = round_trip(out);
  read_adamw_state(in, *o.second, "x.pt: optimizer_state");
  for (std::size_t i = 0; i < 2; ++i) {
    const auto* s = state_of(*o.second, o.b[i]);
    ASSERT_NE(s, nullptr) << i;
    EXPECT_EQ(s->step(), 2);
    EXPECT_TRUE(torch::equal(s->exp_avg(), state_of(*o.first, o.a[i])->exp_avg()));
    EXPECT_TRUE(torch::equal(s->exp_avg_sq(), state_of(*o.first, o.a[i])->exp_avg_sq()));
  }
  EXPECT_EQ(state_of(*o.second, o.b[2]), nullptr);
  EXPECT_DOUBLE_EQ(static_cast<torch::optim::AdamWOptions&>(o.second->param_groups()[0].options()).weight_decay(), 0.3);

  // The trainer's checkpoints hold this layout, not LibTorch's address-keyed one.
  test::TempDir tmp;
  auto model = make_mlp(1);
  ToyTask task(model, 16);
  Trainer trainer(model.ptr(), task, toy_setup(toy_options()));
  trainer.fit(2);
  trainer.save_checkpoint(tmp.file("a.pt"));
  auto checkpoint = load_checkpoint_archive(tmp.file("a.pt"));
  torch::serialize::InputArchive section;
  EXPECT_TRUE(checkpoint.try_read("optimizer_state", section));
  EXPECT_FALSE(checkpoint.try_read("optimizer", section));
}

TEST(Trainer, OptimizerStateOfOtherShapesIsRejectedBeforeAnythingChanges) {
  TwoAdamW o({{3, 2}, {6}, {4}});
  o.second->zero_grad();
  (o.b[0].sum() + o.b[1].sum()).backward();
  o.second->step();
  const auto before = state_of(*o.second, o.b[0])->exp_avg().clone();
  torch::serialize::OutputArchive out;
  write_adamw_state(out, *o.first);
  auto in = round_trip(out);
  try {
    read_adamw_state(in, *o.second, "x.pt: optimizer_state");
    FAIL();
  } catch (const ModelError& e) {
    EXPECT_EQ(e.where(), "x.pt: optimizer_state.group_1.param_0.exp_avg") << e.what();
    EXPECT_EQ(e.value(), "[5]");
  }
  EXPECT_TRUE(torch::equal(state_of(*o.second, o.b[0])->exp_avg(), before));  // group 0 untouched
  EXPECT_EQ(state_of(*o.second, o.b[0])->step(), 1);
}

TEST(Trainer, NonFiniteLossSkipsTheStepThenAborts) {
  auto model = make_mlp(1);
  ToyTask task(model, 16);
  task.nan_steps = {2, 5, 6, 7};
  TrainOptions o = toy_options();
  o.ema = 0;
  o.max_nonfinite_in_a_row = 3;
  Trainer trainer(model.ptr(), task, toy_setup(o));
  trainer.fit(2);
  const auto before = model->parameters()[0].clone();
  EXPECT_FALSE(trainer.train_step());
  EXPECT_TRUE(torch::equal(before, model->parameters()[0]));  // untouched
  EXPECT_EQ(trainer.global_step(), 3);
  EXPECT_TRUE(trainer.train_step());
  EXPECT_TRUE(trainer.train_step());
  EXPECT_FALSE(trainer.train_step());
  EXPECT_FALSE(trainer.train_step());
  try {
    trainer.train_step();
    FAIL() << "expected the third non-finite step in a row to abort";
  } catch (const Error& e) {
    EXPECT_EQ(e.where(), "training step 7");
    EXPECT_NE(e.message().find("non-finite in 3 optimizer steps in a row"), std::string::npos)
        << e.what();
    EXPECT_EQ(e.value(), "nan");
  }
  EXPECT_EQ(trainer.skipped_steps(), 4);
}

TEST(Trainer, ResumeAutoSkipsATruncatedNewestCheckpoint) {
  test::TempDir tmp;
  const std::string dir = tmp.file("ckpt");
  TrainOptions o = toy_options();
  o.epochs = 3;
  o.keep_last = 3;
  {
    auto model = make_mlp(1);
    ToyTask task(model, 16);
    Trainer trainer(model.ptr(), task, toy_setup(o, dir));
    EXPECT_FALSE(trainer.resume("auto").has_value());  // nothing yet: fresh start
    trainer.fit();
  }
  CheckpointDir checkpoints(dir, 3);
  ASSERT_EQ(checkpoints.list().size(), 3u);
  const std::string newest = checkpoints.path_for_step(12);
  const std::string bytes = read_file(newest);
  write_file_atomic(newest, bytes.substr(0, bytes.size() / 2));
  try {
    load_checkpoint_archive(newest);
    FAIL();
  } catch (const FormatError& e) {
    EXPECT_EQ(e.where(), newest);
  }
  std::vector<std::string> skipped;
  EXPECT_EQ(checkpoints.newest_valid(&skipped), checkpoints.path_for_step(8));
  ASSERT_EQ(skipped.size(), 1u);
  EXPECT_EQ(skipped[0].rfind(newest, 0), 0u);

  auto model = make_mlp(5);
  ToyTask task(model, 16);
  Trainer resumed(model.ptr(), task, toy_setup(o, dir));
  EXPECT_EQ(resumed.resume("auto"), checkpoints.path_for_step(8));
  EXPECT_EQ(resumed.global_step(), 8);
  EXPECT_THROW(resumed.load_checkpoint(tmp.file("missing.pt")), IoError);
}

TEST(Trainer, RejectsMixedPrecisionOnCpuAndMismatchedModels) {
  auto model = make_mlp(1);
  ToyTask task(model, 16);
  TrainOptions o = toy_options();
  o.precision = Precision::kFp16;
  EXPECT_THROW(Trainer(model.ptr(), task, toy_setup(o)), ConfigError);

  test::TempDir tmp;
  Trainer trainer(model.ptr(), task, toy_setup(toy_options()));
  trainer.save_checkpoint(tmp.file("a.pt"));
  auto wide = torch::nn::Sequential(torch::nn::Linear(4, 8), torch::nn::ReLU(),
                                                      torch::nn::Dropout(0.2), torch::nn::Linear(8, 3));
  ToyTask wide_task(wide, 16);
  Trainer other(wide.ptr(), wide_task, toy_setup(toy_options()));
  try {
    other.load_checkpoint(tmp.file("a.pt"));
    FAIL();
  } catch (const ModelError& e) {
    EXPECT_NE(e.where().find("0.weight"), std::string::npos) << e.what();
    EXPECT_EQ(e.value(), "[16, 4]");
  }
}

}  // namespace
}  // namespace sfar::engine
