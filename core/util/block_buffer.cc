#include "core/util/block_buffer.h"

#include <pthread.h>

#include <atomic>
#include <mutex>
#include <new>

#ifdef LSM_ASAN
#include <sanitizer/asan_interface.h>
#endif

namespace lsm {
namespace {

constexpr size_t kGranule = BlockBuffer::kGranule;
constexpr size_t kClasses = BlockBuffer::kMaxPooled / kGranule;
constexpr size_t kShards = BlockBuffer::kShards;
constexpr size_t kMaxIdlePerShard = BlockBuffer::kMaxIdleBytes / kShards;

// An idle buffer's first bytes: the next idle buffer of its class.
struct Idle {
  Idle* next;
};

void Poison(char* p, size_t n) {
#ifdef LSM_ASAN
  ASAN_POISON_MEMORY_REGION(p, n);
#else
  (void)p;
  (void)n;
#endif
}

void Unpoison(char* p, size_t n) {
#ifdef LSM_ASAN
  ASAN_UNPOISON_MEMORY_REGION(p, n);
#else
  (void)p;
  (void)n;
#endif
}

#ifdef LSM_ASAN
std::atomic<bool> pooling{false};
#else
std::atomic<bool> pooling{true};
#endif

// One shard of the pool. A thread uses one shard for all it takes and
// returns, so threads reading at once seldom share a mutex; a thread whose
// reads evict about as much as they load (the usual case once the cache is
// full) finds its own returned buffers there.
struct alignas(64) Shard {
  std::mutex mu;
  Idle* idle[kClasses] = {};  // idle[c]: buffers of (c + 1) granules
  size_t idle_bytes = 0;
};

void LockAllShards();
void UnlockAllShards();

// Never destroyed: a block may be freed during static destruction (a
// database a program never closed), after any static pool would be gone.
// The shards' mutexes are held across fork(2): a child must not find one
// locked by a thread it does not have (it may open a database of its own).
Shard* Shards() {
  static Shard* shards = [] {
    auto* s = new Shard[kShards];
    ::pthread_atfork(LockAllShards, UnlockAllShards, UnlockAllShards);
    return s;
  }();
  return shards;
}

void LockAllShards() {
  for (size_t i = 0; i < kShards; i++) Shards()[i].mu.lock();
}

void UnlockAllShards() {
  for (size_t i = 0; i < kShards; i++) Shards()[i].mu.unlock();
}

// The calling thread's shard: threads are dealt shards in turn.
Shard& MyShard() {
  static std::atomic<size_t> next{0};
  thread_local const size_t mine = next.fetch_add(1, std::memory_order_relaxed) % kShards;
  return Shards()[mine];
}

}  // namespace

BlockBuffer::BlockBuffer(size_t n) {
  if (n == 0) return;
  if (n > kMaxPooled || !pooling.load(std::memory_order_relaxed)) {
    data_ = new char[n];
    capacity_ = n;
    return;
  }
  const size_t granules = (n + kGranule - 1) / kGranule;
  Shard& shard = MyShard();
  {
    std::lock_guard<std::mutex> l(shard.mu);
    const size_t last = granules + kLookAhead < kClasses ? granules + kLookAhead : kClasses;
    for (size_t g = granules; g <= last; g++) {
      Idle* b = shard.idle[g - 1];
      if (b == nullptr) continue;
      shard.idle[g - 1] = b->next;
      shard.idle_bytes -= g * kGranule;
      data_ = reinterpret_cast<char*>(b);
      capacity_ = g * kGranule;
      break;
    }
  }
  if (data_ == nullptr) {
    data_ = new char[granules * kGranule];
    capacity_ = granules * kGranule;
  }
  Unpoison(data_, n);
  Poison(data_ + n, capacity_ - n);  // ours, but past what was asked for
}

BlockBuffer& BlockBuffer::operator=(BlockBuffer&& o) noexcept {
  if (this != &o) {
    reset();
    data_ = o.data_;
    capacity_ = o.capacity_;
    o.data_ = nullptr;
    o.capacity_ = 0;
  }
  return *this;
}

void BlockBuffer::reset() {
  char* p = data_;
  const size_t cap = capacity_;
  data_ = nullptr;
  capacity_ = 0;
  if (p == nullptr) return;
  Unpoison(p, cap);  // the pool writes a link into it, or delete[] frees it
  // Only whole granules are pooled: an exact buffer made while pooling was
  // off may have any size.
  if (cap > kMaxPooled || cap % kGranule != 0 || !pooling.load(std::memory_order_relaxed)) {
    delete[] p;
    return;
  }
  // Idle buffers freed to make room, deleted once the lock is released.
  Idle* evicted = nullptr;
  {
    Shard& shard = MyShard();
    std::lock_guard<std::mutex> l(shard.mu);
    const size_t cls = cap / kGranule - 1;
    for (size_t c = kClasses; c-- > 0 && shard.idle_bytes + cap > kMaxIdlePerShard;) {
      while (c != cls && shard.idle[c] != nullptr && shard.idle_bytes + cap > kMaxIdlePerShard) {
        Idle* b = shard.idle[c];
        shard.idle[c] = b->next;
        shard.idle_bytes -= (c + 1) * kGranule;
        Unpoison(reinterpret_cast<char*>(b), (c + 1) * kGranule);
        b->next = evicted;
        evicted = b;
      }
    }
    if (shard.idle_bytes + cap <= kMaxIdlePerShard) {
      shard.idle[cls] = new (p) Idle{shard.idle[cls]};
      shard.idle_bytes += cap;
      Poison(p + sizeof(Idle), cap - sizeof(Idle));
      p = nullptr;
    }
  }
  delete[] p;  // the shard is full of buffers this size
  while (evicted != nullptr) {
    Idle* next = evicted->next;
    delete[] reinterpret_cast<char*>(evicted);
    evicted = next;
  }
}

size_t BlockBuffer::IdleBytes() {
  size_t total = 0;
  for (size_t i = 0; i < kShards; i++) {
    std::lock_guard<std::mutex> l(Shards()[i].mu);
    total += Shards()[i].idle_bytes;
  }
  return total;
}

void BlockBuffer::SetPoolingForTesting(bool on) { pooling.store(on, std::memory_order_relaxed); }

}  // namespace lsm
