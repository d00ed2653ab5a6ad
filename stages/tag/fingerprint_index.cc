#include "stages/tag/fingerprint_index.h"

#include <algorithm>
#include <utility>

namespace newsflow {
namespace tag {
namespace {

using Nearest = FingerprintIndex::Nearest;

// Compares `count` fingerprints from `hashes`, the first at position
// `first_index`, into `nearest` (the earliest of the nearest wins, and the
// positions come in ascending order).
[[gnu::always_inline]] inline void Scan(const uint64_t* hashes, size_t count,
                                        size_t first_index, uint64_t hash,
                                        Nearest* nearest) {
  for (size_t i = 0; i < count; ++i) {
    const int distance = __builtin_popcountll(hashes[i] ^ hash);
    if (distance < nearest->distance) *nearest = {first_index + i, distance};
  }
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define NEWSFLOW_POPCNT_DISPATCH 1
// The build targets generic x86-64, which has no popcount instruction:
// there __builtin_popcountll is a libgcc call per remembered fingerprint.
// This copy of the scan is compiled for the instruction and runs where the
// CPU has it.
__attribute__((target("popcnt"))) void ScanPopcnt(const uint64_t* hashes,
                                                  size_t count,
                                                  size_t first_index,
                                                  uint64_t hash,
                                                  Nearest* nearest) {
  Scan(hashes, count, first_index, hash, nearest);
}
#endif

void ScanRange(const uint64_t* hashes, size_t count, size_t first_index,
               uint64_t hash, Nearest* nearest) {
#ifdef NEWSFLOW_POPCNT_DISPATCH
  static const bool has_popcnt = __builtin_cpu_supports("popcnt");
  if (has_popcnt) {
    ScanPopcnt(hashes, count, first_index, hash, nearest);
    return;
  }
#endif
  Scan(hashes, count, first_index, hash, nearest);
}

}  // namespace

void FingerprintIndex::Grow() {
  std::vector<uint64_t> remembered;
  remembered.reserve(size_);
  for (size_t i = 0; i < size_; ++i) remembered.push_back((*this)[i]);
  const size_t capacity = std::max<size_t>(64, 2 * hashes_.size());
  hashes_.assign(capacity, 0);
  next_.assign(capacity * kQuarters, kNoSlot);
  if (list_count_.empty()) {
    list_head_.resize(kQuarters * kQuarterValues);
    list_tail_.resize(kQuarters * kQuarterValues);
  }
  list_count_.assign(kQuarters * kQuarterValues, 0);
  first_slot_ = 0;
  size_ = 0;
  for (uint64_t hash : remembered) PushBack(hash);
}

void FingerprintIndex::PushBack(uint64_t hash) {
  if (size_ == hashes_.size()) Grow();
  const size_t slot = Slot(size_);
  hashes_[slot] = hash;
  ++size_;
  for (int quarter = 0; quarter < kQuarters; ++quarter) {
    const uint32_t list = ListOf(hash, quarter);
    next_[slot * kQuarters + quarter] = kNoSlot;
    if (list_count_[list] == 0) {
      list_head_[list] = static_cast<uint32_t>(slot);
    } else {
      next_[list_tail_[list] * size_t{kQuarters} + quarter] =
          static_cast<uint32_t>(slot);
    }
    list_tail_[list] = static_cast<uint32_t>(slot);
    ++list_count_[list];
  }
}

void FingerprintIndex::PopFront() {
  const size_t slot = first_slot_;
  const uint64_t hash = hashes_[slot];
  for (int quarter = 0; quarter < kQuarters; ++quarter) {
    // The oldest fingerprint heads each of its lists.
    const uint32_t list = ListOf(hash, quarter);
    list_head_[list] = next_[slot * kQuarters + quarter];
    --list_count_[list];
  }
  first_slot_ = Slot(1);
  --size_;
}

void FingerprintIndex::Clear() {
  if (size_ == 0) return;
  std::fill(list_count_.begin(), list_count_.end(), 0);
  first_slot_ = 0;
  size_ = 0;
}

bool FingerprintIndex::SearchScans(uint64_t hash, int limit) const {
  if (limit > kIndexedLimit) return true;
  if (size_ == 0) return false;
  size_t listed = 0;
  for (int quarter = 0; quarter < kQuarters; ++quarter) {
    listed += list_count_[ListOf(hash, quarter)];
  }
  return listed > size_;
}

FingerprintIndex::Nearest FingerprintIndex::FindNearest(uint64_t hash,
                                                        int limit) const {
  if (SearchScans(hash, limit)) return ScanNearest(hash, limit);
  Nearest nearest{size_, limit};
  if (size_ == 0) return nearest;
  for (int quarter = 0; quarter < kQuarters; ++quarter) {
    const uint32_t list = ListOf(hash, quarter);
    uint32_t slot = list_count_[list] == 0 ? kNoSlot : list_head_[list];
    // Oldest first, so a list's first fingerprint at a distance is the
    // earliest there; across lists the positions decide, as in the scan.
    for (; slot != kNoSlot; slot = next_[slot * size_t{kQuarters} + quarter]) {
      const int distance = __builtin_popcountll(hashes_[slot] ^ hash);
      if (distance >= limit || distance > nearest.distance) continue;
      const size_t index = IndexOf(slot);
      if (distance < nearest.distance || index < nearest.index) {
        nearest = {index, distance};
      }
    }
  }
  return nearest;
}

FingerprintIndex::Nearest FingerprintIndex::ScanNearest(uint64_t hash,
                                                        int limit) const {
  Nearest nearest{size_, limit};
  // The ring's two runs, oldest first.
  const size_t first_run = std::min(size_, hashes_.size() - first_slot_);
  if (first_run > 0) {
    ScanRange(hashes_.data() + first_slot_, first_run, 0, hash, &nearest);
  }
  if (size_ > first_run) {
    ScanRange(hashes_.data(), size_ - first_run, first_run, hash, &nearest);
  }
  return nearest;
}

size_t FingerprintIndex::index_entries() const {
  size_t entries = 0;
  for (size_t list = 0; list < list_count_.size(); ++list) {
    if (list_count_[list] == 0) continue;
    const int quarter = static_cast<int>(list >> 16);
    for (uint32_t slot = list_head_[list]; slot != kNoSlot;
         slot = next_[slot * size_t{kQuarters} + quarter]) {
      ++entries;
      if (slot == list_tail_[list]) break;
    }
  }
  return entries;
}

size_t FingerprintIndex::memory_bytes() const {
  return sizeof(*this) + hashes_.capacity() * sizeof(uint64_t) +
         (next_.capacity() + list_head_.capacity() + list_tail_.capacity() +
          list_count_.capacity()) *
             sizeof(uint32_t);
}

}  // namespace tag
}  // namespace newsflow
