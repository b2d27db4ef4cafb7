#include "sfar/engine/tfevents_writer.h"

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <sstream>

#include "sfar/core/error.h"
#include "sfar/engine/crc32c.h"
#include "tfevents.pb.h"

namespace fs = std::filesystem;

namespace sfar::engine {
namespace {

std::string little_endian(std::uint64_t value, int bytes) {
  std::string out(static_cast<std::size_t>(bytes), '\0');
  for (int i = 0; i < bytes; ++i) out[static_cast<std::size_t>(i)] = static_cast<char>((value >> (8 * i)) & 0xFFu);
  return out;
}

std::uint64_t read_little_endian(const std::string& bytes, std::size_t at, int count) {
  std::uint64_t value = 0;
  for (int i = count - 1; i >= 0; --i) {
    value = (value << 8) | static_cast<unsigned char>(bytes[at + static_cast<std::size_t>(i)]);
  }
  return value;
}

double now_seconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string hostname() {
  char buf[256] = {0};
  return ::gethostname(buf, sizeof(buf) - 1) == 0 && buf[0] ? buf : "localhost";
}

std::string new_event_file_name(const std::string& dir) {
  const auto seconds = static_cast<std::int64_t>(now_seconds());
  const std::string base = (fs::path(dir) / ("events.out.tfevents." + std::to_string(seconds) + "." + hostname())).string();
  std::string name = base;
  for (int i = 1; fs::exists(name); ++i) name = base + "." + std::to_string(i);
  return name;
}

}  // namespace

std::string tfrecord_frame(std::string_view data) {
  const std::string length = little_endian(data.size(), 8);
  std::string out = length;
  out += little_endian(masked_crc32c(length), 4);
  out.append(data.data(), data.size());
  out += little_endian(masked_crc32c(data), 4);
  return out;
}

EventFileWriter::EventFileWriter(const std::string& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw IoError(dir, "cannot create the directory for TensorBoard events: " + ec.message());
  path_ = new_event_file_name(dir);
  out_.open(path_, std::ios::binary | std::ios::trunc);
  if (!out_) throw IoError(path_, "cannot create the TensorBoard event file");
  tfevents::Event event;
  event.set_wall_time(now_seconds());
  event.set_step(0);
  event.set_file_version(kEventFileVersion);
  write_record(event.SerializeAsString());
  flush();
}

EventFileWriter::~EventFileWriter() {
  if (out_.is_open()) out_.flush();
}

void EventFileWriter::add_scalars(const std::vector<std::pair<std::string, double>>& values, std::int64_t step,
                                  double wall_time) {
  if (values.empty()) return;
  tfevents::Event event;
  event.set_wall_time(wall_time < 0 ? now_seconds() : wall_time);
  event.set_step(step);
  auto* summary = event.mutable_summary();
  for (const auto& [tag, value] : values) {
    auto* v = summary->add_value();
    v->set_tag(tag);
    v->set_simple_value(static_cast<float>(value));
  }
  write_record(event.SerializeAsString());
}

void EventFileWriter::write_record(const std::string& data) {
  const std::string frame = tfrecord_frame(data);
  out_.write(frame.data(), static_cast<std::streamsize>(frame.size()));
  if (!out_) throw IoError(path_, "write failed");
}

void EventFileWriter::flush() {
  out_.flush();
  if (!out_) throw IoError(path_, "flush failed");
}

std::vector<TfEvent> read_event_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw IoError(path, "cannot open the event file");
  std::ostringstream buffer;
  buffer << in.rdbuf();
  const std::string bytes = buffer.str();
  std::vector<TfEvent> events;
  std::size_t at = 0;
  while (at < bytes.size()) {
    const std::string where = path + ": record at byte " + std::to_string(at);
    if (bytes.size() - at < 12) throw FormatError(where, "truncated length header");
    const std::uint64_t length = read_little_endian(bytes, at, 8);
    const auto length_crc = static_cast<std::uint32_t>(read_little_endian(bytes, at + 8, 4));
    if (length_crc != masked_crc32c(std::string_view(bytes).substr(at, 8))) {
      throw FormatError(where, "length CRC mismatch", std::to_string(length_crc));
    }
    if (bytes.size() - at - 12 < length || bytes.size() - at - 12 - length < 4) {
      throw FormatError(where, "truncated record data", std::to_string(length));
    }
    const std::string_view data = std::string_view(bytes).substr(at + 12, length);
    const auto data_crc = static_cast<std::uint32_t>(read_little_endian(bytes, at + 12 + length, 4));
    if (data_crc != masked_crc32c(data)) throw FormatError(where, "data CRC mismatch", std::to_string(data_crc));
    tfevents::Event event;
    if (!event.ParseFromArray(data.data(), static_cast<int>(data.size()))) {
      throw FormatError(where, "not an Event protocol buffer");
    }
    TfEvent e;
    e.wall_time = event.wall_time();
    e.step = event.step();
    if (event.has_file_version()) e.file_version = event.file_version();
    if (event.has_summary()) {
      for (const auto& v : event.summary().value()) {
        if (v.has_simple_value()) e.scalars.emplace_back(v.tag(), v.simple_value());
      }
    }
    events.push_back(std::move(e));
    at += 12 + length + 4;
  }
  return events;
}

}  // namespace sfar::engine
