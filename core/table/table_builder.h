// TableBuilder: writes an SSTable (format.h) from entries added in
// increasing internal-key order. Keys are internal keys; the bloom filter
// is built over their user keys.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "core/env/file_system.h"
#include "core/table/block_builder.h"
#include "core/table/bloom.h"
#include "core/table/format.h"
#include "core/util/status.h"

namespace lsm {

struct TableOptions {
  size_t block_size = 4096;  // target uncompressed size of a data block
  int restart_interval = 16;
  bool lz4 = true;
  int bloom_bits_per_key = 10;  // 0: no filter
};

// Names and meaning of the properties block's entries (values varint64).
namespace table_props {
constexpr const char* kCompression = "lsm.compression";  // 0 none, 1 lz4
constexpr const char* kDataBlocks = "lsm.data-blocks";
constexpr const char* kDataBytes = "lsm.data-bytes";  // on disk, trailers included
constexpr const char* kDeletions = "lsm.deletions";
constexpr const char* kEntries = "lsm.entries";
constexpr const char* kFilterBitsPerKey = "lsm.filter-bits-per-key";
constexpr const char* kRawKeyBytes = "lsm.raw-key-bytes";
constexpr const char* kRawValueBytes = "lsm.raw-value-bytes";
}  // namespace table_props

class TableBuilder {
 public:
  // The builder writes to *file but does not own or close it.
  TableBuilder(const TableOptions& options, WritableFile* file);

  Status Add(std::string_view ikey, std::string_view value);
  // Writes filter, properties, index and footer. The caller syncs/closes.
  Status Finish();

  uint64_t num_entries() const { return num_entries_; }
  uint64_t file_size() const { return offset_; }

 private:
  Status FlushDataBlock();
  Status WriteBlock(std::string_view raw, BlockHandle* handle, BlockType* type);
  Status WriteRaw(std::string_view bytes);

  const TableOptions options_;
  WritableFile* const file_;
  uint64_t offset_ = 0;
  BlockBuilder data_block_;
  BlockBuilder index_block_;
  BloomFilterBuilder filter_;
  std::string last_key_;
  uint64_t num_entries_ = 0;
  uint64_t num_deletions_ = 0;
  uint64_t num_data_blocks_ = 0;
  uint64_t data_bytes_ = 0;
  uint64_t raw_key_bytes_ = 0;
  uint64_t raw_value_bytes_ = 0;
  bool lz4_used_ = false;
  Status status_;
  bool finished_ = false;
};

}  // namespace lsm
