// The table of `sfar` subcommands. Adding a command: write tools/sfar/commands/<name>.cpp
// with an add_<name>_command function, declare it here and add one row below.
#pragma once

#include "command.h"

namespace sfar::cli {

void add_config_command(CLI::App& app, CommandContext& context);
void add_describe_command(CLI::App& app, CommandContext& context);
// Adds `select` to the `describe` group, so its row comes after "describe".
void add_describe_select_command(CLI::App& app, CommandContext& context);
void add_video_command(CLI::App& app, CommandContext& context);
void add_bench_command(CLI::App& app, CommandContext& context);
void add_tokenize_command(CLI::App& app, CommandContext& context);
void add_tokenizer_command(CLI::App& app, CommandContext& context);
void add_info_command(CLI::App& app, CommandContext& context);
void add_encode_command(CLI::App& app, CommandContext& context);
// Adds `forward` to the `bench` group, so its row comes after "bench".
void add_bench_forward_command(CLI::App& app, CommandContext& context);
void add_data_command(CLI::App& app, CommandContext& context);
// Adds `prepare` to the `data` group (the one-time re-encode), so its row comes after "data".
void add_data_prepare_command(CLI::App& app, CommandContext& context);
// Adds `data` to the `bench` group, so its row comes after "bench".
void add_bench_data_command(CLI::App& app, CommandContext& context);
// Adds `clips` to the `bench` group: the evaluation-time clip task the peer comparison times.
void add_bench_clips_command(CLI::App& app, CommandContext& context);
// Adds `train` to the `bench` group, so its row comes after "bench".
void add_bench_train_command(CLI::App& app, CommandContext& context);
// Adds `checkpoint` to the `bench` group: what the CRC-32 checks of weight files cost.
void add_bench_checkpoint_command(CLI::App& app, CommandContext& context);
// `train` and `eval`.
void add_train_command(CLI::App& app, CommandContext& context);
// `infer` and `export-features`.
void add_infer_command(CLI::App& app, CommandContext& context);
// `export`: a checkpoint's weights as a PyTorch state_dict or safetensors file.
void add_export_command(CLI::App& app, CommandContext& context);
// `synth`: the synthetic storyboard benchmark.
void add_synth_command(CLI::App& app, CommandContext& context);
// `protocol`: supervised, few-shot, zero-shot, base-to-novel.
void add_protocol_command(CLI::App& app, CommandContext& context);
// `pretrain`: a small CLIP and its tokenizer from video-caption pairs.
void add_pretrain_command(CLI::App& app, CommandContext& context);
// `report`: methods x protocols table from `sfar protocol` results.
void add_report_command(CLI::App& app, CommandContext& context);
// `env`: this build and machine as one JSON line, for bug reports.
void add_env_command(CLI::App& app, CommandContext& context);

struct CommandEntry {
  const char* name;
  AddCommand add;
};

inline const CommandEntry kCommands[] = {
    {"config", add_config_command},
    {"describe", add_describe_command},
    {"describe select", add_describe_select_command},
    {"video", add_video_command},
    {"bench", add_bench_command},
    {"tokenize", add_tokenize_command},
    {"tokenizer", add_tokenizer_command},
    {"info", add_info_command},
    {"encode-image, encode-text", add_encode_command},
    {"bench forward", add_bench_forward_command},
    {"data", add_data_command},
    {"data prepare", add_data_prepare_command},
    {"bench data", add_bench_data_command},
    {"bench clips", add_bench_clips_command},
    {"bench train", add_bench_train_command},
    {"bench checkpoint", add_bench_checkpoint_command},
    {"train, eval", add_train_command},
    {"infer, export-features", add_infer_command},
    {"export", add_export_command},
    {"synth", add_synth_command},
    {"protocol", add_protocol_command},
    {"pretrain", add_pretrain_command},
    {"report", add_report_command},
    {"env", add_env_command},
};

}  // namespace sfar::cli
