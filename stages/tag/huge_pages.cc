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

void* AllocateHugePageBlock(size_t bytes) {
  if (!IsMappedHugePageBlock(bytes)) return ::operator new(bytes);
  const size_t mapped = MappedBytes(bytes);
  // Over-map by one huge page and cut the ends, so the block starts on a
  // huge-page boundary (a huge page must be aligned in memory too).
  const size_t reserved = mapped + kHugePageBytes;
  void* region = mmap(nullptr, reserved, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (region == MAP_FAILED) throw std::bad_alloc();
  const uintptr_t start = reinterpret_cast<uintptr_t>(region);
  const uintptr_t aligned =
      (start + kHugePageBytes - 1) & ~(uintptr_t{kHugePageBytes} - 1);
  if (aligned > start) munmap(region, aligned - start);
  const uintptr_t end = aligned + mapped;
  const uintptr_t reserved_end = start + reserved;
  if (reserved_end > end)
    munmap(reinterpret_cast<void*>(end), reserved_end - end);
  void* block = reinterpret_cast<void*>(aligned);
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
