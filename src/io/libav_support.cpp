#include "libav_support.h"

#include <cstdarg>
#include <mutex>

#include "sfar/core/logging.h"

namespace sfar::io::libav {
namespace {

void forward_log(void* context, int level, const char* format, va_list args) {
  if (level > AV_LOG_ERROR) return;
  char line[1024];
  int print_prefix = 1;
  av_log_format_line(context, level, format, args, line, sizeof(line), &print_prefix);
  std::string text(line);
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  SFAR_LOG_DEBUG("ffmpeg: {}", text);
}

}  // namespace

std::string error_text(int code) {
  char text[AV_ERROR_MAX_STRING_SIZE] = {};
  av_strerror(code, text, sizeof(text));
  return text;
}

void route_logs() {
  static std::once_flag once;
  std::call_once(once, [] { av_log_set_callback(forward_log); });
}

}  // namespace sfar::io::libav
