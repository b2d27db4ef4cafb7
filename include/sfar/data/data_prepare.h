// `sfar data prepare`: a one-time re-encode of a dataset's videos into a form the loader reads
// fast: a short side of at least `short_side` (never upscaled), a key frame every few frames
// (or intra-only), no audio, rotation applied. Each output is written atomically, and beside
// it a record of its source (size, mtime, SHA-256) and settings, so that a killed run loses
// nothing and a rerun redoes only what is missing, stale or changed.
//
//   PrepareSettings settings;                                // H.264, crf 18, key frame every 8
//   PreparedVideo v = prepare_video("in/a.avi", "out/a.mp4", settings);
//   PrepareRun run = run_prepare_jobs(jobs, settings, policy, /*workers=*/2);
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "sfar/core/error.h"
#include "sfar/data/bad_file_policy.h"

namespace sfar::data {

// The output side failed (a full disk, a folder that cannot be written, a missing encoder):
// not the source's fault, so it stops the run whatever the bad-file policy says.
class PrepareOutputError : public IoError {
 public:
  using IoError::IoError;
};

enum class PrepareCodec {
  kH264,   // libx264, tune fastdecode, a key frame every `gop` frames; .mp4
  kMjpeg,  // intra-only JPEG frames; .mkv
};

struct PrepareCodecEntry {
  const char* name;
  PrepareCodec value;
  const char* description;
  const char* extension;  // of the prepared files
};
// The one table of codecs: `--codec` names, help and errors come from it.
const std::vector<PrepareCodecEntry>& prepare_codecs();

struct PrepareSettings {
  PrepareCodec codec = PrepareCodec::kH264;
  std::int64_t short_side = 256;  // 0: native size; else at least this (an odd value is rounded up)
  std::int64_t quality = 18;      // x264's crf; MJPEG's quantiser is quality / 6 (2..31)
  std::int64_t gop = 8;           // frames between key frames (H.264)

  // Everything that changes the output bytes, as one text; a record made with another key is stale.
  std::string key() const;
  std::string extension() const;
  // short_side rounded up to even (yuv420p), the most a prepared video's short side can be; 0: native.
  std::int64_t even_short_side() const { return short_side + short_side % 2; }
};

// What the source looked like when it was prepared.
struct SourceStamp {
  std::int64_t size = -1;
  std::int64_t mtime_ns = -1;
  std::string sha256;  // empty until hashed
};

// The record written beside each prepared file (`<output>.prepared.json`).
struct PreparedVideo {
  std::string source;
  std::string output;
  SourceStamp stamp;
  std::string settings;  // PrepareSettings::key()
  std::string encoder;
  std::int64_t frames = 0;
  std::int64_t width = 0, height = 0;  // of the prepared frames
  std::int64_t source_width = 0, source_height = 0;  // upright
  std::int64_t bytes = 0;              // of the prepared file
};

std::string record_path(const std::string& output);

// Size and mtime of `path` (IoError naming it when missing), and its SHA-256 when `hash`.
SourceStamp stamp_source(const std::string& path, bool hash);

// The short side the prepared frames get for a source whose upright short side is `source`:
// settings.short_side (rounded up to even) when the source is larger, else the source's own.
std::int64_t prepared_short_side(std::int64_t source, const PrepareSettings& settings);

// Decodes `source` (rotation applied, resized as the loader resizes), crops an odd width or
// height by its last column or row (yuv420p needs even sizes), encodes it to `output`
// atomically, checks that the output holds as many frames as the source, and writes the
// record. Throws IoError/FormatError naming `source` when it cannot be read or decodes to
// fewer frames than it holds, PrepareOutputError naming `output` when writing fails; no
// output or record is left behind then.
PreparedVideo prepare_video(const std::string& source, const std::string& output, const PrepareSettings& settings);

enum class PrepareState {
  kFresh,    // no usable record or output: prepare it
  kCurrent,  // the record matches the source (size and mtime, or its hash) and the settings
  kStale,    // the source or the settings changed: prepare it again
};
// Reads the record beside `output` and compares it with the source now. When size or mtime
// differ but the hash is the same, the record is rewritten with the new stamp (kCurrent).
PrepareState check_prepared(const std::string& source, const std::string& output, const PrepareSettings& settings);

struct PrepareJob {
  std::string source;
  std::string output;
  std::string origin;  // "list:line", for messages
};

struct PrepareRun {
  std::int64_t prepared = 0;  // encoded in this run (fresh or stale)
  std::int64_t redone = 0;    // of which stale (source or settings changed)
  std::int64_t current = 0;   // skipped: already prepared from this source
  std::vector<BadFile> bad;   // sorted by source path
  std::vector<std::string> bad_sources;
  double seconds = 0.0;
};

// Prepares every job on `workers` threads (0: one per core). A job that fails follows
// `policy`: retry N re-reads it N more times, skip reports it and goes on, raise stops the
// run and throws the first error (outputs already finished stay). `progress` (may be empty)
// is called after each job, from the worker threads, serialised.
PrepareRun run_prepare_jobs(const std::vector<PrepareJob>& jobs, const PrepareSettings& settings,
                            const BadFilePolicy& policy, std::int64_t workers,
                            const std::function<void(std::int64_t done, std::int64_t total)>& progress = {});

// Removes temporary files that a killed run left under `dir` (names ".<file>.tmp<pid>_<n>...").
std::int64_t remove_stale_temporaries(const std::string& dir);

}  // namespace sfar::data
