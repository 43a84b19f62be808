#include "core/db/write_batch.h"

#include "core/memtable/memtable.h"
#include "core/util/coding.h"

namespace lsm {

void WriteBatch::Clear() {
  rep_.assign(kHeaderSize, '\0');
}

uint32_t WriteBatch::Count() const { return DecodeFixed32(rep_.data() + 8); }

SequenceNumber WriteBatch::sequence() const { return DecodeFixed64(rep_.data()); }

void WriteBatch::set_sequence(SequenceNumber seq) { EncodeFixed64(rep_.data(), seq); }

void WriteBatch::Put(std::string_view key, std::string_view value) {
  EncodeFixed32(rep_.data() + 8, Count() + 1);
  rep_.push_back(static_cast<char>(ValueType::kValue));
  PutLengthPrefixed(&rep_, key);
  PutLengthPrefixed(&rep_, value);
}

void WriteBatch::Delete(std::string_view key) {
  EncodeFixed32(rep_.data() + 8, Count() + 1);
  rep_.push_back(static_cast<char>(ValueType::kDeletion));
  PutLengthPrefixed(&rep_, key);
}

void WriteBatch::Append(const WriteBatch& src) {
  EncodeFixed32(rep_.data() + 8, Count() + src.Count());
  rep_.append(src.rep_.data() + kHeaderSize, src.rep_.size() - kHeaderSize);
}

Status WriteBatch::SetRep(std::string_view rep) {
  if (rep.size() < kHeaderSize) return Status::Corruption("write batch is too short");
  rep_.assign(rep.data(), rep.size());
  return Status::OK();
}

Status WriteBatch::InsertInto(MemTable* mem, SequenceNumber first_sequence) const {
  SequenceNumber seq = first_sequence;
  return ForEach(
      [&](std::string_view k, std::string_view v) { mem->Add(seq++, ValueType::kValue, k, v); },
      [&](std::string_view k) { mem->Add(seq++, ValueType::kDeletion, k, {}); });
}

}  // namespace lsm
