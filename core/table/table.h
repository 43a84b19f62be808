// Table: an open, immutable SSTable. Open() reads the footer, index, filter
// and properties into memory; data blocks are read on demand, through the
// block cache when one is given. Thread-safe: any number of Gets and
// iterators at once.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "core/cache/lru_cache.h"
#include "core/env/file_system.h"
#include "core/table/block.h"
#include "core/table/format.h"
#include "core/base/iterator.h"
#include "core/table/table_builder.h"
#include "core/util/status.h"

namespace lsm {

using BlockCache = LruCache<const Block>;

struct TableReadOptions {
  bool verify_checksums = true;
  bool fill_cache = true;
};

// Filter probe counters, shared by all tables of a database.
struct FilterStats {
  std::atomic<uint64_t> checked{0};  // probes made
  std::atomic<uint64_t> useful{0};   // probes that avoided a block read
};

class Table : public std::enable_shared_from_this<Table> {
 public:
  // cache_id must be unique among tables sharing block_cache (the file
  // number serves). block_cache and filter_stats may be null.
  static Status Open(std::unique_ptr<RandomAccessFile> file, uint64_t file_size,
                     uint64_t cache_id, BlockCache* block_cache, FilterStats* filter_stats,
                     std::shared_ptr<Table>* out);

  // Finds the first entry with internal key >= ikey whose user key equals
  // ikey's, and calls found(key, value) with it. OK with no call if there is
  // none (the bloom filter may answer that without reading a block).
  Status Get(const TableReadOptions& ro, std::string_view ikey,
             const std::function<void(std::string_view, std::string_view)>& found);

  std::unique_ptr<Iterator> NewIterator(const TableReadOptions& ro);

  const std::map<std::string, uint64_t>& properties() const { return properties_; }

  // Approximate file offset where the data for ikey begins (the offset of
  // the block that would hold it; past the last block: the end of the
  // data blocks).
  uint64_t ApproximateOffsetOf(std::string_view ikey) const;
  // Offset just past the last data block.
  uint64_t DataEnd() const;
  uint64_t file_size() const { return file_size_; }

  // Reads (or finds in the cache) the data block at handle.
  Status ReadDataBlock(const TableReadOptions& ro, const BlockHandle& handle,
                       std::shared_ptr<const Block>* block);
  // Hints that [offset, offset + n) of the file will be read soon (clipped
  // to the file).
  void Prefetch(uint64_t offset, uint64_t n) const;

 private:
  Table() = default;

  std::unique_ptr<RandomAccessFile> file_;
  uint64_t file_size_ = 0;
  uint64_t cache_id_ = 0;
  BlockCache* block_cache_ = nullptr;
  FilterStats* filter_stats_ = nullptr;
  std::shared_ptr<const Block> index_;
  std::string filter_;
  std::map<std::string, uint64_t> properties_;
};

}  // namespace lsm
