// A map from 64-bit hashes to small values for per-document tallies that
// are emptied after every document (the tagger's word counts, prediction
// history and label votes). Clear() keeps the memory and resets only the
// slots in use, so a document costs no allocation: a hash map per document
// spent more on allocating, growing and freeing its table than on the
// tallies themselves.
//
// Open addressing with linear probing; keys are hashes already (any 64-bit
// value, 0 included), spread once more by a multiply. No erase, no
// iteration: what a tally needs and no more.
#ifndef NEWSFLOW_STAGES_TAG_U64_MAP_H_
#define NEWSFLOW_STAGES_TAG_U64_MAP_H_

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace newsflow {
namespace tag {

template <typename V>
class U64Map {
 public:
  // The value of `key`, value-initialised when new.
  V& operator[](uint64_t key) {
    if ((used_.size() + 1) * 2 > slots_.size()) Grow();
    size_t i = Home(key);
    while (slots_[i].used) {
      if (slots_[i].key == key) return slots_[i].value;
      i = (i + 1) & mask_;
    }
    slots_[i].used = true;
    slots_[i].key = key;
    slots_[i].value = V();
    used_.push_back(static_cast<uint32_t>(i));
    return slots_[i].value;
  }

  // nullptr when `key` has no value.
  const V* Find(uint64_t key) const {
    if (slots_.empty()) return nullptr;
    for (size_t i = Home(key); slots_[i].used; i = (i + 1) & mask_) {
      if (slots_[i].key == key) return &slots_[i].value;
    }
    return nullptr;
  }

  size_t size() const { return used_.size(); }

  // Forgets every entry. The table is kept for the next document unless an
  // unusually large one grew it past kKeptSlots.
  void Clear() {
    if (slots_.size() > kKeptSlots) {
      slots_ = std::vector<Slot>();
      used_ = std::vector<uint32_t>();
      mask_ = 0;
      return;
    }
    for (uint32_t i : used_) slots_[i].used = false;
    used_.clear();
  }

 private:
  static constexpr size_t kInitialSlots = 256;
  static constexpr size_t kKeptSlots = size_t{1} << 16;

  struct Slot {
    uint64_t key = 0;
    V value{};
    bool used = false;
  };

  size_t Home(uint64_t key) const {
    return static_cast<size_t>((key * 0x9e3779b97f4a7c15ull) >> 32) & mask_;
  }

  void Grow() {
    std::vector<Slot> old = std::move(slots_);
    slots_.assign(old.empty() ? kInitialSlots : old.size() * 2, Slot());
    mask_ = slots_.size() - 1;
    used_.clear();
    for (Slot& slot : old) {
      if (!slot.used) continue;
      size_t i = Home(slot.key);
      while (slots_[i].used) i = (i + 1) & mask_;
      slots_[i] = std::move(slot);
      used_.push_back(static_cast<uint32_t>(i));
    }
  }

  std::vector<Slot> slots_;
  // Indices of the slots in use, for Clear().
  std::vector<uint32_t> used_;
  size_t mask_ = 0;
};

}  // namespace tag
}  // namespace newsflow

#endif  // NEWSFLOW_STAGES_TAG_U64_MAP_H_
