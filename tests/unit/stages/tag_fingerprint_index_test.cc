#include <algorithm>
#include <cstdint>
#include <deque>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "stages/tag/fingerprint_index.h"
#include "stages/tag/stories.h"

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
    // Many equal quarters: the lists share values, and the ring wraps.
    index.PushBack(random() & 0x000f000f000f000full);
    if (index.size() > 100) index.PopFront();
    if (step % 97 == 0) {
      ASSERT_EQ(index.index_entries(), 4 * index.size());
    }
  }
  EXPECT_EQ(index.size(), 100u);
  EXPECT_EQ(index.index_entries(), 400u);
  while (!index.empty()) index.PopFront();
  EXPECT_EQ(index.index_entries(), 0u);
}

// One fingerprint again and again (a paywall stub), near copies, unrelated
// ones and ones differing in all four quarters; forgetting, wrapping the
// ring, growing it, clearing; every limit.
TEST(FingerprintIndexTest, RepeatedFingerprintsAnswerAsAScanDoesAtEveryLimit) {
  std::mt19937_64 random(3);
  FingerprintIndex index;
  const uint64_t stub = random();
  for (int step = 0; step < 4000; ++step) {
    uint64_t hash = stub;
    const int kind = static_cast<int>(random() % 5);
    if (kind == 1) hash ^= uint64_t{1} << (random() % 64);
    if (kind == 2) hash = random();
    if (kind == 3) hash ^= 0x000100010001000full & random();
    for (int limit = -1; limit <= 66; ++limit) {
      const FingerprintIndex::Nearest indexed = index.FindNearest(hash, limit);
      const FingerprintIndex::Nearest scanned = index.ScanNearest(hash, limit);
      ASSERT_EQ(indexed.index, scanned.index) << step << " " << limit;
      ASSERT_EQ(indexed.distance, scanned.distance) << step << " " << limit;
    }
    index.PushBack(hash);
    if (random() % 3 == 0) index.PopFront();
    if (index.size() > 500) index.PopFront();
    if (step == 2000) {
      index.Clear();
      ASSERT_EQ(index.size(), 0u);
      ASSERT_EQ(index.index_entries(), 0u);
    }
  }
  EXPECT_EQ(index.index_entries(), 4 * index.size());
}

// When the lists a search would walk hold more entries than there are
// fingerprints, comparing with every fingerprint is cheaper: the search
// scans, and answers the same.
TEST(FingerprintIndexTest, SearchScansWhenItsListsOutnumberTheFingerprints) {
  std::mt19937_64 random(5);
  const uint64_t stub = 0x123456789abcdef1ull;
  FingerprintIndex index;
  for (int i = 0; i < 1000; ++i) index.PushBack(i % 2 == 0 ? stub : random());
  // Half the fingerprints are the stub: its four lists hold 2,000 entries.
  EXPECT_TRUE(index.SearchScans(stub ^ 1, 4));
  const FingerprintIndex::Nearest nearest = index.FindNearest(stub ^ 1, 4);
  EXPECT_EQ(nearest.index, 0u);
  EXPECT_EQ(nearest.distance, 1);
  EXPECT_EQ(nearest.index, index.ScanNearest(stub ^ 1, 4).index);
  // An unrelated fingerprint's lists are short: the index answers.
  const uint64_t other = random();
  EXPECT_FALSE(index.SearchScans(other, 4));
  EXPECT_EQ(index.FindNearest(other, 4).index,
            index.ScanNearest(other, 4).index);
  // Limits the quarters cannot answer always scan.
  EXPECT_TRUE(index.SearchScans(other, 5));
}

// The stage keeps 100,000 fingerprints by default and runs for months: the
// index's memory per fingerprint stays bounded, also after the oldest have
// been forgotten many times over (a map of growing lists held 171 bytes a
// fingerprint, then 275).
TEST(FingerprintIndexTest, MemoryPerFingerprintStaysBounded) {
  std::mt19937_64 random(5);
  constexpr size_t kRemembered = 100000;
  constexpr double kBytesPerFingerprint = 64;
  FingerprintIndex index;
  for (size_t i = 0; i < kRemembered; ++i) index.PushBack(random());
  EXPECT_LE(static_cast<double>(index.memory_bytes()) / kRemembered,
            kBytesPerFingerprint);
  const uint64_t stub = random();
  for (size_t i = 0; i < 3 * kRemembered; ++i) {
    // A burst of one stub among unrelated fingerprints.
    index.PushBack(i > kRemembered && i < 2 * kRemembered ? stub : random());
    index.PopFront();
  }
  EXPECT_EQ(index.size(), kRemembered);
  EXPECT_LE(static_cast<double>(index.memory_bytes()) / kRemembered,
            kBytesPerFingerprint);
}

// A restarted stage (a whole save, then saved changes) finds the same
// near copies as the one that never stopped: the index is rebuilt from the
// saved fingerprints.
TEST(FingerprintIndexTest, DuplicateAnswersSurviveSaveAndLoad) {
  StoryOptions options;
  options.max_fingerprints = 50;
  std::mt19937_64 random(9);
  StoryClusterer live(options);
  std::vector<uint64_t> seen;
  std::string whole;
  StoryClusterer::SaveMarks marks;
  for (int n = 0; n < 300; ++n) {
    StoryInput input;
    input.article_id = absl::StrCat("a", n);
    input.time = 1700000000 + n;
    uint64_t hash = random() | 1;
    if (!seen.empty() && random() % 2 == 0) {
      hash = Flip(
          seen[seen.size() - 1 - random() % std::min<size_t>(80, seen.size())],
          1, &random);
    }
    if (hash == 0) hash = 1;
    input.simhash = hash;
    seen.push_back(hash);
    live.Assign(input);
    if (n == 120) {
      live.AppendTo(&whole);
      live.MarkSaved(&marks);
    }
  }
  std::string changes;
  live.AppendChangesTo(&changes, {}, &marks);
  StoryClusterer restored(options);
  size_t position = 0;
  ASSERT_TRUE(restored.ReadFrom(whole, &position).ok());
  position = 0;
  ASSERT_TRUE(restored.ReadChangesFrom(changes, &position).ok());
  EXPECT_EQ(restored.Stats().fingerprints, live.Stats().fingerprints);
  int duplicates = 0;
  for (int n = 0; n < 400; ++n) {
    StoryInput input;
    input.article_id = absl::StrCat("p", n);
    input.time = 1700001000 + n;
    input.simhash = Flip(seen[seen.size() - 1 - random() % 60],
                         static_cast<int>(random() % 2), &random);
    if (input.simhash == 0) input.simhash = 1;
    const StoryAssignment answer = live.Assign(input);
    const StoryAssignment restored_answer = restored.Assign(input);
    if (!answer.duplicate_of.empty()) ++duplicates;
    ASSERT_EQ(answer.duplicate_of, restored_answer.duplicate_of) << n;
    ASSERT_EQ(answer.story_id, restored_answer.story_id) << n;
  }
  EXPECT_GT(duplicates, 100);
}

// A reference independent of the ring: a deque scanned oldest first.
FingerprintIndex::Nearest Reference(const std::deque<uint64_t>& hashes,
                                    uint64_t hash, int limit) {
  FingerprintIndex::Nearest nearest{hashes.size(), limit};
  for (size_t i = 0; i < hashes.size(); ++i) {
    const int d = __builtin_popcountll(hashes[i] ^ hash);
    if (d < nearest.distance) nearest = {i, d};
  }
  return nearest;
}

// Every cap the stage may be given (0, 1, around the ring's growth points),
// pushing before forgetting (one over the cap for a moment), duplicates,
// clusters sharing quarters, clears: FindNearest and the index's positions
// match a plain deque.
TEST(FingerprintIndexTest, MatchesAPlainDequeAtEveryCap) {
  for (size_t cap : {size_t{0}, size_t{1}, size_t{2}, size_t{63}, size_t{64},
                     size_t{65}, size_t{127}, size_t{128}, size_t{300}}) {
    std::mt19937_64 random(cap * 31 + 1);
    FingerprintIndex index;
    std::deque<uint64_t> plain;
    std::vector<uint64_t> bases;
    for (int i = 0; i < 8; ++i) bases.push_back(random());
    for (int step = 0; step < 3000; ++step) {
      uint64_t hash;
      switch (random() % 4) {
        case 0:
          hash = random();
          break;
        case 1:
          hash = bases[random() % bases.size()];
          break;
        case 2:
          hash = Flip(bases[random() % bases.size()],
                      static_cast<int>(random() % 5), &random);
          break;
        default:
          hash = plain.empty() ? random() : plain[random() % plain.size()];
      }
      for (int limit = 0; limit <= 6; ++limit) {
        const auto got = index.FindNearest(hash, limit);
        const auto want = Reference(plain, hash, limit);
        ASSERT_EQ(got.index, want.index) << cap << " " << step << " " << limit;
        ASSERT_EQ(got.distance, want.distance) << cap << " " << step;
      }
      index.PushBack(hash);
      plain.push_back(hash);
      if (plain.size() > cap) {
        index.PopFront();
        plain.pop_front();
      }
      if (random() % 50 == 0 && !plain.empty()) {
        index.PopFront();
        plain.pop_front();
      }
      ASSERT_EQ(index.size(), plain.size());
      if (step % 37 == 0) {
        for (size_t i = 0; i < plain.size(); ++i) ASSERT_EQ(index[i], plain[i]);
        ASSERT_EQ(index.index_entries(), 4 * plain.size());
      }
      if (step == 1500) {
        index.Clear();
        plain.clear();
      }
    }
  }
}

}  // namespace
}  // namespace tag
}  // namespace newsflow
