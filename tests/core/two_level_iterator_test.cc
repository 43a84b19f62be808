// TwoLevelIterator (core/table/two_level_iterator.h) over in-memory runs:
// every entry in order both ways, empty runs stepped over, seeks landing in
// the right run, the direction hints given to the second level, and errors
// that stop it and stay reported.
#include "core/table/two_level_iterator.h"

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace lsm {
namespace {

// Sorted (key, value) pairs; optionally fails with `error` once positioned.
class VectorIterator final : public Iterator {
 public:
  explicit VectorIterator(std::vector<std::pair<std::string, std::string>> entries)
      : entries_(std::move(entries)), pos_(entries_.size()) {}
  bool Valid() const override { return pos_ < entries_.size(); }
  void SeekToFirst() override { pos_ = 0; }
  void SeekToLast() override { pos_ = entries_.empty() ? 0 : entries_.size() - 1; }
  void Seek(std::string_view target) override {
    pos_ = static_cast<size_t>(
        std::lower_bound(entries_.begin(), entries_.end(), target,
                         [](const auto& e, std::string_view t) { return e.first < t; }) -
        entries_.begin());
  }
  void Next() override { pos_++; }
  void Prev() override { pos_ = pos_ == 0 ? entries_.size() : pos_ - 1; }
  std::string_view key() const override { return entries_[pos_].first; }
  std::string_view value() const override { return entries_[pos_].second; }
  Status status() const override { return Status::OK(); }

 private:
  std::vector<std::pair<std::string, std::string>> entries_;
  size_t pos_;
};

// Runs by name; the index maps each run's last key (or a key past it) to
// its name. Records the direction of every open; fails to open `broken`.
struct Runs {
  std::map<std::string, std::vector<std::pair<std::string, std::string>>> runs;
  std::vector<std::pair<std::string, std::string>> index;  // (key >= run's last, name)
  std::string broken;
  std::vector<int> directions;
};

class RunOpener final : public SecondLevel {
 public:
  explicit RunOpener(Runs* r) : r_(r) {}
  std::unique_ptr<Iterator> Open(std::string_view name, int direction, Status* s) override {
    r_->directions.push_back(direction);
    if (name == r_->broken) {
      *s = Status::IOError("cannot open " + std::string(name));
      return nullptr;
    }
    return std::make_unique<VectorIterator>(r_->runs.at(std::string(name)));
  }

 private:
  Runs* r_;
};

std::unique_ptr<Iterator> Make(Runs* r) {
  return NewTwoLevelIterator(std::make_unique<VectorIterator>(r->index),
                             std::make_unique<RunOpener>(r));
}

Runs ThreeRunsAndEmptyOnes() {
  Runs r;
  r.runs["e1"] = {};
  r.runs["r1"] = {{"a", "1"}, {"c", "3"}};
  r.runs["e2"] = {};
  r.runs["r2"] = {{"e", "5"}};
  r.runs["r3"] = {{"g", "7"}, {"h", "8"}};
  r.runs["e3"] = {};
  r.index = {{"a0", "e1"}, {"c", "r1"}, {"d", "e2"}, {"e", "r2"}, {"h", "r3"}, {"z", "e3"}};
  return r;
}

TEST(TwoLevelIteratorTest, WalksEveryEntryBothWaysOverEmptyRuns) {
  Runs r = ThreeRunsAndEmptyOnes();
  auto it = Make(&r);
  std::string fwd, back;
  for (it->SeekToFirst(); it->Valid(); it->Next()) fwd += std::string(it->key()) + "=" + std::string(it->value()) + " ";
  EXPECT_EQ("a=1 c=3 e=5 g=7 h=8 ", fwd);
  EXPECT_TRUE(it->status().ok());
  for (it->SeekToLast(); it->Valid(); it->Prev()) back += std::string(it->key()) + " ";
  EXPECT_EQ("h g e c a ", back);
  EXPECT_TRUE(it->status().ok());
}

TEST(TwoLevelIteratorTest, SeekFindsTheRunTheTargetFallsIn) {
  Runs r = ThreeRunsAndEmptyOnes();
  auto it = Make(&r);
  it->Seek("b");
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ("c", it->key());
  it->Seek("d");  // the index entry "d" is an empty run: on to r2
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ("e", it->key());
  it->Seek("f");
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ("g", it->key());
  it->Seek("i");  // past every entry
  EXPECT_FALSE(it->Valid());
  EXPECT_TRUE(it->status().ok());
  Runs none;
  auto empty = Make(&none);
  empty->SeekToFirst();
  EXPECT_FALSE(empty->Valid());
  empty->SeekToLast();
  EXPECT_FALSE(empty->Valid());
}

// The second level learns whether a scan stepped in forward (+1), backward
// (-1) or a seek landed there (0): a table's readahead depends on it.
TEST(TwoLevelIteratorTest, TellsTheSecondLevelTheScanDirection) {
  Runs r = ThreeRunsAndEmptyOnes();
  auto it = Make(&r);
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
  }
  EXPECT_EQ((std::vector<int>{0, 1, 1, 1, 1, 1}), r.directions);
  r.directions.clear();
  for (it->SeekToLast(); it->Valid(); it->Prev()) {
  }
  EXPECT_EQ((std::vector<int>{0, -1, -1, -1, -1, -1}), r.directions);
}

// A run that cannot be opened stops the scan there, and its error stays.
TEST(TwoLevelIteratorTest, AnUnopenableRunStopsTheScanWithItsError) {
  Runs r = ThreeRunsAndEmptyOnes();
  r.broken = "r2";
  auto it = Make(&r);
  std::string seen;
  for (it->SeekToFirst(); it->Valid(); it->Next()) seen += std::string(it->key());
  EXPECT_EQ("ac", seen) << "entries after a broken run must not be served as if it were empty";
  EXPECT_TRUE(it->status().IsIOError()) << it->status().ToString();
  EXPECT_FALSE(it->ok());
  it->Seek("g");
  EXPECT_FALSE(it->Valid()) << "a stopped iterator stays stopped";
  EXPECT_TRUE(it->status().IsIOError());
}

}  // namespace
}  // namespace lsm
