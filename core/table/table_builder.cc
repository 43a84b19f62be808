#include "core/table/table_builder.h"

#include <cassert>

#include "core/base/dbformat.h"
#include "core/util/coding.h"

namespace lsm {

TableBuilder::TableBuilder(const TableOptions& options, WritableFile* file)
    : options_(options), file_(file), data_block_(options.restart_interval),
      index_block_(1), filter_(options.bloom_bits_per_key) {}

Status TableBuilder::Add(std::string_view ikey, std::string_view value) {
  assert(!finished_);
  if (!status_.ok()) return status_;
  assert(num_entries_ == 0 || CompareInternalKeys(last_key_, ikey) < 0);
  data_block_.Add(ikey, value);
  if (options_.bloom_bits_per_key > 0) filter_.AddKey(ExtractUserKey(ikey));
  last_key_.assign(ikey.data(), ikey.size());
  num_entries_++;
  if ((ExtractTag(ikey) & 0xff) == static_cast<uint8_t>(ValueType::kDeletion)) num_deletions_++;
  raw_key_bytes_ += ikey.size();
  raw_value_bytes_ += value.size();
  if (data_block_.CurrentSizeEstimate() >= options_.block_size) status_ = FlushDataBlock();
  return status_;
}

Status TableBuilder::FlushDataBlock() {
  if (data_block_.empty()) return Status::OK();
  BlockHandle handle;
  BlockType type;
  uint64_t start = offset_;
  Status s = WriteBlock(data_block_.Finish(), &handle, &type);
  if (!s.ok()) return s;
  if (type == BlockType::kLz4) lz4_used_ = true;
  data_bytes_ += offset_ - start;
  num_data_blocks_++;
  // The index maps the block's last key to its handle: a seek for key k goes
  // to the first block whose last key is >= k.
  std::string handle_enc;
  handle.EncodeTo(&handle_enc);
  index_block_.Add(data_block_.last_key(), handle_enc);
  data_block_.Reset();
  return Status::OK();
}

Status TableBuilder::WriteRaw(std::string_view bytes) {
  Status s = file_->Append(bytes);
  if (s.ok()) offset_ += bytes.size();
  return s;
}

Status TableBuilder::WriteBlock(std::string_view raw, BlockHandle* handle, BlockType* type) {
  std::string stored = FinishBlock(raw, options_.lz4, type);
  handle->offset = offset_;
  handle->size = stored.size() - kBlockTrailerSize;
  return WriteRaw(stored);
}

Status TableBuilder::Finish() {
  assert(!finished_);
  finished_ = true;
  if (!status_.ok()) return status_;
  Status s = FlushDataBlock();
  if (!s.ok()) return status_ = s;

  Footer footer;
  BlockType type;
  if (options_.bloom_bits_per_key > 0) {
    std::string filter = filter_.Finish();
    // Filters are random bits: lz4 cannot shrink them.
    std::string stored = FinishBlock(filter, false, &type);
    footer.filter.offset = offset_;
    footer.filter.size = stored.size() - kBlockTrailerSize;
    s = WriteRaw(stored);
    if (!s.ok()) return status_ = s;
  }

  BlockBuilder props(1);
  auto add = [&props](const char* name, uint64_t v) {
    std::string enc;
    PutVarint64(&enc, v);
    props.Add(name, enc);
  };
  // Sorted by name, as blocks require.
  add(table_props::kCompression, lz4_used_ ? 1 : 0);
  add(table_props::kDataBlocks, num_data_blocks_);
  add(table_props::kDataBytes, data_bytes_);
  add(table_props::kDeletions, num_deletions_);
  add(table_props::kEntries, num_entries_);
  add(table_props::kFilterBitsPerKey, static_cast<uint64_t>(options_.bloom_bits_per_key));
  add(table_props::kRawKeyBytes, raw_key_bytes_);
  add(table_props::kRawValueBytes, raw_value_bytes_);
  s = WriteBlock(props.Finish(), &footer.properties, &type);
  if (!s.ok()) return status_ = s;

  s = WriteBlock(index_block_.Finish(), &footer.index, &type);
  if (!s.ok()) return status_ = s;

  std::string enc;
  footer.EncodeTo(&enc);
  s = WriteRaw(enc);
  if (!s.ok()) return status_ = s;
  return status_ = file_->Flush();
}

}  // namespace lsm
