// Tests for core/memtable/skiplist.h: ordered-set behaviour against
// std::set, and one writer racing lock-free readers.
#include "core/memtable/skiplist.h"

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <set>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "core/util/arena.h"
#include "core/util/random.h"

namespace lsm {
namespace {

using Key = uint64_t;

struct Cmp {
  int operator()(const Key& a, const Key& b) const { return a < b ? -1 : (a > b ? 1 : 0); }
};

using List = SkipList<Key, Cmp>;

TEST(SkipListTest, Empty) {
  Arena arena;
  List list(Cmp(), &arena);
  EXPECT_FALSE(list.Contains(10));
  List::Iterator it(&list);
  EXPECT_FALSE(it.Valid());
  it.SeekToFirst();
  EXPECT_FALSE(it.Valid());
  it.SeekToLast();
  EXPECT_FALSE(it.Valid());
  it.Seek(100);
  EXPECT_FALSE(it.Valid());
}

TEST(SkipListTest, InsertContainsIterateSeek) {
  constexpr int kN = 2000;
  constexpr Key kRange = 5000;  // dense enough that seeks land between keys
  Random rnd(301);
  Arena arena;
  List list(Cmp(), &arena);
  std::set<Key> model;
  for (int i = 0; i < kN; i++) {
    // Keys start at 1: 0 is the head node's key, never inserted.
    Key k = 1 + rnd.Uniform(kRange);
    if (model.insert(k).second) list.Insert(k);
  }

  for (Key k = 0; k <= kRange + 1; k++) {
    ASSERT_EQ(list.Contains(k), model.count(k) == 1) << k;
  }

  // Forward.
  List::Iterator it(&list);
  it.SeekToFirst();
  for (Key k : model) {
    ASSERT_TRUE(it.Valid());
    ASSERT_EQ(it.key(), k);
    it.Next();
  }
  EXPECT_FALSE(it.Valid());

  // Backward.
  it.SeekToLast();
  for (auto r = model.rbegin(); r != model.rend(); ++r) {
    ASSERT_TRUE(it.Valid());
    ASSERT_EQ(it.key(), *r);
    it.Prev();
  }
  EXPECT_FALSE(it.Valid());

  // Seek to every position, present or not, then step both ways.
  for (Key target = 0; target <= kRange + 1; target += 7) {
    it.Seek(target);
    auto m = model.lower_bound(target);
    if (m == model.end()) {
      ASSERT_FALSE(it.Valid()) << target;
      continue;
    }
    ASSERT_TRUE(it.Valid()) << target;
    ASSERT_EQ(it.key(), *m);
    it.Next();
    auto mn = std::next(m);
    if (mn == model.end()) {
      ASSERT_FALSE(it.Valid());
    } else {
      ASSERT_TRUE(it.Valid());
      ASSERT_EQ(it.key(), *mn);
    }
    it.Seek(target);
    it.Prev();
    if (m == model.begin()) {
      ASSERT_FALSE(it.Valid());
    } else {
      ASSERT_TRUE(it.Valid());
      ASSERT_EQ(it.key(), *std::prev(m));
    }
  }
}

TEST(SkipListTest, AscendingAndDescendingInserts) {
  for (bool ascending : {true, false}) {
    Arena arena;
    List list(Cmp(), &arena);
    constexpr Key kN = 3000;
    for (Key i = 1; i <= kN; i++) list.Insert(ascending ? i : kN + 1 - i);
    List::Iterator it(&list);
    Key expect = 1;
    for (it.SeekToFirst(); it.Valid(); it.Next()) ASSERT_EQ(it.key(), expect++);
    EXPECT_EQ(expect, kN + 1);
    expect = kN;
    for (it.SeekToLast(); it.Valid(); it.Prev()) ASSERT_EQ(it.key(), expect--);
    EXPECT_EQ(expect, 0u);
    EXPECT_TRUE(list.LevelsAreConsistent());
  }
}

// Runs of appends (the no-search path) alternate with inserts just below
// the end (between the last nodes of the upper levels), in the middle and at
// the front. A search stays correct even when an upper level is out of
// order, so the levels themselves are checked, after every round.
TEST(SkipListTest, AppendsMixedWithInsertsElsewhere) {
  Random rnd(77);
  Arena arena;
  List list(Cmp(), &arena);
  std::set<Key> model;
  Key top = 1000;
  for (int round = 0; round < 300; round++) {
    for (int i = 0; i < 20; i++) {
      top += 1 + rnd.Uniform(100);  // gaps leave room below the end
      model.insert(top);
      list.Insert(top);
    }
    for (int i = 0; i < 10; i++) {
      Key k = i < 6 ? top - 1 - rnd.Uniform(std::min<Key>(top - 1, 400))  // near the end
                    : 1 + rnd.Uniform(top - 1);                             // anywhere
      if (model.insert(k).second) list.Insert(k);
    }
    ASSERT_TRUE(list.LevelsAreConsistent()) << "round " << round;
  }
  List::Iterator it(&list);
  auto m = model.begin();
  for (it.SeekToFirst(); it.Valid(); it.Next(), ++m) ASSERT_EQ(it.key(), *m);
  ASSERT_EQ(m, model.end());
  auto r = model.rbegin();
  for (it.SeekToLast(); it.Valid(); it.Prev(), ++r) ASSERT_EQ(it.key(), *r);
  ASSERT_EQ(r, model.rend());
  for (Key k : model) {
    it.Seek(k);
    ASSERT_TRUE(it.Valid());
    ASSERT_EQ(it.key(), k);
    ASSERT_TRUE(list.Contains(k));
    ASSERT_FALSE(list.Contains(k + 1) && model.count(k + 1) == 0);
  }
}

// One writer inserts while two readers scan. Every scan must be strictly
// increasing and must contain every key the same reader saw in its previous
// scan (nodes are never removed), and every key seen must stay findable.
TEST(SkipListTest, ConcurrentWriterAndReaders) {
  constexpr int kWrites = 20000;
  Arena arena;
  List list(Cmp(), &arena);
  std::atomic<bool> done{false};
  std::atomic<int> failures{0};
  std::atomic<int> scans{0};

  auto reader = [&](uint64_t seed) {
    Random rnd(seed);
    std::vector<Key> prev, cur;
    bool last = false;
    while (!last && failures.load() == 0) {
      last = done.load(std::memory_order_acquire);  // one full scan after the writer ends
      cur.clear();
      List::Iterator it(&list);
      for (it.SeekToFirst(); it.Valid(); it.Next()) {
        if (!cur.empty() && cur.back() >= it.key()) {
          failures++;
          return;
        }
        cur.push_back(it.key());
      }
      if (!std::includes(cur.begin(), cur.end(), prev.begin(), prev.end())) {
        failures++;
        return;
      }
      // Spot-check that seen keys are still found by Contains and Seek.
      for (int i = 0; i < 50 && !cur.empty(); i++) {
        Key k = cur[rnd.Uniform(cur.size())];
        List::Iterator s(&list);
        s.Seek(k);
        if (!list.Contains(k) || !s.Valid() || s.key() != k) {
          failures++;
          return;
        }
      }
      // A backward scan is ordered too.
      Key bound = ~Key{0};
      int steps = 0;
      for (it.SeekToLast(); it.Valid() && steps < 200; it.Prev(), steps++) {
        if (it.key() >= bound) {
          failures++;
          return;
        }
        bound = it.key();
      }
      prev.swap(cur);
      scans++;
    }
    if (last && prev.size() != static_cast<size_t>(kWrites)) failures++;
  };

  std::thread r1(reader, 1), r2(reader, 2);
  {
    Random rnd(7);
    std::set<Key> inserted;
    while (inserted.size() < static_cast<size_t>(kWrites)) {
      Key k = 1 + rnd.Uniform(uint64_t{1} << 40);
      if (inserted.insert(k).second) list.Insert(k);
    }
  }
  done.store(true, std::memory_order_release);
  r1.join();
  r2.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_GE(scans.load(), 2);
}

}  // namespace
}  // namespace lsm
