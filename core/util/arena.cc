#include "core/util/arena.h"

#include <sys/mman.h>

#include <cstdint>
#include <new>

namespace lsm {

char* Arena::Allocate(size_t n) {
  constexpr size_t kAlign = sizeof(void*);
  size_t pad = (kAlign - (reinterpret_cast<uintptr_t>(ptr_) & (kAlign - 1))) & (kAlign - 1);
  if (n + pad <= remaining_) {
    char* result = ptr_ + pad;
    ptr_ += n + pad;
    remaining_ -= n + pad;
    return result;
  }
  if (n > block_size_ / 4) {
    // Large entries get a block of their own so the current block's free
    // tail is not wasted.
    return NewBlock(n);
  }
  ptr_ = NewBlock(block_size_);
  remaining_ = block_size_ - n;
  char* result = ptr_;
  ptr_ += n;
  return result;
}

size_t Arena::BlockSizeFor(size_t budget) {
  size_t size = kDefaultBlockSize;
  while (size < kHugeBlock && size * 2 <= budget / 32) size *= 2;
  return size;
}

char* Arena::NewBlock(size_t n) {
  char* block = nullptr;
  if (n == kHugeBlock) {
    block = static_cast<char*>(std::aligned_alloc(kHugeBlock, n));
#ifdef MADV_HUGEPAGE
    // Advice only: without transparent huge pages the block is plain memory.
    if (block != nullptr) madvise(block, n, MADV_HUGEPAGE);
#endif
  } else {
    block = static_cast<char*>(std::malloc(n));
  }
  if (block == nullptr) throw std::bad_alloc();
  blocks_.emplace_back(block);
  usage_.fetch_add(n + sizeof(char*), std::memory_order_relaxed);
  return blocks_.back().get();
}

}  // namespace lsm
