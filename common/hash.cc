#include "common/hash.h"

#include <algorithm>
#include <cstring>

#include "absl/strings/str_format.h"

namespace newsflow {

namespace {

constexpr uint64_t kOffsetBasis = 14695981039346656037ull;
constexpr uint64_t kPrime = 1099511628211ull;

// Continues an FNV-1a hash over `data`.
uint64_t Continue(uint64_t hash, std::string_view data) {
  for (unsigned char c : data) {
    hash ^= c;
    hash *= kPrime;
  }
  return hash;
}

std::string Hex(uint64_t hash) { return absl::StrFormat("%016x", hash); }

}  // namespace

uint64_t StableHash64(std::string_view data) {
  return Continue(kOffsetBasis, data);
}

std::string StableHashHex(std::string_view data) {
  return Hex(StableHash64(data));
}

std::vector<uint64_t> StableHash64Many(
    const std::vector<std::string_view>& data) {
  constexpr size_t kLanes = 4;
  std::vector<uint64_t> out;
  out.reserve(data.size());
  size_t next = 0;
  for (; next + kLanes <= data.size(); next += kLanes) {
    const std::string_view* in = &data[next];
    size_t common = in[0].size();
    for (size_t lane = 1; lane < kLanes; ++lane) {
      common = std::min(common, in[lane].size());
    }
    // Four independent chains in one loop: the core overlaps their
    // multiplies.
    uint64_t h0 = kOffsetBasis, h1 = kOffsetBasis, h2 = kOffsetBasis,
             h3 = kOffsetBasis;
    const auto* p0 = reinterpret_cast<const unsigned char*>(in[0].data());
    const auto* p1 = reinterpret_cast<const unsigned char*>(in[1].data());
    const auto* p2 = reinterpret_cast<const unsigned char*>(in[2].data());
    const auto* p3 = reinterpret_cast<const unsigned char*>(in[3].data());
    for (size_t i = 0; i < common; ++i) {
      h0 = (h0 ^ p0[i]) * kPrime;
      h1 = (h1 ^ p1[i]) * kPrime;
      h2 = (h2 ^ p2[i]) * kPrime;
      h3 = (h3 ^ p3[i]) * kPrime;
    }
    out.push_back(Continue(h0, in[0].substr(common)));
    out.push_back(Continue(h1, in[1].substr(common)));
    out.push_back(Continue(h2, in[2].substr(common)));
    out.push_back(Continue(h3, in[3].substr(common)));
  }
  for (; next < data.size(); ++next) out.push_back(StableHash64(data[next]));
  return out;
}

std::vector<std::string> StableHashHexMany(
    const std::vector<std::string_view>& data) {
  std::vector<std::string> out;
  out.reserve(data.size());
  for (uint64_t hash : StableHash64Many(data)) out.push_back(Hex(hash));
  return out;
}

void StableChecksum64::Update(std::string_view data) {
  const auto* p = reinterpret_cast<const unsigned char*>(data.data());
  size_t n = data.size();
  // Finish a word begun by the previous piece.
  while (n > 0 && bytes_ % 8 != 0) {
    pending_ |= uint64_t{*p++} << (8 * (bytes_ % 8));
    ++bytes_;
    --n;
    if (bytes_ % 8 == 0) {
      Word(pending_);
      pending_ = 0;
    }
  }
  for (; n >= 8; p += 8, n -= 8, bytes_ += 8) {
    uint64_t word;
    std::memcpy(&word, p, sizeof word);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    word = __builtin_bswap64(word);
#endif
    Word(word);
  }
  for (; n > 0; --n, ++bytes_) {
    pending_ |= uint64_t{*p++} << (8 * (bytes_ % 8));
  }
}

uint64_t StableChecksum64::Value() const {
  // The length goes in so that trailing zero bytes count; the final mix
  // spreads the last word's bits over the whole value.
  uint64_t x = (hash_ ^ pending_) * 0xff51afd7ed558ccdull ^ bytes_;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ull;
  x ^= x >> 33;
  return x;
}

}  // namespace newsflow
