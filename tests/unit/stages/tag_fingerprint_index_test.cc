#include <algorithm>
#include <cstdint>
#include <random>
#include <vector>

#include "gtest/gtest.h"
#include "stages/tag/fingerprint_index.h"

namespace newsflow {
namespace tag {
namespace {

// A fingerprint `bits` bits from `hash`, at distinct random positions.
uint64_t Flip(uint64_t hash, int bits, std::mt19937_64* random) {
  uint64_t mask = 0;
  while (__builtin_popcountll(mask) < bits)
    mask |= uint64_t{1} << ((*random)() % 64);
  return hash ^ mask;
}

TEST(FingerprintIndexTest, FindsTheEarliestNearestAsAScanDoes) {
  std::mt19937_64 random(7);
  FingerprintIndex index;
  std::vector<uint64_t> seen;
  constexpr size_t kRemembered = 300;
  size_t found = 0;
  for (int step = 0; step < 3000; ++step) {
    // Mostly near copies of earlier fingerprints (several copies of one,
    // so ties in distance happen), some new.
    uint64_t hash = random();
    if (!seen.empty() && random() % 4 != 0) {
      const size_t recent = std::min(seen.size(), kRemembered);
      hash = Flip(seen[seen.size() - 1 - random() % recent],
                  static_cast<int>(random() % 6), &random);
    }
    for (int limit = 1; limit <= 6; ++limit) {
      const FingerprintIndex::Nearest indexed = index.FindNearest(hash, limit);
      const FingerprintIndex::Nearest scanned = index.ScanNearest(hash, limit);
      ASSERT_EQ(indexed.index, scanned.index)
          << "step " << step << " limit " << limit;
      ASSERT_EQ(indexed.distance, scanned.distance);
      if (limit == 4 && indexed.index < index.size()) {
        ++found;
        EXPECT_LT(__builtin_popcountll(index[indexed.index] ^ hash), 4);
      }
    }
    index.PushBack(hash);
    seen.push_back(hash);
    if (index.size() > kRemembered) index.PopFront();
  }
  // The search was exercised, not only its misses.
  EXPECT_GT(found, 1000u);
}

TEST(FingerprintIndexTest, IndexHoldsFourEntriesPerRememberedFingerprint) {
  std::mt19937_64 random(11);
  FingerprintIndex index;
  for (int step = 0; step < 5000; ++step) {
    // Many equal quarters: the lists share keys.
    index.PushBack(random() & 0x000f000f000f000full);
    if (index.size() > 100) index.PopFront();
    ASSERT_EQ(index.index_entries(), 4 * index.size());
  }
  EXPECT_EQ(index.size(), 100u);
  while (!index.empty()) index.PopFront();
  EXPECT_EQ(index.index_entries(), 0u);
}

}  // namespace
}  // namespace tag
}  // namespace newsflow
