#include "core/table/table.h"

#include <algorithm>

#include "core/base/dbformat.h"
#include "core/table/two_level_iterator.h"
#include "core/util/coding.h"

namespace lsm {
namespace {

// A table's second level: the data block an index entry names. A table's
// iterator is a TwoLevelIterator over its index block and these.
//
// Readahead: once a scan has crossed into a second block in the same
// direction, the iterator asks the file to prefetch the blocks ahead of it
// (behind it, going backward), a window that doubles from 64 KiB to 1 MiB,
// so that table pages missing from the OS page cache are read in large
// requests ahead of need rather than one block at a time as the scan
// reaches them. The kernel reads ahead of forward reads on its own, in
// smaller windows, and never ahead of backward ones. With every page
// cached the hint costs one system call per window.
class DataBlocks final : public SecondLevel {
 public:
  DataBlocks(std::shared_ptr<Table> table, const TableReadOptions& ro)
      : table_(std::move(table)), ro_(ro) {}

  std::unique_ptr<Iterator> Open(std::string_view index_value, int direction,
                                 Status* status) override {
    BlockHandle h;
    if (!h.DecodeFrom(&index_value)) {
      *status = Status::Corruption("bad block handle in table index");
      return nullptr;
    }
    ReadAhead(h, direction);
    std::shared_ptr<const Block> block;
    *status = table_->ReadDataBlock(ro_, h, &block);
    if (!status->ok()) return nullptr;
    return Block::NewIterator(std::move(block), CompareInternalKeys);
  }

 private:
  static constexpr uint64_t kMinReadahead = 64 * 1024;
  static constexpr uint64_t kMaxReadahead = 1024 * 1024;

  // Prefetches the next window once the scan is within half a window of
  // the end of what it prefetched (the start, going backward).
  void ReadAhead(const BlockHandle& h, int direction) {
    if (direction == 0 || direction != direction_) {
      direction_ = direction;
      steps_ = 0;
      window_ = kMinReadahead;
      return;
    }
    if (++steps_ == 1) {
      // The second block of a scan: the prefetched range starts at it.
      lo_ = h.offset;
      hi_ = h.offset + h.size + kBlockTrailerSize;
    }
    if (direction > 0 && h.offset + window_ / 2 >= hi_) {
      table_->Prefetch(hi_, window_);
      hi_ += window_;
      window_ = std::min(2 * window_, kMaxReadahead);
    } else if (direction < 0 && h.offset <= lo_ + window_ / 2 && lo_ > 0) {
      const uint64_t from = lo_ > window_ ? lo_ - window_ : 0;
      table_->Prefetch(from, lo_ - from);
      lo_ = from;
      window_ = std::min(2 * window_, kMaxReadahead);
    }
  }

  std::shared_ptr<Table> table_;
  TableReadOptions ro_;
  // Readahead state: the scan's direction, blocks stepped into since it
  // began, and the file range [lo_, hi_) prefetched so far.
  int direction_ = 0;
  int steps_ = 0;
  uint64_t window_ = kMinReadahead;
  uint64_t lo_ = 0;
  uint64_t hi_ = 0;
};

}  // namespace

Status Table::Open(std::unique_ptr<RandomAccessFile> file, uint64_t file_size,
                   uint64_t cache_id, BlockCache* block_cache, FilterStats* filter_stats,
                   std::shared_ptr<Table>* out) {
  if (file_size < kFooterSize) return Status::Corruption("file is too short to be a table");
  char buf[kFooterSize];
  std::string_view got;
  Status s = file->Read(file_size - kFooterSize, kFooterSize, buf, &got);
  if (!s.ok()) return s;
  Footer footer;
  s = footer.DecodeFrom(got);
  if (!s.ok()) return s;

  std::shared_ptr<Table> t(new Table());
  t->file_ = std::move(file);
  t->file_size_ = file_size;
  t->cache_id_ = cache_id;
  t->block_cache_ = block_cache;
  t->filter_stats_ = filter_stats;

  // Metadata blocks are always verified: a bad index would misdirect every
  // later read.
  BlockContents contents;
  s = ReadBlock(t->file_.get(), file_size, footer.index, true, &contents);
  if (!s.ok()) return s;
  t->index_ = std::make_shared<const Block>(std::move(contents));
  if (!t->index_->ok()) return Status::Corruption("bad table index block");

  if (footer.filter.size > 0) {
    s = ReadBlock(t->file_.get(), file_size, footer.filter, true, &t->filter_);
    if (!s.ok()) return s;
  }

  s = ReadBlock(t->file_.get(), file_size, footer.properties, true, &contents);
  if (!s.ok()) return s;
  auto props = Block::NewIterator(std::make_shared<const Block>(std::move(contents)), CompareBytes);
  for (props->SeekToFirst(); props->Valid(); props->Next()) {
    std::string_view v = props->value();
    uint64_t n;
    if (!GetVarint64(&v, &n)) return Status::Corruption("bad table properties block");
    t->properties_.emplace(std::string(props->key()), n);
  }
  if (!props->status().ok()) return props->status();

  *out = std::move(t);
  return Status::OK();
}

Status Table::ReadDataBlock(const TableReadOptions& ro, const BlockHandle& handle,
                            std::shared_ptr<const Block>* block) {
  const CacheKey key{cache_id_, handle.offset};
  if (block_cache_ != nullptr) {
    *block = block_cache_->Lookup(key);
    if (*block != nullptr) return Status::OK();
  }
  BlockContents contents;
  Status s = ReadBlock(file_.get(), file_size_, handle, ro.verify_checksums, &contents);
  if (!s.ok()) return s;
  auto b = std::make_shared<const Block>(std::move(contents));
  if (!b->ok()) return Status::Corruption("bad data block restart array");
  // Only verified blocks are shared: a reader that asked for checksums must
  // never get a damaged block another reader cached without them.
  if (block_cache_ != nullptr && ro.fill_cache && ro.verify_checksums) {
    block_cache_->Insert(key, b, b->allocated());
  }
  *block = std::move(b);
  return Status::OK();
}

Status Table::Get(const TableReadOptions& ro, std::string_view ikey,
                  const std::function<void(std::string_view, std::string_view)>& found) {
  if (!filter_.empty()) {
    bool may = BloomFilterMayContain(filter_, ExtractUserKey(ikey));
    if (filter_stats_ != nullptr) {
      filter_stats_->checked.fetch_add(1, std::memory_order_relaxed);
      if (!may) filter_stats_->useful.fetch_add(1, std::memory_order_relaxed);
    }
    if (!may) return Status::OK();
  }
  auto index = Block::NewIterator(index_.get(), CompareInternalKeys);  // this table holds index_
  index->Seek(ikey);
  if (!index->Valid()) return index->status();
  std::string_view v = index->value();
  BlockHandle h;
  if (!h.DecodeFrom(&v)) return Status::Corruption("bad block handle in table index");
  std::shared_ptr<const Block> block;
  Status s = ReadDataBlock(ro, h, &block);
  if (!s.ok()) return s;
  auto data = Block::NewIterator(std::move(block), CompareInternalKeys);
  data->Seek(ikey);
  if (data->Valid()) {
    if (ExtractUserKey(data->key()) == ExtractUserKey(ikey)) found(data->key(), data->value());
    return Status::OK();
  }
  return data->status();
}

uint64_t Table::ApproximateOffsetOf(std::string_view ikey) const {
  auto index = Block::NewIterator(index_.get(), CompareInternalKeys);
  index->Seek(ikey);
  BlockHandle h;
  if (index->Valid()) {
    std::string_view v = index->value();
    if (h.DecodeFrom(&v)) return h.offset;
  }
  return DataEnd();  // past the last key (or a damaged index)
}

void Table::Prefetch(uint64_t offset, uint64_t n) const {
  if (offset >= file_size_) return;
  file_->Prefetch(offset, static_cast<size_t>(std::min(n, file_size_ - offset)));
}

uint64_t Table::DataEnd() const {
  auto data_end = properties_.find(table_props::kDataBytes);
  return data_end != properties_.end() ? data_end->second : file_size_;
}

std::unique_ptr<Iterator> Table::NewIterator(const TableReadOptions& ro) {
  return NewTwoLevelIterator(Block::NewIterator(index_, CompareInternalKeys),
                             std::make_unique<DataBlocks>(shared_from_this(), ro));
}

}  // namespace lsm
