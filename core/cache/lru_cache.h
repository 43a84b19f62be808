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

#include <atomic>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <unordered_map>

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

  std::shared_ptr<V> Lookup(const CacheKey& key) {
    Shard& s = ShardFor(key);
    std::lock_guard<std::mutex> l(s.mu);
    auto it = s.map.find(key);
    if (it == s.map.end()) {
      misses_.fetch_add(1, std::memory_order_relaxed);
      return nullptr;
    }
    s.lru.splice(s.lru.begin(), s.lru, it->second);
    hits_.fetch_add(1, std::memory_order_relaxed);
    return it->second->value;
  }

  void Insert(const CacheKey& key, std::shared_ptr<V> value, size_t charge) {
    if (capacity_ == 0) return;
    Shard& s = ShardFor(key);
    std::lock_guard<std::mutex> l(s.mu);
    auto it = s.map.find(key);
    if (it != s.map.end()) {
      s.usage -= it->second->charge;
      s.lru.erase(it->second);
      s.map.erase(it);
    }
    s.lru.push_front(Entry{key, std::move(value), charge});
    s.map[key] = s.lru.begin();
    s.usage += charge;
    while (s.usage > s.capacity && s.lru.size() > 1) {
      Entry& victim = s.lru.back();
      s.usage -= victim.charge;
      s.map.erase(victim.key);
      s.lru.pop_back();
    }
  }

  void Erase(const CacheKey& key) {
    Shard& s = ShardFor(key);
    std::lock_guard<std::mutex> l(s.mu);
    auto it = s.map.find(key);
    if (it == s.map.end()) return;
    s.usage -= it->second->charge;
    s.lru.erase(it->second);
    s.map.erase(it);
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
  uint64_t hits() const { return hits_.load(std::memory_order_relaxed); }
  uint64_t misses() const { return misses_.load(std::memory_order_relaxed); }

 private:
  static constexpr int kShards = 16;

  struct Entry {
    CacheKey key;
    std::shared_ptr<V> value;
    size_t charge;
  };
  struct KeyHash {
    size_t operator()(const CacheKey& k) const {
      uint64_t h = k.a * 0x9E3779B97F4A7C15ull ^ (k.b + 0x632BE59BD9B4E019ull + (k.a << 6));
      return static_cast<size_t>(h ^ (h >> 29));
    }
  };
  struct Shard {
    mutable std::mutex mu;
    std::list<Entry> lru;  // most recently used first
    std::unordered_map<CacheKey, typename std::list<Entry>::iterator, KeyHash> map;
    size_t usage = 0;
    size_t capacity = 0;
  };

  Shard& ShardFor(const CacheKey& key) {
    return shards_[KeyHash()(key) % kShards];
  }

  const size_t capacity_;
  Shard shards_[kShards];
  std::atomic<uint64_t> hits_{0};
  std::atomic<uint64_t> misses_{0};
};

}  // namespace lsm
