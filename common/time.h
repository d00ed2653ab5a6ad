// Timestamps as they appear in Articles: RFC 3339.
#ifndef NEWSFLOW_COMMON_TIME_H_
#define NEWSFLOW_COMMON_TIME_H_

#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace newsflow {

// RFC 3339 in UTC with microseconds, e.g. "2026-11-22T10:00:00.123456Z".
std::string FormatRfc3339Micros(absl::Time time);
std::string NowRfc3339();

// Reads a timestamp as articles, feeds and users write one: RFC 3339 / ISO
// 8601 with "T" or a space between date and time, the seconds (with any
// fraction) and the zone optional (a time without a zone is UTC); RFC 822
// as feeds write it ("Tue, 01 Mar 2011 10:00:00 +0000", or "GMT"); or a
// date alone (its midnight, UTC). Spaces around it are ignored. nullopt
// for anything else, including an empty text.
std::optional<absl::Time> ParseTimestamp(absl::string_view text);

}  // namespace newsflow

#endif  // NEWSFLOW_COMMON_TIME_H_
