// Block: a parsed, uncompressed block (format in block_builder.h) and its
// iterator. The block owns its bytes; iterators hold a shared_ptr to the
// block so a cache eviction cannot free bytes still being read (or, made
// with a plain pointer, rely on their caller to keep the block alive).
//
// A damaged block (lengths running past the end, a bad restart array) makes
// its iterator invalid with a Corruption status; it never reads out of
// bounds.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "core/base/iterator.h"
#include "core/util/block_buffer.h"

namespace lsm {

// Three-way key comparison used to search a block.
using KeyCompare = int (*)(std::string_view, std::string_view);

// An uncompressed block's bytes, as ReadBlock makes them: one pooled buffer
// (core/util/block_buffer.h), never zero-filled first.
struct BlockContents {
  BlockBuffer data;
  size_t size = 0;
};

class Block {
 public:
  explicit Block(std::string_view contents);  // copies
  explicit Block(BlockContents contents);

  size_t size() const { return size_; }
  // Heap bytes the contents hold, the buffer's capacity (size() rounded up
  // to a pool granule, or a little more: core/util/block_buffer.h): what
  // the block cache charges.
  size_t allocated() const { return data_.capacity(); }
  // False if the restart array is malformed; iterators then report it.
  bool ok() const { return ok_; }

  static std::unique_ptr<Iterator> NewIterator(std::shared_ptr<const Block> block,
                                               KeyCompare cmp);
  // An iterator that does not share ownership: the caller keeps block alive
  // for the iterator's life (a table's index block during a point lookup),
  // and no reference count is touched.
  static std::unique_ptr<Iterator> NewIterator(const Block* block, KeyCompare cmp);

 private:
  friend class BlockIterator;
  void Parse();

  BlockBuffer data_;
  size_t size_ = 0;
  uint32_t restart_offset_ = 0;  // offset of the restart array
  uint32_t num_restarts_ = 0;
  bool ok_ = false;
};

}  // namespace lsm
