#include "core/table/merging_iterator.h"

#include "core/base/dbformat.h"

namespace lsm {
namespace {

class MergingIterator final : public Iterator {
 public:
  explicit MergingIterator(std::vector<std::unique_ptr<Iterator>> children)
      : children_(std::move(children)) {}

  bool Valid() const override { return current_ != nullptr; }
  std::string_view key() const override { return current_->key(); }
  std::string_view value() const override { return current_->value(); }

  Status status() const override {
    for (const auto& c : children_) {
      Status s = c->status();
      if (!s.ok()) return s;
    }
    return Status::OK();
  }
  bool ok() const override { return !AnyError(); }

  void SeekToFirst() override {
    for (auto& c : children_) c->SeekToFirst();
    forward_ = true;
    FindSmallest();
  }
  void SeekToLast() override {
    for (auto& c : children_) c->SeekToLast();
    forward_ = false;
    FindLargest();
  }
  void Seek(std::string_view target) override {
    for (auto& c : children_) c->Seek(target);
    forward_ = true;
    FindSmallest();
  }

  void Next() override {
    if (!forward_) {
      // Children other than current_ sit before key(); move each to the
      // first entry after it.
      std::string k(key());
      for (auto& c : children_) {
        if (c.get() == current_) continue;
        c->Seek(k);
        if (c->Valid() && CompareInternalKeys(c->key(), k) == 0) c->Next();
      }
      forward_ = true;
    }
    current_->Next();
    FindSmallest();
  }

  void Prev() override {
    if (forward_) {
      // Children other than current_ sit after key(); move each to the last
      // entry before it.
      std::string k(key());
      for (auto& c : children_) {
        if (c.get() == current_) continue;
        c->Seek(k);
        if (c->Valid()) {
          c->Prev();
        } else if (c->ok()) {
          c->SeekToLast();
        }
      }
      forward_ = false;
    }
    current_->Prev();
    FindLargest();
  }

 private:
  // A child with an error stops the merge: continuing would skip its keys
  // and could expose a shadowed version.
  bool AnyError() const {
    for (const auto& c : children_) {
      if (!c->ok()) return true;
    }
    return false;
  }

  void FindSmallest() {
    current_ = nullptr;
    if (AnyError()) return;
    for (auto& c : children_) {
      if (c->Valid() && (current_ == nullptr || CompareInternalKeys(c->key(), current_->key()) < 0)) {
        current_ = c.get();
      }
    }
  }
  void FindLargest() {
    current_ = nullptr;
    if (AnyError()) return;
    for (auto& c : children_) {
      if (c->Valid() && (current_ == nullptr || CompareInternalKeys(c->key(), current_->key()) > 0)) {
        current_ = c.get();
      }
    }
  }

  std::vector<std::unique_ptr<Iterator>> children_;
  Iterator* current_ = nullptr;
  bool forward_ = true;
};

}  // namespace

std::unique_ptr<Iterator> NewMergingIterator(std::vector<std::unique_ptr<Iterator>> children) {
  return std::make_unique<MergingIterator>(std::move(children));
}

}  // namespace lsm
