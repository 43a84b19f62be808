// Tests for core/memtable/memtable.h: versioned point lookups and iteration
// in internal-key order.
#include "core/memtable/memtable.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core/base/dbformat.h"
#include "core/util/random.h"
#include "tests/core/test_util.h"

namespace lsm {
namespace {

std::string IKey(std::string_view user_key, SequenceNumber seq, ValueType t) {
  std::string k;
  AppendInternalKey(&k, user_key, seq, t);
  return k;
}

// Result of a Get: "<none>" (memtable does not decide), "<deleted>", or the value.
std::string Lookup(const MemTable& mem, std::string_view user_key, SequenceNumber seq) {
  std::string value = "garbage";
  Status s = Status::Corruption("untouched");
  if (!mem.Get(LookupKey(user_key, seq), &value, &s)) return "<none>";
  if (s.IsNotFound()) return "<deleted>";
  EXPECT_TRUE(s.ok()) << s.ToString();
  return value;
}

TEST(MemTableTest, Empty) {
  MemTable mem;
  EXPECT_TRUE(mem.empty());
  EXPECT_EQ(mem.num_entries(), 0u);
  EXPECT_EQ(Lookup(mem, "a", kMaxSequenceNumber), "<none>");
  auto it = mem.NewIterator();
  it->SeekToFirst();
  EXPECT_FALSE(it->Valid());
  it->SeekToLast();
  EXPECT_FALSE(it->Valid());
  EXPECT_TRUE(it->status().ok());
}

TEST(MemTableTest, VersionsAndDeletions) {
  MemTable mem;
  // Added out of order on purpose: the skiplist orders them.
  mem.Add(7, ValueType::kValue, "a", "a7");
  mem.Add(1, ValueType::kValue, "a", "a1");
  mem.Add(5, ValueType::kDeletion, "a", "");
  mem.Add(3, ValueType::kValue, "a", "a3");
  mem.Add(2, ValueType::kValue, "ab", "ab2");
  mem.Add(4, ValueType::kDeletion, "b", "");
  mem.Add(6, ValueType::kValue, "b", "b6");
  mem.Add(8, ValueType::kValue, "", "empty-key");
  mem.Add(9, ValueType::kValue, "c", "");
  EXPECT_EQ(mem.num_entries(), 9u);
  EXPECT_FALSE(mem.empty());

  // LookupKey picks the newest version with sequence <= the lookup's.
  EXPECT_EQ(Lookup(mem, "a", 0), "<none>");
  EXPECT_EQ(Lookup(mem, "a", 1), "a1");
  EXPECT_EQ(Lookup(mem, "a", 2), "a1");
  EXPECT_EQ(Lookup(mem, "a", 3), "a3");
  EXPECT_EQ(Lookup(mem, "a", 4), "a3");
  EXPECT_EQ(Lookup(mem, "a", 5), "<deleted>");
  EXPECT_EQ(Lookup(mem, "a", 6), "<deleted>");
  EXPECT_EQ(Lookup(mem, "a", 7), "a7");
  EXPECT_EQ(Lookup(mem, "a", kMaxSequenceNumber), "a7");

  // "ab" shares a prefix with "a" but is a different key.
  EXPECT_EQ(Lookup(mem, "ab", 1), "<none>");
  EXPECT_EQ(Lookup(mem, "ab", 2), "ab2");
  EXPECT_EQ(Lookup(mem, "ab", 100), "ab2");

  EXPECT_EQ(Lookup(mem, "b", 3), "<none>");
  EXPECT_EQ(Lookup(mem, "b", 4), "<deleted>");
  EXPECT_EQ(Lookup(mem, "b", 5), "<deleted>");
  EXPECT_EQ(Lookup(mem, "b", 6), "b6");

  EXPECT_EQ(Lookup(mem, "", 7), "<none>");
  EXPECT_EQ(Lookup(mem, "", 8), "empty-key");
  EXPECT_EQ(Lookup(mem, "c", 9), "");  // an empty value is a value

  // Absent keys, including prefixes and extensions of present ones.
  EXPECT_EQ(Lookup(mem, "0", kMaxSequenceNumber), "<none>");
  EXPECT_EQ(Lookup(mem, "aa", kMaxSequenceNumber), "<none>");
  EXPECT_EQ(Lookup(mem, "abc", kMaxSequenceNumber), "<none>");
  EXPECT_EQ(Lookup(mem, "bb", kMaxSequenceNumber), "<none>");
  EXPECT_EQ(Lookup(mem, "d", kMaxSequenceNumber), "<none>");
}

TEST(MemTableTest, BinaryKeysAndValues) {
  MemTable mem;
  const std::string k1("\0\x01\xff", 3), k2("\xff\xff", 2);
  const std::string v1(1000, '\0'), v2("\x80\x00\x7f", 3);
  mem.Add(10, ValueType::kValue, k1, v1);
  mem.Add(11, ValueType::kValue, k2, v2);
  EXPECT_EQ(Lookup(mem, k1, 10), v1);
  EXPECT_EQ(Lookup(mem, k2, 11), v2);
  EXPECT_EQ(Lookup(mem, std::string("\0", 1), 20), "<none>");
}

TEST(MemTableTest, LargeSequenceNumbers) {
  MemTable mem;
  mem.Add(kMaxSequenceNumber, ValueType::kValue, "k", "max");
  mem.Add(kMaxSequenceNumber - 1, ValueType::kValue, "k", "max-1");
  mem.Add(1, ValueType::kValue, "k", "one");
  EXPECT_EQ(Lookup(mem, "k", kMaxSequenceNumber), "max");
  EXPECT_EQ(Lookup(mem, "k", kMaxSequenceNumber - 1), "max-1");
  EXPECT_EQ(Lookup(mem, "k", kMaxSequenceNumber - 2), "one");
}

TEST(MemTableTest, IteratorOrderMatchesInternalKeyOrder) {
  MemTable mem;
  Random rnd(42);
  std::map<std::string, std::string, InternalKeyLess> model;
  SequenceNumber seq = 1;
  for (int i = 0; i < 3000; i++) {
    std::string user_key = "k" + std::to_string(rnd.Uniform(300));
    ValueType t = rnd.OneIn(5) ? ValueType::kDeletion : ValueType::kValue;
    std::string value = t == ValueType::kValue ? "v" + std::to_string(i) : "";
    // Sequence numbers are unique, so every (user key, seq) is new.
    SequenceNumber s = seq++;
    mem.Add(s, t, user_key, value);
    model.emplace(IKey(user_key, s, t), value);
  }
  ASSERT_EQ(mem.num_entries(), model.size());

  auto it = mem.NewIterator();
  ASSERT_TRUE(test::ScansBothWays(it.get(), model));

  // Seek with LookupKeys lands on the newest visible version of each key.
  for (int i = 0; i < 300; i += 3) {
    std::string user_key = "k" + std::to_string(i);
    for (SequenceNumber s : {SequenceNumber{1}, SequenceNumber{1500}, kMaxSequenceNumber}) {
      LookupKey lk(user_key, s);
      it->Seek(lk.internal_key());
      auto m = model.lower_bound(std::string(lk.internal_key()));
      if (m == model.end()) {
        ASSERT_FALSE(it->Valid());
      } else {
        ASSERT_TRUE(it->Valid());
        ASSERT_EQ(it->key(), m->first);
      }
    }
  }
}

TEST(MemTableTest, NewestVersionFirstWithinAKey) {
  MemTable mem;
  mem.Add(1, ValueType::kValue, "x", "1");
  mem.Add(3, ValueType::kValue, "x", "3");
  mem.Add(2, ValueType::kDeletion, "x", "");
  mem.Add(5, ValueType::kValue, "w", "w5");
  auto it = mem.NewIterator();
  std::vector<std::string> got;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    ParsedInternalKey p;
    ASSERT_TRUE(ParseInternalKey(it->key(), &p));
    got.push_back(std::string(p.user_key) + "@" + std::to_string(p.sequence) +
                  (p.type == ValueType::kDeletion ? "D" : "V"));
  }
  EXPECT_EQ(got, (std::vector<std::string>{"w@5V", "x@3V", "x@2D", "x@1V"}));
}

TEST(MemTableTest, MemoryUsageGrows) {
  MemTable mem;
  size_t before = mem.ApproximateMemoryUsage();
  for (int i = 0; i < 1000; i++) {
    mem.Add(i + 1, ValueType::kValue, "key" + std::to_string(i), std::string(100, 'v'));
  }
  EXPECT_GE(mem.ApproximateMemoryUsage(), before + 1000 * 100);
  // A value bigger than the arena block goes in a block of its own.
  mem.Add(5000, ValueType::kValue, "big", std::string(100000, 'b'));
  EXPECT_EQ(Lookup(mem, "big", 5000), std::string(100000, 'b'));
}

// The key filter never hides a key that was added (any version, a deletion
// included), rejects nearly every other key, and Get follows it.
TEST(MemTableTest, KeyFilterHasNoFalseNegativesAndFewFalsePositives) {
  const size_t write_buffer = 4 << 20;
  MemTable mem(Arena::BlockSizeFor(write_buffer), MemTable::FilterBytesFor(write_buffer));
  const MemTable plain(Arena::BlockSizeFor(write_buffer), 0);
  EXPECT_EQ(mem.ApproximateMemoryUsage() - plain.ApproximateMemoryUsage(), MemTable::FilterBytesFor(write_buffer))
      << "the filter counts toward the memtable's memory";
  const int n = 30000;  // about what 4 MiB of 16-byte keys and 100-byte values holds
  for (int i = 0; i < n; i++) {
    char key[17];
    std::snprintf(key, sizeof(key), "%016d", 2 * i);
    mem.Add(i + 1, i % 10 == 0 ? ValueType::kDeletion : ValueType::kValue, key, "v");
  }
  int false_positives = 0;
  for (int i = 0; i < n; i++) {
    char key[17];
    std::snprintf(key, sizeof(key), "%016d", 2 * i);
    ASSERT_TRUE(mem.MayContain(key)) << key;
    ASSERT_NE(Lookup(mem, key, kMaxSequenceNumber), "<none>") << key;
    std::snprintf(key, sizeof(key), "%016d", 2 * i + 1);
    if (mem.MayContain(key)) false_positives++;
    ASSERT_EQ(Lookup(mem, key, kMaxSequenceNumber), "<none>") << key;
  }
  // About 18 bits per key: well under 1% in theory; 2% leaves room.
  EXPECT_LT(false_positives, n / 50);
}

TEST(MemTableTest, NoFilterMayContainEverything) {
  MemTable mem(Arena::kDefaultBlockSize, 0);
  EXPECT_TRUE(mem.MayContain("anything"));
  mem.Add(1, ValueType::kValue, "a", "1");
  EXPECT_EQ(Lookup(mem, "a", 1), "1");
  EXPECT_EQ(Lookup(mem, "b", 1), "<none>");
}

}  // namespace
}  // namespace lsm
