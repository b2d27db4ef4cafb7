// A tiny `sfar train` setup for fault tests that drive the binary: links to the generated clips
// (never copies), a three-class label file, a config writer, and child processes that a test
// can kill at any moment.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "sfar/core/atomic_file.h"
#include "support/test_data.h"

namespace sfar::test {

// videos/ under `dir` with `names` linked to the clips in `shared_dir` (cycling
// through three of them), a list file `list` ("name label" lines, labels 0,1,2 in turn) and
// labels.csv. Returns the videos root.
inline std::string make_tiny_videos(const TempDir& dir, const std::string& shared_dir,
                                    const std::vector<std::string>& names, const std::string& list) {
  namespace fs = std::filesystem;
  const fs::path root = dir.path() / "videos";
  fs::create_directories(root);
  const char* sources[] = {"h264_28fps.mp4", "h264_30fps.mp4", "mpeg4_mp3.avi"};
  std::string lines;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (!fs::exists(root / names[i])) fs::create_symlink(shared_dir + "/" + sources[i % 3], root / names[i]);
    lines += names[i] + " " + std::to_string(i % 3) + "\n";
  }
  write_file_atomic((root / list).string(), lines);
  write_file_atomic(dir.file("labels.csv"), "id,name\n0,arm wrestling\n1,cleaning pool\n2,applying eye makeup\n");
  return root.string();
}

// A config of the mean head on the tiny reference CLIP: 2 frames of 64 px, no evaluation list,
// one metrics line per step. `extra_train` is appended to the train: mapping.
inline std::string write_tiny_config(const TempDir& dir, const std::string& name, const std::string& work_dir,
                                     const std::string& root, const std::string& list, int epochs,
                                     int batch_size, const std::string& extra_train = "") {
  const std::string path = dir.file(name);
  write_file_atomic(path, "run: {name: tiny, work_dir: " + work_dir + ", threads: 2, device: cpu, seed: 7}\n"
                          "model: {arch: auto, weights: " + tiny_clip_path() + ", activation: quick_gelu}\n"
                          "text: {vocab: " + clip_vocab_path() + "}\n"
                          "head: {type: mean}\n"
                          "data:\n  root: " + root + "\n  list: " + list + "\n  labels: " + dir.file("labels.csv") +
                          "\n  num_frames: 2\n  short_side: 72\n  workers: 2\n  prefetch: 2\n"
                          "  batch_size: " + std::to_string(batch_size) + "\n"
                          "  train_pipeline: [{type: random_resized_crop, size: 64}, {type: flip}, {type: normalize}]\n"
                          "  test_pipeline: [{type: center_crop, size: 64}, {type: normalize}]\n"
                          "train: {epochs: " + std::to_string(epochs) + ", warmup_epochs: 0, lr: 1.0e-4, "
                          "batch_size: " + std::to_string(batch_size) + ", log_interval: 1" + extra_train + "}\n");
  return path;
}

// `binary args...` as a child process with stdout and stderr appended to `log`, and `env`
// added to the environment. Everything is prepared before fork(): the child only execs.
inline pid_t spawn_logged(const std::string& binary, const std::vector<std::string>& args, const std::string& log,
                          const std::map<std::string, std::string>& env = {}) {
  std::vector<std::string> env_text;
  for (char** e = environ; *e; ++e) env_text.emplace_back(*e);
  for (const auto& [k, v] : env) env_text.push_back(k + "=" + v);
  std::vector<char*> envp, argv{const_cast<char*>(binary.c_str())};
  for (auto& e : env_text) envp.push_back(e.data());
  envp.push_back(nullptr);
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid == 0) {
    const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd < 0) ::_exit(127);
    ::dup2(fd, 1);
    ::dup2(fd, 2);
    ::execve(binary.c_str(), argv.data(), envp.data());
    ::_exit(127);
  }
  return pid;
}

// Waits for `pid`; its exit code, or -signal when a signal ended it.
inline int wait_child(pid_t pid) {
  int raw = 0;
  while (::waitpid(pid, &raw, 0) < 0) {
    if (errno != EINTR) return -1000;
  }
  return WIFEXITED(raw) ? WEXITSTATUS(raw) : -WTERMSIG(raw);
}

// True (and the child reaped) when `pid` has exited.
inline bool child_exited(pid_t pid, int* status) {
  int raw = 0;
  if (::waitpid(pid, &raw, WNOHANG) != pid) return false;
  *status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -WTERMSIG(raw);
  return true;
}

}  // namespace sfar::test
