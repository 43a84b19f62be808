#include "core/table/two_level_iterator.h"

namespace lsm {
namespace {

class TwoLevelIterator final : public Iterator {
 public:
  TwoLevelIterator(std::unique_ptr<Iterator> index, std::unique_ptr<SecondLevel> second_level)
      : index_(std::move(index)), second_level_(std::move(second_level)) {}

  bool Valid() const override { return data_ != nullptr && data_->Valid(); }
  std::string_view key() const override { return data_->key(); }
  std::string_view value() const override { return data_->value(); }
  Status status() const override {
    if (!index_->status().ok()) return index_->status();
    if (data_ != nullptr && !data_->status().ok()) return data_->status();
    return status_;
  }
  bool ok() const override {
    return status_.ok() && index_->ok() && (data_ == nullptr || data_->ok());
  }

  void SeekToFirst() override {
    index_->SeekToFirst();
    if (OpenRun(0)) data_->SeekToFirst();
    SkipEmptyForward();
  }
  void SeekToLast() override {
    index_->SeekToLast();
    if (OpenRun(0)) data_->SeekToLast();
    SkipEmptyBackward();
  }
  void Seek(std::string_view target) override {
    index_->Seek(target);
    if (OpenRun(0)) data_->Seek(target);
    SkipEmptyForward();
  }
  void Next() override {
    data_->Next();
    SkipEmptyForward();
  }
  void Prev() override {
    data_->Prev();
    SkipEmptyBackward();
  }

 private:
  // Opens the run the index points at; false (data_ null) when the index
  // is exhausted or the run cannot be opened.
  bool OpenRun(int direction) {
    data_.reset();
    if (!index_->Valid()) return false;
    Status s;
    data_ = second_level_->Open(index_->value(), direction, &s);
    if (data_ == nullptr) {
      status_ = s.ok() ? Status::Corruption("second-level iterator not opened") : s;
      return false;
    }
    return true;
  }

  bool Stopped() const { return !ok(); }

  void SkipEmptyForward() {
    while (!Stopped() && (data_ == nullptr || !data_->Valid())) {
      if (!index_->Valid()) {
        data_.reset();
        return;
      }
      index_->Next();
      if (OpenRun(+1)) data_->SeekToFirst();
    }
    if (Stopped()) Fail();
  }
  void SkipEmptyBackward() {
    while (!Stopped() && (data_ == nullptr || !data_->Valid())) {
      if (!index_->Valid()) {
        data_.reset();
        return;
      }
      index_->Prev();
      if (OpenRun(-1)) data_->SeekToLast();
    }
    if (Stopped()) Fail();
  }

  // Keeps the error (status() must keep reporting it), drops the position.
  void Fail() {
    if (data_ != nullptr && !data_->ok() && status_.ok()) status_ = data_->status();
    data_.reset();
  }

  std::unique_ptr<Iterator> index_;
  std::unique_ptr<SecondLevel> second_level_;
  std::unique_ptr<Iterator> data_;
  Status status_;
};

}  // namespace

std::unique_ptr<Iterator> NewTwoLevelIterator(std::unique_ptr<Iterator> index,
                                              std::unique_ptr<SecondLevel> second_level) {
  return std::make_unique<TwoLevelIterator>(std::move(index), std::move(second_level));
}

}  // namespace lsm
