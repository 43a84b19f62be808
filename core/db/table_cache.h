// TableCache: open Table objects by file number, at most max_open_files of
// them (LRU). A table in use by a reader stays open after eviction until the
// reader lets go (Tables are shared_ptr).
#pragma once

#include <memory>
#include <string>

#include "core/cache/lru_cache.h"
#include "core/env/file_system.h"
#include "core/base/iterator.h"
#include "core/table/table.h"

namespace lsm {

class TableCache {
 public:
  TableCache(std::string dir, FileSystem* fs, int max_open_files, BlockCache* block_cache,
             FilterStats* filter_stats)
      : dir_(std::move(dir)), fs_(fs), block_cache_(block_cache), filter_stats_(filter_stats),
        cache_(static_cast<size_t>(max_open_files)) {}

  Status FindTable(uint64_t number, uint64_t file_size, std::shared_ptr<Table>* table);
  std::unique_ptr<Iterator> NewIterator(const TableReadOptions& ro, uint64_t number,
                                        uint64_t file_size);
  // Drops the cached table of a deleted file.
  void Evict(uint64_t number) { cache_.Erase(CacheKey{number, 0}); }

 private:
  const std::string dir_;
  FileSystem* const fs_;
  BlockCache* const block_cache_;
  FilterStats* const filter_stats_;
  LruCache<Table> cache_;
};

}  // namespace lsm
