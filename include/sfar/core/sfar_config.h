// sfar's typed configuration: every key a YAML config may hold, its default, its type and its
// valid range, declared once per section in a `visit` member (see config_archive.h); loading,
// validation, `sfar config print` and the copy saved with every run all go through these
// descriptions, and no other code names a YAML key. This header holds the sections every run
// shares (run, model, text) and their enumerations; the others sit beside the code that uses
// them: head (method/video_head.h), data and the clip-source keys it shares with pretrain
// (data/data_config.h), train (engine/train_options.h), eval, loss, descriptions and
// feature_cache (recipes/sfar_run_config.h), protocol (recipes/protocol_config.h), pretrain,
// clip and tokenizer (recipes/pretrain_config.h, models/clip_config.h) and the describe prompt
// files (describe/prompt_set.h).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sfar/core/config_archive.h"

namespace sfar {

// The enumerations of these sections, parsed once when a config is read. Each *_names() table
// keys a name by its enumerator (cfg::NamedValues, config_archive.h); commands that take the same
// choice as an option parse it with cfg::parse_enum.

// `run.dist_backend`: auto = nccl for a CUDA device when built with it, else gloo.
enum class DistBackend { kAuto, kGloo, kNccl };
inline const cfg::NamedValues<DistBackend>& dist_backend_names() {
  static const cfg::NamedValues<DistBackend> names = {
      {"auto", DistBackend::kAuto},
      {"gloo", DistBackend::kGloo},
      {"nccl", DistBackend::kNccl},
  };
  return names;
}

// `text.tokenizer`: CLIP's byte-level BPE, or a SentencePiece model (e.g. `sfar pretrain`'s).
enum class TokenizerKind { kClipBpe, kSentencePiece };
inline const cfg::NamedValues<TokenizerKind>& tokenizer_kind_names() {
  static const cfg::NamedValues<TokenizerKind> names = {
      {"clip_bpe", TokenizerKind::kClipBpe},
      {"sentencepiece", TokenizerKind::kSentencePiece},
  };
  return names;
}

// `model.attention`: fused = LibTorch's scaled_dot_product_attention (fused kernels); math =
// matmul + softmax written out as OpenAI's code does, for numerical comparisons.
enum class AttentionKernel { kFused, kMath };
inline const cfg::NamedValues<AttentionKernel>& attention_kernel_names() {
  static const cfg::NamedValues<AttentionKernel> names = {
      {"fused", AttentionKernel::kFused},
      {"math", AttentionKernel::kMath},
  };
  return names;
}

// `model.activation`, the CLIP MLP's: auto = what the weight file's layout says (see
// sfar/models/clip_layout.h; a file that does not say then needs it stated; without weights,
// the preset's), quick_gelu (OpenAI's releases) or gelu (open_clip without -quickgelu).
enum class ActivationSetting { kAuto, kQuickGelu, kGelu };
inline const cfg::NamedValues<ActivationSetting>& activation_setting_names() {
  static const cfg::NamedValues<ActivationSetting> names = {
      {"auto", ActivationSetting::kAuto},
      {"quick_gelu", ActivationSetting::kQuickGelu},
      {"gelu", ActivationSetting::kGelu},
  };
  return names;
}

// `run:` where and how a command runs.
struct RunConfig {
  std::string name = "sfar";
  std::string work_dir = "runs/default";
  std::int64_t seed = 0;
  std::int64_t threads = 0;         // LibTorch intra-op threads; 0 = one per core
  std::string device = "auto";      // auto | cpu | cuda | cuda:N
  std::string log_level = "info";
  // Multi-process runs (torchrun / srun, see sfar/engine/distributed_env.h).
  DistBackend dist_backend = DistBackend::kAuto;
  double dist_timeout_s = 1800;       // a rank that has not joined a collective by then fails the run
  double dist_bucket_mb = 25;         // gradient all-reduce bucket size
  bool dist_force_group = false;      // a process group for one process too (1-GPU NCCL smoke test)

  template <class A>
  void visit(A& a) {
    a("name", name, cfg::non_empty());
    a("work_dir", work_dir, cfg::non_empty());
    a("seed", seed, cfg::non_negative());
    a("threads", threads, cfg::non_negative());
    a("device", device, cfg::non_empty());
    a("log_level", log_level, cfg::one_of({"trace", "debug", "info", "warn", "error", "off"}));
    a("dist_backend", dist_backend, dist_backend_names());
    a("dist_timeout_s", dist_timeout_s, cfg::positive());
    a("dist_bucket_mb", dist_bucket_mb, cfg::positive());
    a("dist_force_group", dist_force_group);
  }
};

// `text:` how class names and sub-texts become token ids.
struct TextConfig {
  TokenizerKind tokenizer = TokenizerKind::kClipBpe;
  std::string vocab;   // bpe_simple_vocab_16e6.txt.gz, vocab.json or a .model
  std::string merges;  // merges.txt for Hugging Face vocab.json pairs
  std::int64_t context_length = 77;

  template <class A>
  void visit(A& a) {
    a("tokenizer", tokenizer, tokenizer_kind_names());
    a("vocab", vocab);
    a("merges", merges);
    a("context_length", context_length, cfg::in_range(2, 4096));
  }
};

// `model:` the CLIP backbone.
struct ModelConfig {
  std::string arch = "ViT-B/16";  // a preset name, or "auto" to infer it from `weights`
  std::string weights;            // OpenAI .pt, torch.save state_dict or HF model.safetensors
  AttentionKernel attention = AttentionKernel::kFused;
  ActivationSetting activation = ActivationSetting::kAuto;
  // true: the image encoder keeps the loaded weights (requires_grad false); only the head and
  // the logit scale train (a linear-probe-style run, and what feature_cache needs).
  bool freeze_backbone = false;
  // Activation checkpointing of the image tower's blocks (sfar/models/block_checkpoint.h): each
  // block keeps only its input for backward and runs its forward again there. Less memory for
  // ViT-L or 16 frames, about one more forward pass of the tower in time; the same gradients.
  bool grad_checkpointing = false;

  template <class A>
  void visit(A& a) {
    a("arch", arch, cfg::non_empty());
    a("weights", weights);
    a("attention", attention, attention_kernel_names());
    a("activation", activation, activation_setting_names());
    a("freeze_backbone", freeze_backbone);
    a("grad_checkpointing", grad_checkpointing);
  }
};

struct SfarConfig {
  RunConfig run;
  ModelConfig model;
  TextConfig text;

  template <class A>
  void visit(A& a) {
    a("run", run);
    a("model", model);
    a("text", text);
  }
};

// Loads files + overrides and validates them into an SfarConfig (ConfigError on any problem).
SfarConfig load_sfar_config(const std::vector<std::string>& files,
                            const std::vector<std::string>& overrides);

// The resolved config as YAML, as `sfar config print` shows it and every run saves it.
std::string sfar_config_to_yaml(const SfarConfig& config);

// Writes resolved.yaml into the run's work directory (atomically) and returns its path.
std::string save_resolved_config(const SfarConfig& config);

}  // namespace sfar
