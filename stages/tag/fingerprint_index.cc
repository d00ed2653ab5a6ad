#include "stages/tag/fingerprint_index.h"

namespace newsflow {
namespace tag {
namespace {

using Nearest = FingerprintIndex::Nearest;

[[gnu::always_inline]] inline Nearest Scan(const std::deque<uint64_t>& hashes,
                                           uint64_t hash, int limit) {
  Nearest nearest{hashes.size(), limit};
  size_t i = 0;
  for (uint64_t remembered : hashes) {
    const int distance = __builtin_popcountll(remembered ^ hash);
    if (distance < nearest.distance) nearest = {i, distance};
    ++i;
  }
  return nearest;
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define NEWSFLOW_POPCNT_DISPATCH 1
// The build targets generic x86-64, which has no popcount instruction:
// there __builtin_popcountll is a libgcc call per remembered fingerprint.
// This copy of the scan is compiled for the instruction and runs where the
// CPU has it.
__attribute__((target("popcnt"))) Nearest ScanPopcnt(
    const std::deque<uint64_t>& hashes, uint64_t hash, int limit) {
  return Scan(hashes, hash, limit);
}
#endif

}  // namespace

void FingerprintIndex::PushBack(uint64_t hash) {
  const uint64_t sequence = first_sequence_ + hashes_.size();
  hashes_.push_back(hash);
  for (int quarter = 0; quarter < kQuarters; ++quarter) {
    quarters_[QuarterKey(hash, quarter)].push_back(sequence);
  }
}

void FingerprintIndex::PopFront() {
  const uint64_t hash = hashes_.front();
  for (int quarter = 0; quarter < kQuarters; ++quarter) {
    auto it = quarters_.find(QuarterKey(hash, quarter));
    // The oldest fingerprint is the first entry of each of its lists.
    std::vector<uint64_t>& sequences = it->second;
    sequences.erase(sequences.begin());
    if (sequences.empty()) quarters_.erase(it);
  }
  hashes_.pop_front();
  ++first_sequence_;
}

void FingerprintIndex::Clear() {
  hashes_.clear();
  quarters_.clear();
  first_sequence_ = 0;
}

FingerprintIndex::Nearest FingerprintIndex::FindNearest(uint64_t hash,
                                                        int limit) const {
  if (limit > kIndexedLimit) return ScanNearest(hash, limit);
  Nearest nearest{hashes_.size(), limit};
  for (int quarter = 0; quarter < kQuarters; ++quarter) {
    auto it = quarters_.find(QuarterKey(hash, quarter));
    if (it == quarters_.end()) continue;
    for (uint64_t sequence : it->second) {
      const size_t index = static_cast<size_t>(sequence - first_sequence_);
      const int distance = __builtin_popcountll(hashes_[index] ^ hash);
      if (distance >= limit) continue;
      // The earliest of the nearest, as the scan finds it.
      if (distance < nearest.distance ||
          (distance == nearest.distance && index < nearest.index)) {
        nearest = {index, distance};
      }
    }
  }
  return nearest;
}

FingerprintIndex::Nearest FingerprintIndex::ScanNearest(uint64_t hash,
                                                        int limit) const {
#ifdef NEWSFLOW_POPCNT_DISPATCH
  static const bool has_popcnt = __builtin_cpu_supports("popcnt");
  if (has_popcnt) return ScanPopcnt(hashes_, hash, limit);
#endif
  return Scan(hashes_, hash, limit);
}

size_t FingerprintIndex::index_entries() const {
  size_t entries = 0;
  for (const auto& [key, sequences] : quarters_) entries += sequences.size();
  return entries;
}

}  // namespace tag
}  // namespace newsflow
