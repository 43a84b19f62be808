#include "core/db/db_iter.h"

namespace lsm {
namespace {

class DBIter final : public UserIterator {
 public:
  DBIter(std::unique_ptr<Iterator> iter, DBIterOptions o, std::function<void()> on_close)
      : iter_(std::move(iter)), o_(std::move(o)), on_close_(std::move(on_close)) {}
  ~DBIter() override {
    iter_.reset();
    if (on_close_) on_close_();
  }

  bool Valid() const override { return valid_; }
  std::string_view key() const override {
    return forward_ ? ExtractUserKey(iter_->key()) : std::string_view(saved_key_);
  }
  std::string_view value() const override {
    return forward_ ? iter_->value() : std::string_view(saved_value_);
  }
  Status status() const override { return status_.ok() ? iter_->status() : status_; }
  bool ok() const override { return status_.ok() && iter_->ok(); }

  void SeekToFirst() override {
    if (o_.lower_bound) {
      Seek(*o_.lower_bound);
      return;
    }
    forward_ = true;
    iter_->SeekToFirst();
    FindNextUserEntry(false);
  }

  void Seek(std::string_view target) override {
    forward_ = true;
    if (o_.lower_bound && target.compare(*o_.lower_bound) < 0) target = *o_.lower_bound;
    seek_key_.clear();
    AppendInternalKey(&seek_key_, target, o_.sequence, kValueTypeForSeek);
    iter_->Seek(seek_key_);
    FindNextUserEntry(false);
  }

  void SeekToLast() override {
    if (o_.upper_bound) {
      PositionBefore(*o_.upper_bound);
    } else {
      iter_->SeekToLast();
    }
    forward_ = false;
    FindPrevUserEntry();
  }

  void SeekForPrev(std::string_view target) override {
    if (o_.upper_bound && target.compare(*o_.upper_bound) >= 0) {
      SeekToLast();
      return;
    }
    // The smallest key greater than target is target + "\0".
    std::string after(target);
    after.push_back('\0');
    PositionBefore(after);
    forward_ = false;
    FindPrevUserEntry();
  }

  void Next() override {
    if (!forward_) {
      // iter_ sits before the entries of saved_key_; step onto them, then
      // skip them all.
      forward_ = true;
      if (iter_->Valid()) {
        iter_->Next();
      } else {
        iter_->SeekToFirst();
      }
    } else {
      saved_key_.assign(ExtractUserKey(iter_->key()));
      iter_->Next();
    }
    FindNextUserEntry(true);
  }

  void Prev() override {
    if (forward_) {
      // Step back over every entry of the current key.
      saved_key_.assign(ExtractUserKey(iter_->key()));
      do {
        iter_->Prev();
      } while (iter_->Valid() && CompareUserKeys(ExtractUserKey(iter_->key()), saved_key_) >= 0);
      forward_ = false;
    }
    FindPrevUserEntry();
  }

 private:
  // Places iter_ on the last entry whose user key is < user_key.
  void PositionBefore(std::string_view user_key) {
    seek_key_.clear();
    AppendInternalKey(&seek_key_, user_key, kMaxSequenceNumber, kValueTypeForSeek);
    iter_->Seek(seek_key_);
    if (iter_->Valid()) {
      iter_->Prev();
    } else if (iter_->ok()) {
      iter_->SeekToLast();
    }
  }

  bool Parse(ParsedInternalKey* k) {
    if (ParseInternalKey(iter_->key(), k)) return true;
    status_ = Status::Corruption("bad internal key in iterator");
    valid_ = false;
    return false;
  }

  // Moves forward to the first visible, live entry; with skipping, entries
  // of user key saved_key_ are passed over (they are older versions).
  void FindNextUserEntry(bool skipping) {
    for (; iter_->Valid(); iter_->Next()) {
      ParsedInternalKey k;
      if (!Parse(&k)) return;
      if (o_.upper_bound && k.user_key.compare(*o_.upper_bound) >= 0) break;
      if (k.sequence > o_.sequence) continue;  // newer than our view
      if (skipping && CompareUserKeys(k.user_key, saved_key_) <= 0) continue;
      if (k.type == ValueType::kDeletion) {
        saved_key_.assign(k.user_key);  // hide older versions of this key
        skipping = true;
        continue;
      }
      valid_ = true;
      return;
    }
    valid_ = false;
  }

  // Moves backward to the previous user key whose newest visible version is
  // a value, leaving iter_ before all of that key's entries.
  void FindPrevUserEntry() {
    ValueType type = ValueType::kDeletion;
    for (; iter_->Valid(); iter_->Prev()) {
      ParsedInternalKey k;
      if (!Parse(&k)) return;
      if (k.sequence > o_.sequence) continue;
      if (type == ValueType::kValue && CompareUserKeys(k.user_key, saved_key_) < 0) break;  // found
      if (o_.lower_bound && k.user_key.compare(*o_.lower_bound) < 0) break;
      type = k.type;
      if (type == ValueType::kDeletion) {
        saved_key_.clear();
        saved_value_.clear();
      } else {
        saved_key_.assign(k.user_key);
        std::string_view v = iter_->value();
        saved_value_.assign(v.data(), v.size());
      }
    }
    valid_ = type == ValueType::kValue && ok();
    if (!valid_) {
      saved_key_.clear();
      saved_value_.clear();
    }
  }

  std::unique_ptr<Iterator> iter_;
  const DBIterOptions o_;
  std::function<void()> on_close_;
  bool valid_ = false;
  bool forward_ = true;
  std::string saved_key_;
  std::string saved_value_;
  std::string seek_key_;
  Status status_;
};

}  // namespace

std::unique_ptr<UserIterator> NewDBIterator(std::unique_ptr<Iterator> internal,
                                            DBIterOptions options,
                                            std::function<void()> on_close) {
  return std::make_unique<DBIter>(std::move(internal), std::move(options), std::move(on_close));
}

}  // namespace lsm
