#include "common/time.h"

#include "absl/time/clock.h"

namespace newsflow {

std::string FormatRfc3339Micros(absl::Time time) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E6SZ", time, absl::UTCTimeZone());
}

std::string NowRfc3339() { return FormatRfc3339Micros(absl::Now()); }

}  // namespace newsflow
