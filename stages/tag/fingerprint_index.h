#ifndef NEWSFLOW_STAGES_TAG_FINGERPRINT_INDEX_H_
#define NEWSFLOW_STAGES_TAG_FINGERPRINT_INDEX_H_

#include <cstddef>
#include <cstdint>
#include <vector>

namespace newsflow {
namespace tag {

// The remembered 64-bit fingerprints (SimHashes) of a stream, oldest first,
// and the search for the one nearest a new fingerprint.
//
// A search for the nearest under 4 bits or fewer (the near-duplicate
// distance is 3 by default, so the limit 4) looks only at the fingerprints
// equal to the new one in one of its four 16-bit quarters: two fingerprints
// at most 3 bits apart differ in at most 3 quarters. Its answer is the one a
// scan of every fingerprint gives, which a wider limit falls back to, and so
// does a search whose four lists together hold more entries than there are
// fingerprints (many copies of one text, a paywall stub): the scan is then
// cheaper. Pushing and forgetting the oldest are O(1).
//
// Memory: a ring of slots, each a fingerprint and one 4-byte link per
// quarter to the next fingerprint sharing that quarter (24 bytes a slot,
// the ring doubling when full), and per quarter value a list head, tail and
// count (4 x 65,536 x 12 bytes = 3 MiB, allocated at the first push). At the
// default 100,000 fingerprints: 131,072 slots, 6.3 MB in all (63 bytes a
// fingerprint); memory_bytes() counts it.
class FingerprintIndex {
 public:
  // The earliest of the fingerprints nearest the one searched for, if any
  // is under `limit` bits from it: its position (0 = oldest) and distance;
  // position size() when none is.
  struct Nearest {
    size_t index;
    int distance;
  };

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  // The fingerprint at `index` (0 = oldest).
  uint64_t operator[](size_t index) const { return hashes_[Slot(index)]; }

  void PushBack(uint64_t hash);
  // Forgets the oldest fingerprint. Requires !empty().
  void PopFront();
  void Clear();

  Nearest FindNearest(uint64_t hash, int limit) const;
  // The same by comparing with every fingerprint (what FindNearest answers
  // for any limit; exposed for tests).
  Nearest ScanNearest(uint64_t hash, int limit) const;
  // Whether FindNearest(hash, limit) answers by the scan.
  bool SearchScans(uint64_t hash, int limit) const;

  // Entries reachable through the quarter lists' links (4 per
  // fingerprint when they are whole): for tests.
  size_t index_entries() const;
  // Bytes the index holds (its containers' capacities).
  size_t memory_bytes() const;

 private:
  static constexpr int kQuarters = 4;
  static constexpr size_t kQuarterValues = size_t{1} << 16;
  // The largest limit the quarters answer: distance limit - 1 <= 3.
  static constexpr int kIndexedLimit = kQuarters;
  static constexpr uint32_t kNoSlot = UINT32_MAX;

  // Quarter q's list is number q << 16 | (the quarter's value).
  static uint32_t ListOf(uint64_t hash, int quarter) {
    return static_cast<uint32_t>(quarter) << 16 |
           static_cast<uint32_t>((hash >> (16 * quarter)) & 0xffff);
  }
  size_t Slot(size_t index) const {
    const size_t slot = first_slot_ + index;
    return slot < hashes_.size() ? slot : slot - hashes_.size();
  }
  // Index (0 = oldest) of the fingerprint in `slot`.
  size_t IndexOf(size_t slot) const {
    return slot >= first_slot_ ? slot - first_slot_
                               : slot + hashes_.size() - first_slot_;
  }
  void Grow();

  // The ring: hashes_.size() slots, the oldest at first_slot_, size_ used.
  std::vector<uint64_t> hashes_;
  // next_[slot * 4 + q]: the next newer slot in the slot's quarter-q list.
  std::vector<uint32_t> next_;
  size_t first_slot_ = 0;
  size_t size_ = 0;
  // Per list (4 x 65,536): its oldest and newest slots (valid when its
  // count is not 0) and its length.
  std::vector<uint32_t> list_head_;
  std::vector<uint32_t> list_tail_;
  std::vector<uint32_t> list_count_;
};

}  // namespace tag
}  // namespace newsflow

#endif  // NEWSFLOW_STAGES_TAG_FINGERPRINT_INDEX_H_
