#include "core/memtable/memtable.h"

#include <cstring>

#include "core/util/coding.h"
#include "core/util/hash.h"

namespace lsm {
namespace {

// Entries were written by Add, so their varints are well-formed and the
// 5-byte bound is safe.
std::string_view DecodeLengthPrefixed(const char* p) {
  uint32_t len;
  const char* q = GetVarint32Ptr(p, p + 5, &len);
  return std::string_view(q, len);
}

}  // namespace

int MemTable::KeyComparator::operator()(const char* a, const char* b) const {
  return CompareInternalKeys(DecodeLengthPrefixed(a), DecodeLengthPrefixed(b));
}

MemTable::MemTable(size_t arena_block_size, size_t filter_bytes)
    : arena_(arena_block_size), table_(KeyComparator(), &arena_) {
  if (filter_bytes > 0) {
    filter_lines_ = 1;
    while (filter_lines_ * sizeof(FilterLine) < filter_bytes) filter_lines_ *= 2;
    filter_ = std::make_unique<FilterLine[]>(filter_lines_);
    filter_bytes_ = filter_lines_ * sizeof(FilterLine);
  }
}

MemTable::FilterProbe MemTable::Probe(std::string_view user_key) const {
  const uint64_t h = Hash64(user_key);
  FilterProbe p;
  p.line = static_cast<size_t>(h) & (filter_lines_ - 1);
  // Double hashing over the upper half, which the line index does not use.
  uint32_t a = static_cast<uint32_t>(h >> 32);
  const uint32_t delta = (a >> 17) | (a << 15);
  for (auto& bit : p.bits) {
    bit = static_cast<uint16_t>(a & 511);
    a += delta;
  }
  return p;
}

bool MemTable::MayContain(std::string_view user_key) const {
  if (filter_ == nullptr) return true;
  const FilterProbe p = Probe(user_key);
  const FilterLine& line = filter_[p.line];
  for (uint16_t bit : p.bits) {
    const uint64_t word = line.words[bit / 64].load(std::memory_order_relaxed);
    if ((word & (uint64_t{1} << (bit % 64))) == 0) return false;
  }
  return true;
}

void MemTable::Add(SequenceNumber seq, ValueType type, std::string_view user_key,
                   std::string_view value) {
  // The filter's line is fetched now and its bits set after the insert, so
  // its cache miss overlaps the skiplist search.
  FilterProbe probe{};
  if (filter_ != nullptr) {
    probe = Probe(user_key);
    __builtin_prefetch(&filter_[probe.line], 1);
  }
  const size_t ikey_len = user_key.size() + 8;
  const size_t len = VarintLength(ikey_len) + ikey_len + VarintLength(value.size()) + value.size();
  // The entry goes right after its skiplist node (see skiplist.h).
  table_.InsertWith(len, [&](char* buf) {
    char* p = EncodeVarint32(buf, static_cast<uint32_t>(ikey_len));
    if (!user_key.empty()) std::memcpy(p, user_key.data(), user_key.size());  // data() may be null
    p += user_key.size();
    EncodeFixed64(p, PackTag(seq, type));
    p += 8;
    p = EncodeVarint32(p, static_cast<uint32_t>(value.size()));
    if (!value.empty()) std::memcpy(p, value.data(), value.size());
    return static_cast<const char*>(buf);
  });
  if (filter_ != nullptr) {
    // After the insert is soon enough: a reader looks for this entry only
    // once its sequence number is published, after Add returns. Only this
    // writer changes the filter, so a load and a store suffice.
    FilterLine& line = filter_[probe.line];
    for (uint16_t bit : probe.bits) {
      std::atomic<uint64_t>& word = line.words[bit / 64];
      word.store(word.load(std::memory_order_relaxed) | (uint64_t{1} << (bit % 64)), std::memory_order_relaxed);
    }
  }
  num_entries_.fetch_add(1, std::memory_order_relaxed);
}

bool MemTable::Get(const LookupKey& key, std::string* value, Status* s) const {
  if (!MayContain(key.user_key())) return false;
  // The lookup key must be length-prefixed to compare against entries; on
  // the stack unless the key is long.
  std::string_view ikey_probe = key.internal_key();
  char stack[256];
  std::string heap;
  const char* probe = stack;
  if (ikey_probe.size() + 5 <= sizeof(stack)) {
    char* p = EncodeVarint32(stack, static_cast<uint32_t>(ikey_probe.size()));
    std::memcpy(p, ikey_probe.data(), ikey_probe.size());
  } else {
    PutLengthPrefixed(&heap, ikey_probe);
    probe = heap.data();
  }
  Table::Iterator it(&table_);
  it.Seek(probe);
  if (!it.Valid()) return false;
  const char* entry = it.key();
  std::string_view ikey = DecodeLengthPrefixed(entry);
  if (ExtractUserKey(ikey) != key.user_key()) return false;
  switch (static_cast<ValueType>(ExtractTag(ikey) & 0xff)) {
    case ValueType::kValue: {
      std::string_view v = DecodeLengthPrefixed(ikey.data() + ikey.size());
      value->assign(v.data(), v.size());
      *s = Status::OK();
      return true;
    }
    case ValueType::kDeletion:
      *s = Status::NotFound();
      return true;
  }
  return false;
}

class MemTableIterator final : public Iterator {
 public:
  explicit MemTableIterator(const MemTable::Table* table) : it_(table) {}

  bool Valid() const override { return it_.Valid(); }
  void SeekToFirst() override { it_.SeekToFirst(); }
  void SeekToLast() override { it_.SeekToLast(); }
  void Seek(std::string_view target) override {
    probe_.clear();
    PutLengthPrefixed(&probe_, target);
    it_.Seek(probe_.data());
  }
  void Next() override { it_.Next(); }
  void Prev() override { it_.Prev(); }
  std::string_view key() const override { return DecodeLengthPrefixed(it_.key()); }
  std::string_view value() const override {
    std::string_view k = key();
    return DecodeLengthPrefixed(k.data() + k.size());
  }
  Status status() const override { return Status::OK(); }
  bool ok() const override { return true; }

 private:
  MemTable::Table::Iterator it_;
  std::string probe_;
};

std::unique_ptr<Iterator> MemTable::NewIterator() const {
  return std::make_unique<MemTableIterator>(&table_);
}

}  // namespace lsm
