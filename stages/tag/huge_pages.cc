#include "stages/tag/huge_pages.h"

#include <sys/mman.h>

#include <cstdint>

namespace newsflow {
namespace tag {
namespace {

size_t MappedBytes(size_t bytes) {
  return (bytes + kHugePageBytes - 1) & ~(kHugePageBytes - 1);
}

}  // namespace

HugePageCut CutToHugePage(uintptr_t region_start) {
  const uintptr_t start =
      (region_start + kHugePageBytes - 1) & ~(uintptr_t{kHugePageBytes} - 1);
  const size_t head = start - region_start;
  return {start, head, kHugePageBytes - head};
}

void* AllocateHugePageBlock(size_t bytes) {
  if (!IsMappedHugePageBlock(bytes)) return ::operator new(bytes);
  // Rounding up must not wrap around (a size near SIZE_MAX would map 2 MiB
  // and return it unmapped).
  if (bytes > SIZE_MAX - 2 * kHugePageBytes) throw std::bad_alloc();
  const size_t mapped = MappedBytes(bytes);
  // Over-map by one huge page and cut the ends, so the block starts on a
  // huge-page boundary (a huge page must be aligned in memory too).
  const size_t reserved = mapped + kHugePageBytes;
  void* region = mmap(nullptr, reserved, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (region == MAP_FAILED) throw std::bad_alloc();
  const HugePageCut cut = CutToHugePage(reinterpret_cast<uintptr_t>(region));
  if (cut.head_bytes > 0) munmap(region, cut.head_bytes);
  if (cut.tail_bytes > 0) {
    munmap(reinterpret_cast<void*>(cut.start + mapped), cut.tail_bytes);
  }
  void* block = reinterpret_cast<void*>(cut.start);
  // Advice only: where it is refused the block is ordinary memory.
  madvise(block, mapped, MADV_HUGEPAGE);
  return block;
}

void FreeHugePageBlock(void* block, size_t bytes) {
  if (block == nullptr) return;
  if (!IsMappedHugePageBlock(bytes)) {
    ::operator delete(block);
    return;
  }
  munmap(block, MappedBytes(bytes));
}

}  // namespace tag
}  // namespace newsflow
