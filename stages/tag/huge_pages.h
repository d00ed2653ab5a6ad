// Memory for the tag stage's large, randomly probed tables on transparent
// huge pages.
//
// The tagger's hot tables (the NER model's weight table, its word and pair
// score caches, the word-facts cache, the keyword word table, the document
// frequencies) are megabytes each and probed at random, one or two probes
// per token: with 4 KiB pages nearly every probe missed the TLB as well as
// the data cache, and the page walk cost as much as the miss itself. A
// block of at least kHugePageBytes is mapped on its own, aligned to
// kHugePageBytes and advised MADV_HUGEPAGE, so that the kernel backs it with
// 2 MiB pages where it can (transparent huge pages in "madvise" or
// "always" mode; in "never" mode, or where the advice is refused, it is
// ordinary memory and nothing else changes). Smaller blocks come from
// operator new: a huge page for a small table would waste most of it.
#ifndef NEWSFLOW_STAGES_TAG_HUGE_PAGES_H_
#define NEWSFLOW_STAGES_TAG_HUGE_PAGES_H_

#include <cstddef>
#include <cstdint>
#include <new>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"

namespace newsflow {
namespace tag {

inline constexpr size_t kHugePageBytes = size_t{2} << 20;

// `bytes` bytes aligned at least as operator new aligns; throws
// std::bad_alloc when out of memory. Free with FreeHugePageBlock(p, bytes)
// with the same `bytes`.
void* AllocateHugePageBlock(size_t bytes);
void FreeHugePageBlock(void* block, size_t bytes);
// Whether a block of `bytes` is mapped on its own (else from operator new).
// Under AddressSanitizer every block comes from operator new, so that reads
// past a table's end are still reported.
inline bool IsMappedHugePageBlock(size_t bytes) {
#if defined(__SANITIZE_ADDRESS__)
  (void)bytes;
  return false;
#else
  return bytes >= kHugePageBytes;
#endif
}

// Where a block of whole huge pages starts in a region mapped at
// `region_start` one huge page longer than the block: the first
// huge-page boundary in it. The region's bytes before `start` and after
// the block are unmapped. (A function of its own so that its
// arithmetic is tested with unaligned regions, which kernels that align
// large mappings themselves never hand out.)
struct HugePageCut {
  uintptr_t start;
  size_t head_bytes;  // unmapped before the block
  size_t tail_bytes;  // unmapped after it
};
HugePageCut CutToHugePage(uintptr_t region_start);

// A standard allocator over AllocateHugePageBlock, for the containers of
// the hot tables (std::vector, absl::flat_hash_map).
template <typename T>
struct HugePageAllocator {
  using value_type = T;
  HugePageAllocator() = default;
  template <typename U>
  HugePageAllocator(const HugePageAllocator<U>&) {}  // NOLINT: rebinding

  T* allocate(size_t n) {
    if (n > static_cast<size_t>(-1) / sizeof(T)) throw std::bad_alloc();
    return static_cast<T*>(AllocateHugePageBlock(n * sizeof(T)));
  }
  void deallocate(T* p, size_t n) { FreeHugePageBlock(p, n * sizeof(T)); }

  template <typename U>
  bool operator==(const HugePageAllocator<U>&) const {
    return true;
  }
  template <typename U>
  bool operator!=(const HugePageAllocator<U>&) const {
    return false;
  }
};

template <typename T>
using HugePageVector = std::vector<T, HugePageAllocator<T>>;
// absl::flat_hash_map<K, V> with its table on huge pages (string keys are
// looked up by views, as in the default map).
template <typename K, typename V>
using HugePageHashMap =
    absl::flat_hash_map<K, V, absl::container_internal::hash_default_hash<K>,
                        absl::container_internal::hash_default_eq<K>,
                        HugePageAllocator<std::pair<const K, V>>>;

}  // namespace tag
}  // namespace newsflow

#endif  // NEWSFLOW_STAGES_TAG_HUGE_PAGES_H_
