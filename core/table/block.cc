#include "core/table/block.h"

#include <cstring>
#include <memory>

#include "core/util/coding.h"

namespace lsm {
namespace {

// The current key of a block iterator: the shared prefix of the previous key
// plus this entry's suffix. A plain buffer (inline for keys up to 64 bytes)
// rather than a std::string, whose resize and append are calls at every step.
class KeyBuffer {
 public:
  KeyBuffer() = default;
  KeyBuffer(const KeyBuffer&) = delete;
  KeyBuffer& operator=(const KeyBuffer&) = delete;

  size_t size() const { return size_; }
  std::string_view view() const { return std::string_view(data_, size_); }
  void clear() { size_ = 0; }
  // REQUIRES: n <= size().
  void Truncate(size_t n) { size_ = n; }
  void Append(const char* p, size_t n) {
    if (size_ + n > cap_) Grow(size_ + n);
    std::memcpy(data_ + size_, p, n);
    size_ += n;
  }

 private:
  void Grow(size_t need) {
    size_t cap = cap_ * 2 > need ? cap_ * 2 : need;
    std::unique_ptr<char[]> bigger(new char[cap]);
    std::memcpy(bigger.get(), data_, size_);
    heap_ = std::move(bigger);
    data_ = heap_.get();
    cap_ = cap;
  }

  char inline_[64];
  std::unique_ptr<char[]> heap_;
  char* data_ = inline_;
  size_t size_ = 0;
  size_t cap_ = sizeof(inline_);
};

}  // namespace

Block::Block(std::string_view contents) : data_(contents.size()), size_(contents.size()) {
  if (size_ > 0) std::memcpy(data_.data(), contents.data(), size_);
  Parse();
}

Block::Block(BlockContents contents) : data_(std::move(contents.data)), size_(contents.size) { Parse(); }

void Block::Parse() {
  if (size_ < 4) return;  // malformed: ok() is false
  uint32_t n = DecodeFixed32(data_.data() + size_ - 4);
  uint64_t max_restarts = (size_ - 4) / 4;
  if (n == 0 || n > max_restarts) return;
  num_restarts_ = n;
  restart_offset_ = static_cast<uint32_t>(size_ - 4 - 4 * uint64_t{n});
  ok_ = true;
}

class BlockIterator final : public Iterator {
 public:
  // owner may be null when the caller keeps block alive.
  BlockIterator(std::shared_ptr<const Block> owner, const Block* block, KeyCompare cmp)
      : owner_(std::move(owner)), cmp_(cmp), data_(block->data_.data()),
        restarts_(block->restart_offset_), num_restarts_(block->num_restarts_),
        current_(restarts_) {
    value_ = std::string_view(data_ + restarts_, 0);
    if (!block->ok()) status_ = Status::Corruption("bad block restart array");
  }

  bool Valid() const override { return current_ < restarts_; }
  Status status() const override { return status_; }
  bool ok() const override { return status_.ok(); }
  std::string_view key() const override { return key_.view(); }
  std::string_view value() const override { return value_; }

  void Next() override { ParseNextEntry(); }

  void Prev() override {
    const uint32_t original = current_;
    // Find the last restart point before the current entry, then scan
    // forward to the entry just before it.
    while (RestartPoint(restart_index_) >= original) {
      if (restart_index_ == 0) {  // no entry before the first
        Invalidate();
        return;
      }
      restart_index_--;
    }
    SeekToRestartPoint(restart_index_);
    do {
      if (!ParseNextEntry()) return;
    } while (NextEntryOffset() < original);
  }

  void Seek(std::string_view target) override {
    if (!status_.ok()) return;
    // Binary search for the last restart point whose key is < target.
    uint32_t left = 0, right = num_restarts_ - 1;
    while (left < right) {
      uint32_t mid = (left + right + 1) / 2;
      std::string_view mid_key;
      if (!RestartKey(mid, &mid_key)) return;
      if (cmp_(mid_key, target) < 0) {
        left = mid;
      } else {
        right = mid - 1;
      }
    }
    SeekToRestartPoint(left);
    while (ParseNextEntry()) {
      if (cmp_(key_.view(), target) >= 0) return;
    }
  }

  void SeekToFirst() override {
    if (!status_.ok()) return;
    SeekToRestartPoint(0);
    ParseNextEntry();
  }

  void SeekToLast() override {
    if (!status_.ok()) return;
    SeekToRestartPoint(num_restarts_ - 1);
    while (ParseNextEntry() && NextEntryOffset() < restarts_) {
    }
  }

 private:
  uint32_t RestartPoint(uint32_t i) const { return DecodeFixed32(data_ + restarts_ + 4 * i); }
  uint32_t NextEntryOffset() const {
    return static_cast<uint32_t>(value_.data() + value_.size() - data_);
  }

  void Invalidate() {
    current_ = restarts_;
    restart_index_ = num_restarts_;
    key_.clear();
    value_ = std::string_view(data_ + restarts_, 0);
  }

  void Corrupt() {
    status_ = Status::Corruption("bad entry in block");
    Invalidate();
  }

  // Positions before the entry at restart point i: the next ParseNextEntry
  // reads it.
  void SeekToRestartPoint(uint32_t i) {
    key_.clear();
    restart_index_ = i;
    uint32_t off = RestartPoint(i);
    if (off > restarts_) {
      Corrupt();
      return;
    }
    value_ = std::string_view(data_ + off, 0);
  }

  // Decodes the entry header at p; false if it is malformed.
  bool DecodeEntry(const char* p, const char* limit, uint32_t* shared, uint32_t* unshared,
                   uint32_t* vlen, const char** rest) const {
    if ((p = GetVarint32Ptr(p, limit, shared)) == nullptr) return false;
    if ((p = GetVarint32Ptr(p, limit, unshared)) == nullptr) return false;
    if ((p = GetVarint32Ptr(p, limit, vlen)) == nullptr) return false;
    if (static_cast<uint64_t>(limit - p) < uint64_t{*unshared} + *vlen) return false;
    *rest = p;
    return true;
  }

  bool RestartKey(uint32_t i, std::string_view* key) {
    uint32_t off = RestartPoint(i);
    uint32_t shared, unshared, vlen;
    const char* p;
    if (off >= restarts_ ||
        !DecodeEntry(data_ + off, data_ + restarts_, &shared, &unshared, &vlen, &p) ||
        shared != 0) {
      Corrupt();
      return false;
    }
    *key = std::string_view(p, unshared);
    return true;
  }

  bool ParseNextEntry() {
    current_ = NextEntryOffset();
    if (current_ >= restarts_) {
      Invalidate();
      return false;
    }
    uint32_t shared, unshared, vlen;
    const char* p;
    if (!DecodeEntry(data_ + current_, data_ + restarts_, &shared, &unshared, &vlen, &p) ||
        shared > key_.size()) {
      Corrupt();
      return false;
    }
    key_.Truncate(shared);
    key_.Append(p, unshared);
    value_ = std::string_view(p + unshared, vlen);
    while (restart_index_ + 1 < num_restarts_ && RestartPoint(restart_index_ + 1) <= current_) {
      restart_index_++;
    }
    return true;
  }

  std::shared_ptr<const Block> owner_;
  KeyCompare const cmp_;
  const char* const data_;
  uint32_t const restarts_;
  uint32_t const num_restarts_;
  uint32_t current_;            // offset of the current entry; >= restarts_ if invalid
  uint32_t restart_index_ = 0;  // restart block containing current_
  KeyBuffer key_;
  std::string_view value_;
  Status status_;
};

std::unique_ptr<Iterator> Block::NewIterator(std::shared_ptr<const Block> block, KeyCompare cmp) {
  const Block* raw = block.get();
  return std::make_unique<BlockIterator>(std::move(block), raw, cmp);
}

std::unique_ptr<Iterator> Block::NewIterator(const Block* block, KeyCompare cmp) {
  return std::make_unique<BlockIterator>(nullptr, block, cmp);
}

}  // namespace lsm
