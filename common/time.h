// Timestamps as they appear in Articles: RFC 3339.
#ifndef NEWSFLOW_COMMON_TIME_H_
#define NEWSFLOW_COMMON_TIME_H_

#include <string>

#include "absl/time/time.h"

namespace newsflow {

// RFC 3339 in UTC with microseconds, e.g. "2026-11-22T10:00:00.123456Z".
std::string FormatRfc3339Micros(absl::Time time);
std::string NowRfc3339();

}  // namespace newsflow

#endif  // NEWSFLOW_COMMON_TIME_H_
