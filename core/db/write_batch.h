// WriteBatch: an ordered list of puts and deletes applied atomically. Its
// representation is also the write-ahead log payload:
//
//   fixed64 sequence   sequence number of the first operation
//   fixed32 count      number of operations
//   op*                where op = 0x01 varstring key varstring value   (put)
//                                 0x00 varstring key                   (delete)
//
// (varstring = varint32 length + bytes.) Operation i gets sequence + i.
// Any other operation byte is one a later version of liblsm may write: it
// is NotSupported, not Corruption, so that recovery refuses the log rather
// than skipping a newer library's writes as damage.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/base/dbformat.h"
#include "core/util/status.h"

namespace lsm {

class MemTable;

class WriteBatch {
 public:
  static constexpr size_t kHeaderSize = 12;

  WriteBatch() { Clear(); }

  void Put(std::string_view key, std::string_view value);
  void Delete(std::string_view key);
  void Clear();
  // Makes room for a representation of `bytes` in all, so that building a
  // batch of known size allocates once.
  void Reserve(size_t bytes) { rep_.reserve(bytes); }
  uint32_t Count() const;
  // Bytes of the representation: what this batch adds to the WAL.
  size_t ApproximateSize() const { return rep_.size(); }

  // Appends src's operations to this batch.
  void Append(const WriteBatch& src);

  // Calls put(key, value) / del(key) for each operation in order; a
  // malformed representation (from a damaged log) is Corruption, an
  // unknown operation NotSupported (whichever comes first).
  template <typename PutFn, typename DelFn>
  Status ForEach(PutFn&& put, DelFn&& del) const;
  // OK if the representation parses whole (ForEach would succeed).
  Status Validate() const {
    return ForEach([](std::string_view, std::string_view) {}, [](std::string_view) {});
  }

  // Internal: sequence number and raw representation.
  SequenceNumber sequence() const;
  void set_sequence(SequenceNumber seq);
  std::string_view rep() const { return rep_; }
  // Replaces the contents with a representation read from the log; checks
  // only its header (ForEach checks the rest).
  Status SetRep(std::string_view rep);

  // Inserts the operations into mem, at sequence() onwards.
  Status InsertInto(MemTable* mem) const { return InsertInto(mem, sequence()); }
  // The same, numbering the operations from first_sequence.
  Status InsertInto(MemTable* mem, SequenceNumber first_sequence) const;
  // The representation after its header: the operations.
  std::string_view body() const { return std::string_view(rep_).substr(kHeaderSize); }

 private:
  std::string rep_;
};

template <typename PutFn, typename DelFn>
Status WriteBatch::ForEach(PutFn&& put, DelFn&& del) const {
  std::string_view in(rep_);
  in.remove_prefix(kHeaderSize);
  uint32_t found = 0;
  while (!in.empty()) {
    const char tag = in.front();
    in.remove_prefix(1);
    std::string_view key, value;
    if (tag == static_cast<char>(ValueType::kValue)) {
      if (!GetLengthPrefixed(&in, &key) || !GetLengthPrefixed(&in, &value)) {
        return Status::Corruption("bad put in write batch");
      }
      put(key, value);
    } else if (tag == static_cast<char>(ValueType::kDeletion)) {
      if (!GetLengthPrefixed(&in, &key)) return Status::Corruption("bad delete in write batch");
      del(key);
    } else {
      return Status::NotSupported("write batch operation type " +
                                  std::to_string(static_cast<unsigned char>(tag)) +
                                  " is unknown to this version of liblsm (a newer one wrote it?)");
    }
    found++;
  }
  if (found != Count()) return Status::Corruption("write batch count does not match its contents");
  return Status::OK();
}

}  // namespace lsm
