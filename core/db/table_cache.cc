#include "core/db/table_cache.h"

#include "core/db/filename.h"

namespace lsm {

Status TableCache::FindTable(uint64_t number, uint64_t file_size, std::shared_ptr<Table>* table) {
  const CacheKey key{number, 0};
  *table = cache_.Lookup(key);
  if (*table != nullptr) return Status::OK();
  std::string path = TableFileName(dir_, number);
  std::unique_ptr<RandomAccessFile> file;
  Status s = fs_->NewRandomAccessFile(path, &file);
  if (s.IsNotFound()) return Status::Corruption(path + ": table file is missing");
  if (!s.ok()) return s;
  s = Table::Open(std::move(file), file_size, number, block_cache_, filter_stats_, table);
  if (!s.ok()) return s.IsCorruption() ? Status::Corruption(path + ": " + s.message()) : s;
  cache_.Insert(key, *table, 1);
  return Status::OK();
}

std::unique_ptr<Iterator> TableCache::NewIterator(const TableReadOptions& ro, uint64_t number,
                                                  uint64_t file_size) {
  std::shared_ptr<Table> table;
  Status s = FindTable(number, file_size, &table);
  if (!s.ok()) return NewEmptyIterator(s);
  return table->NewIterator(ro);
}

}  // namespace lsm
