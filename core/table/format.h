// SSTable file format (full description in docs/format.md):
//
//   data block 1 .. data block N
//   filter block        (whole-table bloom filter, optional)
//   properties block
//   index block
//   footer              (fixed kFooterSize bytes)
//
// Every block is stored as  contents | type (1 byte) | check (fixed32),
// check = Checksum(contents | type). type 0 = raw; type 1 = lz4, contents =
// varint32 raw_length | LZ4 block-format bytes. A block is stored raw when
// lz4 would save less than 1/8 of it. BlockHandle.size excludes the 5-byte
// trailer.
//
// Footer (64 bytes): index handle, filter handle, properties handle (each
// fixed64 offset + fixed64 size; a filter size of 0 means no filter),
// fixed32 format version, fixed32 Checksum(preceding 52 bytes),
// fixed64 magic.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/env/file_system.h"
#include "core/table/block.h"
#include "core/util/status.h"

namespace lsm {

constexpr uint64_t kTableMagic = 0x31424154534d534cull;  // "LSMSTAB1" little-endian
constexpr uint32_t kTableFormatVersion = 1;
constexpr size_t kFooterSize = 64;
constexpr size_t kBlockTrailerSize = 5;

enum class BlockType : uint8_t { kRaw = 0, kLz4 = 1 };

struct BlockHandle {
  uint64_t offset = 0;
  uint64_t size = 0;

  // Varint form, used as index-block values.
  void EncodeTo(std::string* dst) const;
  bool DecodeFrom(std::string_view* in);
};

struct Footer {
  BlockHandle index;
  BlockHandle filter;
  BlockHandle properties;

  void EncodeTo(std::string* dst) const;
  Status DecodeFrom(std::string_view in);  // in: exactly kFooterSize bytes
};

// Compresses (or not) and appends the block trailer; returns the bytes to
// write. *type reports what was chosen.
std::string FinishBlock(std::string_view raw, bool lz4, BlockType* type);

// Reads, verifies and uncompresses the block at handle. The stored bytes go
// through a per-thread scratch buffer, so a block costs one buffer (its
// contents, from the pool in core/util/block_buffer.h) and no zero-filling.
// On failure *contents is left as it was.
Status ReadBlock(const RandomAccessFile* file, uint64_t file_size, const BlockHandle& handle,
                 bool verify_checksum, BlockContents* contents);
// The same, into a string, zero-filled first and not from the pool (filter
// blocks, which live as long as their table; tools).
Status ReadBlock(const RandomAccessFile* file, uint64_t file_size, const BlockHandle& handle,
                 bool verify_checksum, std::string* contents);

}  // namespace lsm
