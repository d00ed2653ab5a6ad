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

}  // namespace newsflow

#endif  // NEWSFLOW_COMMON_HASH_H_
