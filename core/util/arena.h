// Arena: bump allocator backing a memtable. Memory is released all at once
// when the arena dies. Not thread-safe: the memtable's single writer
// allocates; readers only read memory already published through the
// skiplist's release stores. MemoryUsage() may be read from any thread.
//
// Blocks of kHugeBlock bytes are mapped on their own (mmap), aligned to
// their size and advised as transparent huge pages (Linux, where the system
// allows it): a large memtable's skiplist search touches nodes spread over
// tens of megabytes, and with 4 KiB pages nearly every step below the top
// levels also misses the TLB. Mapping them directly (not through malloc)
// returns them to the system when the arena dies; from the heap, freed
// huge-page blocks stayed resident and a benchmark's peak RSS tripled.
#pragma once

#include <atomic>
#include <cstddef>
#include <vector>

namespace lsm {

class Arena {
 public:
  static constexpr size_t kDefaultBlockSize = 16 * 1024;
  static constexpr size_t kHugeBlock = 2 * 1024 * 1024;

  explicit Arena(size_t block_size = kDefaultBlockSize) : block_size_(block_size) {}
  ~Arena();
  // The block size for an arena that will hold about budget bytes: a
  // thirty-second of it (so the last block wastes little), a power of two
  // between kDefaultBlockSize and kHugeBlock.
  static size_t BlockSizeFor(size_t budget);
  Arena(const Arena&) = delete;
  Arena& operator=(const Arena&) = delete;

  // Returns n bytes (n > 0) aligned for any pointer-sized field.
  char* Allocate(size_t n);

  // Bytes obtained for blocks (from malloc, or mapped for huge blocks),
  // including their unused tails.
  size_t MemoryUsage() const { return usage_.load(std::memory_order_relaxed); }

 private:
  char* NewBlock(size_t n);

  static char* MapHugeBlock();

  struct Block {
    char* data;
    size_t size;
    bool mapped;  // from MapHugeBlock (munmap), else malloc (free)
  };

  const size_t block_size_;
  char* ptr_ = nullptr;
  size_t remaining_ = 0;
  std::vector<Block> blocks_;
  std::atomic<size_t> usage_{0};
};

}  // namespace lsm
