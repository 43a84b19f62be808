#include "core/table/table.h"

#include "core/db/dbformat.h"
#include "core/util/coding.h"

namespace lsm {
namespace {

// Iterates a table: walks the index block and, for each index entry, the
// data block it names. Positions only on data entries.
class TableIterator final : public Iterator {
 public:
  TableIterator(std::shared_ptr<Table> table, const TableReadOptions& ro,
                std::shared_ptr<const Block> index)
      : table_(std::move(table)), ro_(ro), index_(Block::NewIterator(std::move(index), CompareInternalKeys)) {}

  bool Valid() const override { return data_ != nullptr && data_->Valid(); }
  std::string_view key() const override { return data_->key(); }
  std::string_view value() const override { return data_->value(); }
  Status status() const override {
    if (!index_->status().ok()) return index_->status();
    if (data_ != nullptr && !data_->status().ok()) return data_->status();
    return status_;
  }
  bool ok() const override { return status_.ok() && index_->ok() && (data_ == nullptr || data_->ok()); }

  void SeekToFirst() override {
    index_->SeekToFirst();
    if (LoadBlock()) data_->SeekToFirst();
    SkipEmptyForward();
  }
  void SeekToLast() override {
    index_->SeekToLast();
    if (LoadBlock()) data_->SeekToLast();
    SkipEmptyBackward();
  }
  void Seek(std::string_view target) override {
    index_->Seek(target);
    if (LoadBlock()) data_->Seek(target);
    SkipEmptyForward();
  }
  void Next() override {
    data_->Next();
    SkipEmptyForward();
  }
  void Prev() override {
    data_->Prev();
    SkipEmptyBackward();
  }

 private:
  // Opens the data block the index iterator points at; false (data_ null)
  // when the index is exhausted or the block cannot be read.
  bool LoadBlock() {
    data_.reset();
    if (!index_->Valid()) return false;
    std::string_view v = index_->value();
    BlockHandle h;
    if (!h.DecodeFrom(&v)) {
      status_ = Status::Corruption("bad block handle in table index");
      return false;
    }
    std::shared_ptr<const Block> block;
    Status s = table_->ReadDataBlock(ro_, h, &block);
    if (!s.ok()) {
      status_ = s;
      return false;
    }
    data_ = Block::NewIterator(std::move(block), CompareInternalKeys);
    return true;
  }

  // An error stops iteration: the iterator becomes invalid, status() says why.
  bool Stopped() const { return !ok(); }

  void SkipEmptyForward() {
    while (!Stopped() && (data_ == nullptr || !data_->Valid())) {
      if (!index_->Valid()) {
        data_.reset();
        return;
      }
      index_->Next();
      if (LoadBlock()) data_->SeekToFirst();
    }
    if (Stopped()) Fail();
  }
  void SkipEmptyBackward() {
    while (!Stopped() && (data_ == nullptr || !data_->Valid())) {
      if (!index_->Valid()) {
        data_.reset();
        return;
      }
      index_->Prev();
      if (LoadBlock()) data_->SeekToLast();
    }
    if (Stopped()) Fail();
  }

  // Keeps the error (status() must keep reporting it), drops the position.
  void Fail() {
    if (data_ != nullptr && !data_->ok() && status_.ok()) status_ = data_->status();
    data_.reset();
  }

  std::shared_ptr<Table> table_;
  TableReadOptions ro_;
  std::unique_ptr<Iterator> index_;
  std::unique_ptr<Iterator> data_;
  Status status_;
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

uint64_t Table::DataEnd() const {
  auto data_end = properties_.find(table_props::kDataBytes);
  return data_end != properties_.end() ? data_end->second : file_size_;
}

std::unique_ptr<Iterator> Table::NewIterator(const TableReadOptions& ro) {
  return std::make_unique<TableIterator>(shared_from_this(), ro, index_);
}

}  // namespace lsm
