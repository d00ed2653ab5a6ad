// Stable, platform-independent hashing for article and entity ids.
// Unlike absl::Hash, these values never change between runs or builds,
// so they may be stored and compared across restarts.
#ifndef NEWSFLOW_COMMON_HASH_H_
#define NEWSFLOW_COMMON_HASH_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace newsflow {

// FNV-1a, 64 bits.
uint64_t StableHash64(std::string_view data);

// 16 lowercase hex digits of StableHash64(data).
std::string StableHashHex(std::string_view data);

// StableHashHex of each of `data`, the same values, faster: FNV-1a is one
// serial multiply per byte, so a single hash runs at the multiplier's
// latency; here four inputs are hashed side by side, about four times the
// bytes per cycle.
std::vector<std::string> StableHashHexMany(
    const std::vector<std::string_view>& data);

// StableHash64 of each of `data`, four side by side (as StableHashHexMany).
std::vector<uint64_t> StableHash64Many(
    const std::vector<std::string_view>& data);

// A checksum of a byte stream, for files to tell damage from data: fed in
// pieces of any size, it gives the value of their concatenation. It reads
// eight bytes per multiply (FNV-1a, one multiply per byte, ran at the
// multiplier's latency: most of the time of saving a state of megabytes).
// Stable like StableHash64 (bytes read little-endian on every platform);
// not a hash for tables, and no defence against deliberate forgery.
class StableChecksum64 {
 public:
  void Update(std::string_view data);
  // Of all the bytes fed so far (more may follow).
  uint64_t Value() const;

 private:
  void Word(uint64_t word) {
    hash_ = ((hash_ << 23 | hash_ >> 41) ^ word) * 0x9e3779b97f4a7c15ull;
  }

  uint64_t hash_ = 0xcbf29ce484222325ull;
  uint64_t bytes_ = 0;
  // The bytes of an unfinished word, in the low bytes first.
  uint64_t pending_ = 0;
};

}  // namespace newsflow

#endif  // NEWSFLOW_COMMON_HASH_H_
