// MemTable: the in-memory, sorted write buffer, a skiplist of entries in an
// arena. Each entry is one allocation:
//   varint32 internal_key_len | internal_key | varint32 value_len | value
// Writers are serialized by the database; readers (Get, iterators) take no
// lock. A MemTable is shared through std::shared_ptr so that iterators and
// in-flight reads keep it alive after it has been flushed.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <string_view>

#include "core/db/dbformat.h"
#include "core/memtable/skiplist.h"
#include "core/table/iterator.h"
#include "core/util/arena.h"
#include "core/util/status.h"

namespace lsm {

class MemTable {
 public:
  // arena_block_size: see Arena::BlockSizeFor.
  explicit MemTable(size_t arena_block_size = Arena::kDefaultBlockSize);
  MemTable(const MemTable&) = delete;
  MemTable& operator=(const MemTable&) = delete;

  // REQUIRES: external synchronization of writers.
  void Add(SequenceNumber seq, ValueType type, std::string_view user_key,
           std::string_view value);

  // Looks up the newest version of key.user_key() with sequence <=
  // the lookup sequence. Returns true if this memtable decides the answer:
  // then *s is OK with *value filled, or NotFound for a deletion.
  bool Get(const LookupKey& key, std::string* value, Status* s) const;

  // Entries in internal-key order; keys are internal keys.
  std::unique_ptr<Iterator> NewIterator() const;

  size_t ApproximateMemoryUsage() const { return arena_.MemoryUsage(); }
  uint64_t num_entries() const { return num_entries_.load(std::memory_order_relaxed); }
  bool empty() const { return num_entries() == 0; }

 private:
  struct KeyComparator {
    int operator()(const char* a, const char* b) const;
  };
  using Table = SkipList<const char*, KeyComparator>;
  friend class MemTableIterator;

  Arena arena_;
  Table table_;
  std::atomic<uint64_t> num_entries_{0};
};

}  // namespace lsm
