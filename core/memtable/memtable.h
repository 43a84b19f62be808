// MemTable: the in-memory, sorted write buffer, a skiplist of entries in an
// arena. Each entry is one allocation:
//   varint32 internal_key_len | internal_key | varint32 value_len | value
// Writers are serialized by the database; readers (Get, iterators) take no
// lock. A MemTable is shared through std::shared_ptr so that iterators and
// in-flight reads keep it alive after it has been flushed.
//
// Beside the skiplist, a filter of the user keys added (a blocked bloom
// filter: 6 bits in one 64-byte line per key) lets Get answer for a key the
// memtable lacks without searching. A search misses the cache at nearly
// every node of a large memtable; the filter costs one miss. Add sets the
// bits before it returns, so a reader that can see the entry (its sequence
// number is published after Add returns) sees the bits too.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <string_view>

#include "core/base/dbformat.h"
#include "core/memtable/skiplist.h"
#include "core/base/iterator.h"
#include "core/util/arena.h"
#include "core/util/status.h"

namespace lsm {

class MemTable {
 public:
  // arena_block_size: see Arena::BlockSizeFor. filter_bytes: the key
  // filter's size, rounded up to a power of two of 64-byte lines; 0 for none.
  explicit MemTable(size_t arena_block_size = Arena::kDefaultBlockSize, size_t filter_bytes = 4096);
  // A filter size for a memtable that grows to about write_buffer_size:
  // 1/64 of it, about 18 bits per entry of 16-byte keys and 100-byte values
  // (a false positive rate well under 1%).
  static size_t FilterBytesFor(size_t write_buffer_size) { return write_buffer_size / 64; }
  MemTable(const MemTable&) = delete;
  MemTable& operator=(const MemTable&) = delete;

  // REQUIRES: external synchronization of writers.
  void Add(SequenceNumber seq, ValueType type, std::string_view user_key,
           std::string_view value);

  // Looks up the newest version of key.user_key() with sequence <=
  // the lookup sequence. Returns true if this memtable decides the answer:
  // then *s is OK with *value filled, or NotFound for a deletion.
  bool Get(const LookupKey& key, std::string* value, Status* s) const;

  // False if no entry for user_key has been added; true means perhaps.
  bool MayContain(std::string_view user_key) const;

  // Entries in internal-key order; keys are internal keys.
  std::unique_ptr<Iterator> NewIterator() const;

  size_t ApproximateMemoryUsage() const { return arena_.MemoryUsage() + filter_bytes_; }
  uint64_t num_entries() const { return num_entries_.load(std::memory_order_relaxed); }
  bool empty() const { return num_entries() == 0; }

 private:
  struct KeyComparator {
    int operator()(const char* a, const char* b) const;
  };
  using Table = SkipList<const char*, KeyComparator>;
  friend class MemTableIterator;

  struct alignas(64) FilterLine {
    FilterLine() {
      for (auto& w : words) w.store(0, std::memory_order_relaxed);
    }
    std::atomic<uint64_t> words[8];
  };
  // The line and the six bits of a key's hash (bit i of the line is bit
  // i % 64 of word i / 64).
  struct FilterProbe {
    size_t line;
    uint16_t bits[6];
  };
  FilterProbe Probe(std::string_view user_key) const;

  Arena arena_;
  Table table_;
  std::unique_ptr<FilterLine[]> filter_;  // null when there is no filter
  size_t filter_lines_ = 0;                // a power of two
  size_t filter_bytes_ = 0;
  std::atomic<uint64_t> num_entries_{0};
};

}  // namespace lsm
