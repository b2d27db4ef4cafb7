// Generating a synthetic storyboard benchmark into a directory (`sfar synth`). The layout:
//
//   classes.csv                 seen classes ("id,name")
//   train.txt, val.txt          "<videos/...mp4> <label>"
//   fewshot/train_<K>.txt       K train clips per seen class, nested (train_2 in train_4 ...)
//   zeroshot/classes.csv        held-out classes; zeroshot/test.txt labels index it
//   descriptions.json           description cache of every class, seen then zero-shot
//   pretrain/list.txt           "<videos/...mp4>\t<caption>\t<atomic action id>"
//   pretrain/captions.txt       the captions, one per line
//   videos/{train,val,zeroshot,pretrain}/*.mp4
//   synth.json                  manifest, written last
//
// Clips are rendered and encoded by a pool of threads; each has its own seed, so the output
// is byte-identical for the same preset and seed whatever the thread count.
//
//   SynthSummary s = generate_benchmark({.preset = "storyboard-tiny", .out = "data/tiny"});
#pragma once

#include <cstdint>
#include <string>

namespace sfar::synth {

struct SynthOptions {
  std::string preset = "storyboard-v2";
  std::string out;
  std::uint64_t seed = 0;
  bool force = false;  // replace the benchmark files of a non-empty `out`
  int threads = 0;     // 0: one per core
};

struct SynthSummary {
  std::string preset;
  std::string out;
  std::uint64_t seed = 0;
  std::string encoder;
  std::size_t seen_classes = 0, zeroshot_classes = 0;
  std::size_t train = 0, val = 0, zeroshot_test = 0, pretrain = 0, videos = 0;
  std::uint64_t bytes = 0;  // all files written
  double seconds = 0;
};

// Throws ArgumentError (bad preset, `out` not empty without `force`, `out` a file), or the
// IoError/FormatError of the file that could not be written.
SynthSummary generate_benchmark(const SynthOptions& options);

// The summary as the one JSON object `sfar synth` prints, a key per field.
std::string synth_summary_json(const SynthSummary& summary);

}  // namespace sfar::synth
