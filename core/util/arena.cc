#include "core/util/arena.h"

#include <cstdint>

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
  if (n > kBlockSize / 4) {
    // Large entries get a block of their own so the current block's free
    // tail is not wasted.
    return NewBlock(n);
  }
  ptr_ = NewBlock(kBlockSize);
  remaining_ = kBlockSize - n;
  char* result = ptr_;
  ptr_ += n;
  return result;
}

char* Arena::NewBlock(size_t n) {
  blocks_.emplace_back(new char[n]);
  usage_.fetch_add(n + sizeof(char*), std::memory_order_relaxed);
  return blocks_.back().get();
}

}  // namespace lsm
