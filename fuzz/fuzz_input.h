// Splitting one fuzzer input into the pieces a target needs, without
// clang's FuzzedDataProvider (the targets also build with g++ for the smoke
// test in the regular test suite).
#ifndef NEWSFLOW_FUZZ_FUZZ_INPUT_H_
#define NEWSFLOW_FUZZ_FUZZ_INPUT_H_

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace newsflow::fuzz {

class FuzzInput {
 public:
  FuzzInput(const uint8_t* data, size_t size)
      : rest_(reinterpret_cast<const char*>(data), size) {}

  // The next byte, or 0 once the input is used up.
  uint8_t Byte() {
    if (rest_.empty()) return 0;
    const uint8_t byte = static_cast<uint8_t>(rest_[0]);
    rest_.remove_prefix(1);
    return byte;
  }

  // A piece whose length is read from one byte (so mutations can move the
  // boundaries), capped by what is left.
  absl::string_view Piece() {
    const size_t length = Byte();
    absl::string_view piece = rest_.substr(0, length);
    rest_.remove_prefix(piece.size());
    return piece;
  }

  absl::string_view Rest() {
    absl::string_view rest = rest_;
    rest_ = {};
    return rest;
  }

 private:
  absl::string_view rest_;
};

// A property the target checks: failing it is a finding, like a crash.
inline void Require(bool condition) {
  if (!condition) abort();
}

// Whether `date` is the RFC 3339 UTC form the ingest parsers promise,
// "YYYY-MM-DDTHH:MM:SSZ", and reads back to itself (so it names a real
// instant: no February 30th, no hour 24).
inline bool IsUtcInstant(const std::string& date) {
  absl::Time time;
  std::string error;
  return date.size() == 20 && absl::EndsWith(date, "Z") &&
         absl::ParseTime(absl::RFC3339_sec, date, &time, &error) &&
         absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", time, absl::UTCTimeZone()) ==
             date;
}

}  // namespace newsflow::fuzz

#endif  // NEWSFLOW_FUZZ_FUZZ_INPUT_H_
