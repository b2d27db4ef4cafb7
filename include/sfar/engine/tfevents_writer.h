// TensorBoard event files: TFRecord-framed Event protos (encoded with Debian's libprotobuf)
// holding scalar summaries. Each record is
//   uint64 length (little-endian) | uint32 masked CRC-32C of the length | data | uint32 masked CRC-32C of data,
// and the first event of a file carries file_version "brain.Event:2".
//
//   EventFileWriter events(run_dir);               // run_dir/events.out.tfevents.<time>.<host>
//   events.add_scalars({{"train/loss", 2.3}, {"train/lr", 1e-5}}, /*step=*/20);
//   events.flush();
//   for (const TfEvent& e : read_event_file(events.path())) ...
#pragma once

#include <cstdint>
#include <fstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sfar::engine {

inline constexpr const char* kEventFileVersion = "brain.Event:2";

class EventFileWriter {
 public:
  // Creates `dir` when needed and the file events.out.tfevents.<unix seconds>.<host> in it
  // (".1", ".2", ... appended if that name exists), then writes the file-version event.
  // Throws IoError naming the file.
  explicit EventFileWriter(const std::string& dir);
  ~EventFileWriter();  // flushes
  EventFileWriter(const EventFileWriter&) = delete;
  EventFileWriter& operator=(const EventFileWriter&) = delete;

  const std::string& path() const { return path_; }

  // One event at `step` holding every (tag, value) pair as a float simple_value.
  // `wall_time` in seconds since the epoch; negative: now.
  void add_scalars(const std::vector<std::pair<std::string, double>>& values, std::int64_t step,
                   double wall_time = -1);
  // Pushes buffered records to the operating system. Throws IoError.
  void flush();

 private:
  void write_record(const std::string& data);
  std::string path_;
  std::ofstream out_;
};

// One record's bytes as TFRecord frames them.
std::string tfrecord_frame(std::string_view data);

struct TfEvent {
  double wall_time = 0;
  std::int64_t step = 0;
  std::string file_version;                            // set on the file-version event only
  std::vector<std::pair<std::string, float>> scalars;  // (tag, simple_value) of its summary
};

// Reads every record of an event file, checking both CRCs of each, and decodes the events.
// Throws IoError when the file cannot be read, FormatError naming the file and the record's
// byte offset for a short record, a CRC mismatch or an undecodable event.
std::vector<TfEvent> read_event_file(const std::string& path);

}  // namespace sfar::engine
