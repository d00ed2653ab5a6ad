#include "common/hash.h"

#include "absl/strings/str_format.h"

namespace newsflow {

uint64_t StableHash64(std::string_view data) {
  uint64_t hash = 14695981039346656037ull;
  for (unsigned char c : data) {
    hash ^= c;
    hash *= 1099511628211ull;
  }
  return hash;
}

std::string StableHashHex(std::string_view data) {
  return absl::StrFormat("%016x", StableHash64(data));
}

}  // namespace newsflow
