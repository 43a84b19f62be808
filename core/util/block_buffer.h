// BlockBuffer: the heap buffer that holds an uncompressed table block,
// recycled through one process-wide pool.
//
// Why a pool: once the block cache is full, every block read on a miss
// allocates about block_size bytes and evicts (frees) another block.
// glibc's malloc gives each thread an arena of its own; when the reads move
// between threads (a thread pool, or Go, whose runtime moves a goroutine
// between OS threads), blocks are freed into the arena of the thread that
// read them while new ones are carved from another's, so one arena trims
// pages it just freed and the other faults fresh ones in. With the pool,
// the evicted block's buffer is the next read's, whichever thread runs it.
// Measured: 1M gets through the Go binding (1M keys, 32 MiB cache) took
// 133,000-146,000 page faults and 6.2-7.1 us a get with malloc alone,
// 9,000-11,000 faults with glibc told to keep one arena for all threads,
// and about 11,000 faults and 5.2-5.7 us a get with the pool.
//
// Invariants:
//   - a buffer's capacity is its request rounded up to a multiple of
//     kGranule; requests over kMaxPooled are allocated exactly and never
//     pooled;
//   - the pool is kShards shards, each with its own mutex; a thread takes
//     from and returns to one shard (threads are dealt shards in turn), so
//     threads reading at once seldom share a lock;
//   - a shard keeps idle buffers in per-capacity free lists, linked through
//     their first bytes, at most kMaxIdleBytes / kShards bytes of them; a
//     buffer returned beyond that is freed, so the pool never holds more
//     than kMaxIdleBytes;
//   - a request takes an idle buffer of its own capacity or up to
//     kLookAhead granules larger (block sizes straddle a granule boundary,
//     and a slightly larger buffer beats a malloc); capacity() reports what
//     it got, so the block cache charges the memory actually held;
//   - under AddressSanitizer an idle buffer is poisoned past its link, so a
//     read of a freed block still fails loudly.
#pragma once

#include <cstddef>

namespace lsm {

class BlockBuffer {
 public:
  static constexpr size_t kGranule = 256;
  static constexpr size_t kMaxPooled = 64 * 1024;
  static constexpr size_t kShards = 16;
  static constexpr size_t kMaxIdleBytes = 1024 * 1024;
  static constexpr size_t kLookAhead = 3;

  BlockBuffer() = default;
  // At least n bytes, not zero-filled; n == 0 holds nothing (data() null).
  explicit BlockBuffer(size_t n);
  ~BlockBuffer() { reset(); }
  BlockBuffer(BlockBuffer&& o) noexcept : data_(o.data_), capacity_(o.capacity_) {
    o.data_ = nullptr;
    o.capacity_ = 0;
  }
  BlockBuffer& operator=(BlockBuffer&& o) noexcept;
  BlockBuffer(const BlockBuffer&) = delete;
  BlockBuffer& operator=(const BlockBuffer&) = delete;

  char* data() const { return data_; }
  size_t capacity() const { return capacity_; }
  // Returns the buffer to the pool (or the heap); leaves this empty.
  void reset();

  // Bytes idle in the pool now (tests, and the memory bound's docs).
  static size_t IdleBytes();

 private:
  char* data_ = nullptr;
  size_t capacity_ = 0;
};

}  // namespace lsm
