#include "core/util/arena.h"

#include <sys/mman.h>

#include <cstdint>
#include <cstdlib>
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

Arena::~Arena() {
  for (const Block& b : blocks_) {
    if (b.mapped) {
      munmap(b.data, b.size);
    } else {
      std::free(b.data);
    }
  }
}

// kHugeBlock bytes aligned to kHugeBlock: map twice the size, unmap the
// unaligned head and the tail.
char* Arena::MapHugeBlock() {
  void* raw = mmap(nullptr, 2 * kHugeBlock, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (raw == MAP_FAILED) return nullptr;
  const uintptr_t start = reinterpret_cast<uintptr_t>(raw);
  const uintptr_t aligned = (start + kHugeBlock - 1) & ~(uintptr_t{kHugeBlock} - 1);
  if (aligned > start) munmap(raw, aligned - start);
  const uintptr_t tail = aligned + kHugeBlock;
  if (start + 2 * kHugeBlock > tail) munmap(reinterpret_cast<void*>(tail), start + 2 * kHugeBlock - tail);
  char* block = reinterpret_cast<char*>(aligned);
#ifdef MADV_HUGEPAGE
  // Advice only: without transparent huge pages the block is plain memory.
  madvise(block, kHugeBlock, MADV_HUGEPAGE);
#endif
  return block;
}

char* Arena::NewBlock(size_t n) {
  // Room for the record first (it may throw, and then no block may exist
  // yet), growing geometrically: reserving one more each time would copy
  // the whole list at every block.
  if (blocks_.size() == blocks_.capacity()) blocks_.reserve(blocks_.empty() ? 8 : 2 * blocks_.size());
  const bool mapped = n == kHugeBlock;
  char* block = mapped ? MapHugeBlock() : static_cast<char*>(std::malloc(n));
  if (block == nullptr) throw std::bad_alloc();
  blocks_.push_back(Block{block, n, mapped});
  usage_.fetch_add(n + sizeof(char*), std::memory_order_relaxed);
  return block;
}

}  // namespace lsm
