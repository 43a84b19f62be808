// BlockBuffer: the heap buffer that holds an uncompressed table block,
// recycled through one process-wide pool.
//
// Why a pool: once the block cache is full, every block read on a miss
// allocates about block_size bytes and evicts (frees) another block.
// glibc's malloc gives each thread an arena of its own; when the reads move
// between threads (a thread pool, or Go, whose runtime moves a goroutine
// between OS threads), blocks are freed into the arena of the thread that
// read them while new ones are carved from another's, so one arena trims
// pages it just freed and the other faults fresh ones in. With the pool, a
// buffer freed on a thread goes to that thread's shard, where its next read
// finds it, whichever arena it came from. Measured: 1M gets through the Go
// binding (1M keys, 32 MiB cache) took 133,000-146,000 page faults and
// 6.2-7.1 us a get with malloc alone, 9,000-11,000 faults with glibc told
// to keep one arena for all threads, and about 11,000 faults and 5.2-5.7 us
// a get with the pool (in its first form, one shard).
//
// Invariants:
//   - a pooled buffer's capacity is a multiple of kGranule, at most
//     kMaxPooled: its request rounded up, or up to kLookAhead granules more
//     when an idle buffer that size was reused (block sizes straddle a
//     granule boundary, and a slightly larger buffer beats a malloc);
//     capacity() reports it, so the block cache charges the memory held;
//   - requests over kMaxPooled are allocated exactly and never pooled;
//   - the pool is kShards shards, each with its own mutex; a thread takes
//     from and returns to one shard (threads are dealt shards in turn), so
//     threads reading at once seldom share a lock;
//   - a shard keeps idle buffers in per-capacity free lists, linked through
//     their first bytes, at most kMaxIdleBytes / kShards bytes of them; a
//     buffer returned to a full shard first makes room by freeing idle
//     buffers of other sizes (the sizes in use now win), so the pool never
//     holds more than kMaxIdleBytes;
//   - under AddressSanitizer the pool is off unless a test turns it on:
//     every buffer is then exactly its request and freed when returned, so
//     ASan sees a read past a block's end or of a freed block. With the pool
//     on (block_buffer_test), a buffer's bytes past its request and an idle
//     buffer's bytes past its link are poisoned.
#pragma once

#include <cstddef>

// Whether this build runs under AddressSanitizer: GCC defines
// __SANITIZE_ADDRESS__; clang before 22 answers only __has_feature.
#if defined(__SANITIZE_ADDRESS__)
#define LSM_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define LSM_ASAN 1
#endif
#endif

namespace lsm {

class BlockBuffer {
 public:
  static constexpr size_t kGranule = 256;
  static constexpr size_t kMaxPooled = 32 * 1024;
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

  // Bytes idle in the pool now, all shards (tests).
  static size_t IdleBytes();
  // Turns the pool on or off for buffers made from now on: on by default,
  // off by default under AddressSanitizer (tests of the pool turn it on).
  static void SetPoolingForTesting(bool on);

 private:
  char* data_ = nullptr;
  size_t capacity_ = 0;
};

}  // namespace lsm
