#include "common/time.h"

#include "absl/strings/ascii.h"
#include "absl/time/clock.h"

namespace newsflow {

std::string FormatRfc3339Micros(absl::Time time) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E6SZ", time, absl::UTCTimeZone());
}

std::string NowRfc3339() { return FormatRfc3339Micros(absl::Now()); }

std::optional<absl::Time> ParseTimestamp(absl::string_view text) {
  // Zoned formats first: "%Ez" is optional to no format, so a zone-less
  // format would stop short of a zone and fail, never misread it.
  static constexpr const char* kFormats[] = {
      "%Y-%m-%d%ET%H:%M:%E*S%Ez",
      "%Y-%m-%d %H:%M:%E*S%Ez",
      "%Y-%m-%d%ET%H:%M%Ez",
      "%Y-%m-%d %H:%M%Ez",
      "%a, %d %b %Y %H:%M:%S %z",
      "%a, %d %b %Y %H:%M:%S %Z",
      "%Y-%m-%d%ET%H:%M:%E*S",
      "%Y-%m-%d %H:%M:%E*S",
      "%Y-%m-%d%ET%H:%M",
      "%Y-%m-%d %H:%M",
      "%Y-%m-%d",
  };
  const std::string trimmed(absl::StripAsciiWhitespace(text));
  if (trimmed.empty()) return std::nullopt;
  for (const char* format : kFormats) {
    absl::Time time;
    std::string error;
    if (absl::ParseTime(format, trimmed, absl::UTCTimeZone(), &time, &error)) {
      return time;
    }
  }
  return std::nullopt;
}

}  // namespace newsflow
