#ifndef NEWSFLOW_STAGES_TAG_FINGERPRINT_INDEX_H_
#define NEWSFLOW_STAGES_TAG_FINGERPRINT_INDEX_H_

#include <cstddef>
#include <cstdint>
#include <deque>
#include <vector>

#include "absl/container/flat_hash_map.h"

namespace newsflow {
namespace tag {

// The remembered 64-bit fingerprints (SimHashes) of a stream, oldest first,
// and the search for the one nearest a new fingerprint.
//
// A search for the nearest under 4 bits or fewer (the near-duplicate
// distance is 3 by default, so the limit 4) looks only at the fingerprints
// equal to the new one in one of its four 16-bit quarters: two fingerprints
// at most 3 bits apart differ in at most 3 quarters. Its answer is the one a
// scan of every fingerprint gives, which a wider limit falls back to. A scan
// was a popcount per remembered fingerprint (up to 100,000) per article.
// Memory: four 8-byte entries per fingerprint beside the fingerprint itself,
// removed with it.
class FingerprintIndex {
 public:
  // The earliest of the fingerprints nearest the one searched for, if any
  // is under `limit` bits from it: its position (0 = oldest) and distance;
  // position size() when none is.
  struct Nearest {
    size_t index;
    int distance;
  };

  size_t size() const { return hashes_.size(); }
  bool empty() const { return hashes_.empty(); }
  // The fingerprint at `index` (0 = oldest).
  uint64_t operator[](size_t index) const { return hashes_[index]; }

  void PushBack(uint64_t hash);
  // Forgets the oldest fingerprint. Requires !empty().
  void PopFront();
  void Clear();

  Nearest FindNearest(uint64_t hash, int limit) const;
  // The same by comparing with every fingerprint (what FindNearest answers
  // for any limit; exposed for tests).
  Nearest ScanNearest(uint64_t hash, int limit) const;

  // Entries in the quarter index (4 per fingerprint): for tests of the
  // bound.
  size_t index_entries() const;

 private:
  static constexpr int kQuarters = 4;
  // The largest limit the quarters answer: distance limit - 1 <= 3.
  static constexpr int kIndexedLimit = kQuarters;
  // Quarter q's value v → the sequence numbers (ascending) of the
  // fingerprints with that quarter. Keyed by q << 16 | v.
  static uint32_t QuarterKey(uint64_t hash, int quarter) {
    return static_cast<uint32_t>(quarter) << 16 |
           static_cast<uint32_t>((hash >> (16 * quarter)) & 0xffff);
  }

  std::deque<uint64_t> hashes_;
  // Sequence number of hashes_.front(): numbers only grow, so the entries
  // of a quarter's list stay ascending and the oldest is at its front.
  uint64_t first_sequence_ = 0;
  absl::flat_hash_map<uint32_t, std::vector<uint64_t>> quarters_;
};

}  // namespace tag
}  // namespace newsflow

#endif  // NEWSFLOW_STAGES_TAG_FINGERPRINT_INDEX_H_
