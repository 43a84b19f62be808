// Arena: bump allocator backing a memtable. Memory is released all at once
// when the arena dies. Not thread-safe: the memtable's single writer
// allocates; readers only read memory already published through the
// skiplist's release stores. MemoryUsage() may be read from any thread.
#pragma once

#include <atomic>
#include <cstddef>
#include <memory>
#include <vector>

namespace lsm {

class Arena {
 public:
  Arena() = default;
  Arena(const Arena&) = delete;
  Arena& operator=(const Arena&) = delete;

  // Returns n bytes (n > 0) aligned for any pointer-sized field.
  char* Allocate(size_t n);

  // Bytes obtained from the heap, including unused tails of blocks.
  size_t MemoryUsage() const { return usage_.load(std::memory_order_relaxed); }

 private:
  static constexpr size_t kBlockSize = 16 * 1024;
  char* NewBlock(size_t n);

  char* ptr_ = nullptr;
  size_t remaining_ = 0;
  std::vector<std::unique_ptr<char[]>> blocks_;
  std::atomic<size_t> usage_{0};
};

}  // namespace lsm
