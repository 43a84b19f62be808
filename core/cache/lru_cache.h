// LruCache: a sharded, thread-safe LRU map from a 128-bit key to a shared
// value, bounded by the total "charge" of its entries. Used for the block
// cache (charge = block bytes) and the table cache (charge = 1 per open
// table).
//
// Values are std::shared_ptr, so an entry evicted while a reader still
// holds it stays alive until that reader lets go; capacity bounds what the
// cache itself keeps. Each shard has its own mutex, so threads hitting
// different shards never contend.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

namespace lsm {

struct CacheKey {
  uint64_t a;
  uint64_t b;
  bool operator==(const CacheKey& o) const { return a == o.a && b == o.b; }
};

template <typename V>
class LruCache {
 public:
  explicit LruCache(size_t capacity) : capacity_(capacity) {
    for (auto& s : shards_) s.capacity = (capacity + kShards - 1) / kShards;
  }
  ~LruCache() {
    for (auto& s : shards_) s.Clear();
  }
  LruCache(const LruCache&) = delete;
  LruCache& operator=(const LruCache&) = delete;

  std::shared_ptr<V> Lookup(const CacheKey& key) {
    const uint64_t h = Hash(key);
    Shard& s = ShardFor(h);
    std::lock_guard<std::mutex> l(s.mu);
    Entry* e = *s.Find(key, h);
    if (e == nullptr) {
      s.misses++;
      return nullptr;
    }
    s.Unlink(e);
    s.PushFront(e);
    s.hits++;
    return e->value;
  }

  void Insert(const CacheKey& key, std::shared_ptr<V> value, size_t charge) {
    if (capacity_ == 0) return;
    const uint64_t h = Hash(key);
    Shard& s = ShardFor(h);
    // Values taken out are released after the shard's lock: freeing a
    // block need not hold up other threads. Usually one or two; more (one
    // large block evicting many small ones) spill into a vector.
    constexpr int kKeep = 4;
    std::shared_ptr<V> released[kKeep];
    std::vector<std::shared_ptr<V>> more;
    int n = 0;
    auto release = [&](std::shared_ptr<V> v) {
      if (n < kKeep) {
        released[n++] = std::move(v);
      } else {
        more.push_back(std::move(v));
      }
    };
    std::lock_guard<std::mutex> l(s.mu);  // destroyed before released and more
    if (Entry* old = *s.Find(key, h)) release(s.Remove(old));
    s.Add(new Entry{key, std::move(value), charge, h, nullptr, nullptr, nullptr});
    while (s.usage > s.capacity && s.count > 1) release(s.Remove(s.head.prev));
  }

  void Erase(const CacheKey& key) {
    const uint64_t h = Hash(key);
    Shard& s = ShardFor(h);
    std::shared_ptr<V> released;
    std::lock_guard<std::mutex> l(s.mu);
    if (Entry* e = *s.Find(key, h)) released = s.Remove(e);
  }

  size_t capacity() const { return capacity_; }
  size_t usage() const {
    size_t total = 0;
    for (auto& s : shards_) {
      std::lock_guard<std::mutex> l(s.mu);
      total += s.usage;
    }
    return total;
  }
  uint64_t hits() const { return Sum(&Shard::hits); }
  uint64_t misses() const { return Sum(&Shard::misses); }

 private:
  static constexpr int kShards = 16;

  // One allocation per entry: it sits in its shard's hash chain (next_hash)
  // and in its shard's LRU ring (prev/next, most recently used after head).
  struct Entry {
    CacheKey key;
    std::shared_ptr<V> value;
    size_t charge;
    uint64_t hash;
    Entry* next_hash;
    Entry* prev;
    Entry* next;
  };

  // A cache line of its own, so one shard's lock and counters do not share
  // one with the next shard's.
  struct alignas(64) Shard {
    Shard() { head.prev = head.next = &head; }

    mutable std::mutex mu;
    Entry head{};                 // the LRU ring's sentinel
    std::vector<Entry*> buckets;  // power-of-two size, chains through next_hash
    size_t count = 0;
    size_t usage = 0;
    size_t capacity = 0;
    // Counted under the shard's lock: no counter shared by all shards, whose
    // cache line would move between cores at every lookup.
    uint64_t hits = 0;
    uint64_t misses = 0;

    // The slot holding the entry for key (or the null slot ending its chain).
    Entry** Find(const CacheKey& key, uint64_t h) {
      if (buckets.empty()) buckets.assign(16, nullptr);
      Entry** slot = &buckets[(h >> 32) & (buckets.size() - 1)];
      while (*slot != nullptr && ((*slot)->hash != h || !((*slot)->key == key))) slot = &(*slot)->next_hash;
      return slot;
    }
    void Unlink(Entry* e) {
      e->prev->next = e->next;
      e->next->prev = e->prev;
    }
    void PushFront(Entry* e) {
      e->next = head.next;
      e->prev = &head;
      head.next->prev = e;
      head.next = e;
    }
    // REQUIRES: no entry with e's key.
    void Add(Entry* e) {
      Entry** slot = Find(e->key, e->hash);
      e->next_hash = nullptr;
      *slot = e;
      PushFront(e);
      count++;
      usage += e->charge;
      if (count > buckets.size()) Rehash();
    }
    // Takes e out and frees it; returns its value for release outside the lock.
    std::shared_ptr<V> Remove(Entry* e) {
      Entry** slot = Find(e->key, e->hash);
      *slot = e->next_hash;
      Unlink(e);
      count--;
      usage -= e->charge;
      std::shared_ptr<V> v = std::move(e->value);
      delete e;
      return v;
    }
    void Rehash() {
      std::vector<Entry*> bigger(buckets.size() * 2, nullptr);
      for (Entry* chain : buckets) {
        while (chain != nullptr) {
          Entry* next = chain->next_hash;
          Entry** slot = &bigger[(chain->hash >> 32) & (bigger.size() - 1)];
          chain->next_hash = *slot;
          *slot = chain;
          chain = next;
        }
      }
      buckets.swap(bigger);
    }
    void Clear() {
      for (Entry* e = head.next; e != &head;) {
        Entry* next = e->next;
        delete e;
        e = next;
      }
      head.prev = head.next = &head;
      buckets.clear();
      count = usage = 0;
    }
  };

  static uint64_t Hash(const CacheKey& k) {
    uint64_t h = k.a * 0x9E3779B97F4A7C15ull ^ (k.b + 0x632BE59BD9B4E019ull + (k.a << 6));
    h ^= h >> 29;
    return h * 0xBF58476D1CE4E5B9ull;
  }
  Shard& ShardFor(uint64_t h) { return shards_[h % kShards]; }

  uint64_t Sum(uint64_t Shard::*field) const {
    uint64_t total = 0;
    for (auto& s : shards_) {
      std::lock_guard<std::mutex> l(s.mu);
      total += s.*field;
    }
    return total;
  }

  const size_t capacity_;
  Shard shards_[kShards];
};

}  // namespace lsm
