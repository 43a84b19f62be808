// BlockBuilder: builds one block of sorted key/value entries.
//
// Format (docs/format.md, "Block contents"):
//   entry*  where entry = varint32 shared | varint32 unshared |
//                          varint32 value_len | key[shared..] | value
//   fixed32 restart_offset * num_restarts
//   fixed32 num_restarts
// Every `restart_interval`-th entry is a restart point: it stores its whole
// key (shared = 0), and its offset is listed in the restart array so readers
// can binary-search. Other entries share a prefix with the previous key.
// REQUIRES: keys are added in strictly increasing order.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace lsm {

class BlockBuilder {
 public:
  explicit BlockBuilder(int restart_interval = 16);

  void Add(std::string_view key, std::string_view value);
  // Appends the restart array and returns the finished block, valid until
  // Reset() or destruction.
  std::string_view Finish();
  void Reset();

  // Size the block would have if finished now.
  size_t CurrentSizeEstimate() const;
  bool empty() const { return buffer_.empty(); }
  std::string_view last_key() const { return last_key_; }

 private:
  const int restart_interval_;
  std::string buffer_;
  std::vector<uint32_t> restarts_;
  int counter_ = 0;
  bool finished_ = false;
  std::string last_key_;
};

}  // namespace lsm
