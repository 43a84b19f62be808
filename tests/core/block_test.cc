// Tests for core/table/block_builder.h and core/table/block.h: round trips
// at several restart intervals, seeks, backward iteration across restart
// points, and damaged blocks (which must fail cleanly, never crash).
#include "core/table/block.h"

#include <cstdio>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "core/table/block_builder.h"
#include "core/util/coding.h"
#include "tests/core/test_util.h"

namespace lsm {
namespace {

int Bytewise(std::string_view a, std::string_view b) { return a.compare(b); }

using Entries = std::vector<std::pair<std::string, std::string>>;

Entries MakeEntries(int n) {
  Entries e;
  for (int i = 0; i < n; i++) {
    char k[32];
    // Steps of 2 leave room for keys between entries; varied value sizes.
    std::snprintf(k, sizeof(k), "key%06d", 2 * i);
    e.emplace_back(k, std::string(static_cast<size_t>(i % 7) * 3, static_cast<char>('a' + i % 26)));
  }
  return e;
}

std::string BuildBlock(const Entries& entries, int restart_interval) {
  BlockBuilder b(restart_interval);
  for (const auto& [k, v] : entries) b.Add(k, v);
  const size_t estimate = b.CurrentSizeEstimate();
  EXPECT_EQ(estimate, b.Finish().size());
  b.Reset();
  for (const auto& [k, v] : entries) b.Add(k, v);
  return std::string(b.Finish());
}

std::unique_ptr<Iterator> Open(std::string contents) {
  return Block::NewIterator(std::make_shared<const Block>(std::move(contents)), Bytewise);
}

class BlockRoundTrip : public ::testing::TestWithParam<int> {};

TEST_P(BlockRoundTrip, ForwardBackwardSeek) {
  const int interval = GetParam();
  const Entries entries = MakeEntries(100);
  std::string data = BuildBlock(entries, interval);
  const uint32_t expected_restarts = static_cast<uint32_t>((entries.size() + interval - 1) / interval);
  EXPECT_EQ(DecodeFixed32(data.data() + data.size() - 4), expected_restarts);

  auto block = std::make_shared<const Block>(data);
  EXPECT_TRUE(block->ok());
  EXPECT_EQ(block->size(), data.size());
  auto it = Block::NewIterator(block, Bytewise);
  EXPECT_FALSE(it->Valid());

  // Forward, and backward from the end, crossing every restart point.
  ASSERT_TRUE(test::ScansBothWays(it.get(), entries));

  // Seek to each key, to just below it (between keys), and step both ways.
  for (size_t i = 0; i < entries.size(); i++) {
    const std::string& k = entries[i].first;
    it->Seek(k);
    ASSERT_TRUE(it->Valid());
    EXPECT_EQ(it->key(), k);

    std::string between = k + "\x01";  // > k, < next key
    it->Seek(between);
    if (i + 1 == entries.size()) {
      EXPECT_FALSE(it->Valid());
    } else {
      ASSERT_TRUE(it->Valid());
      EXPECT_EQ(it->key(), entries[i + 1].first);
      it->Prev();
      ASSERT_TRUE(it->Valid());
      EXPECT_EQ(it->key(), k);
      if (i > 0) {
        it->Prev();
        ASSERT_TRUE(it->Valid());
        EXPECT_EQ(it->key(), entries[i - 1].first);
        it->Next();
        ASSERT_TRUE(it->Valid());
        EXPECT_EQ(it->key(), k);
      }
    }
  }

  // Before the first and past the last.
  it->Seek("");
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(it->key(), entries.front().first);
  it->Seek("a");
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(it->key(), entries.front().first);
  it->Prev();
  EXPECT_FALSE(it->Valid());
  it->Seek("key999999");
  EXPECT_FALSE(it->Valid());
  it->Seek("z");
  EXPECT_FALSE(it->Valid());
  EXPECT_TRUE(it->status().ok());

  // Reversing direction at the ends.
  it->SeekToLast();
  ASSERT_TRUE(it->Valid());
  it->Next();
  EXPECT_FALSE(it->Valid());
  it->SeekToFirst();
  ASSERT_TRUE(it->Valid());
  it->Prev();
  EXPECT_FALSE(it->Valid());
}

INSTANTIATE_TEST_SUITE_P(Intervals, BlockRoundTrip, ::testing::Values(1, 2, 16));

TEST(BlockTest, SharedPrefixesAndEmptyKeys) {
  // Keys that share long prefixes, an empty key, and binary bytes.
  const Entries entries = {{"", "empty"},
                           {std::string("\0", 1), "nul"},
                           {"a", "1"},
                           {"aa", "2"},
                           {"aaa", ""},
                           {"aaab", "4"},
                           {"ab", "5"},
                           {std::string(300, 'b'), std::string(5000, 'v')},
                           {std::string(300, 'b') + "c", "6"},
                           {"\xff\xff", "7"}};
  for (int interval : {1, 2, 3, 16}) {
    auto it = Open(BuildBlock(entries, interval));
    size_t i = 0;
    for (it->SeekToFirst(); it->Valid(); it->Next(), i++) {
      ASSERT_LT(i, entries.size());
      EXPECT_EQ(it->key(), entries[i].first);
      EXPECT_EQ(it->value(), entries[i].second);
    }
    EXPECT_EQ(i, entries.size());
    for (it->SeekToLast(); it->Valid(); it->Prev()) {
      ASSERT_GT(i, 0u);
      i--;
      EXPECT_EQ(it->key(), entries[i].first);
      EXPECT_EQ(it->value(), entries[i].second);
    }
    EXPECT_EQ(i, 0u);
    for (const auto& [k, v] : entries) {
      it->Seek(k);
      ASSERT_TRUE(it->Valid());
      EXPECT_EQ(it->key(), k);
      EXPECT_EQ(it->value(), v);
    }
  }
}

TEST(BlockTest, SingleEntry) {
  for (int interval : {1, 16}) {
    auto it = Open(BuildBlock({{"only", "one"}}, interval));
    it->SeekToFirst();
    ASSERT_TRUE(it->Valid());
    EXPECT_EQ(it->key(), "only");
    it->Next();
    EXPECT_FALSE(it->Valid());
    it->SeekToLast();
    ASSERT_TRUE(it->Valid());
    EXPECT_EQ(it->value(), "one");
    it->Prev();
    EXPECT_FALSE(it->Valid());
    it->Seek("onlz");
    EXPECT_FALSE(it->Valid());
    it->Seek("a");
    ASSERT_TRUE(it->Valid());
    EXPECT_EQ(it->key(), "only");
    EXPECT_TRUE(it->status().ok());
  }
}

TEST(BlockTest, EmptyBlock) {
  BlockBuilder b;
  EXPECT_TRUE(b.empty());
  std::string data(b.Finish());
  EXPECT_EQ(data.size(), 8u);  // one restart (offset 0) and the count
  auto block = std::make_shared<const Block>(data);
  EXPECT_TRUE(block->ok());
  auto it = Block::NewIterator(block, Bytewise);
  it->SeekToFirst();
  EXPECT_FALSE(it->Valid());
  it->SeekToLast();
  EXPECT_FALSE(it->Valid());
  it->Seek("x");
  EXPECT_FALSE(it->Valid());
  it->Seek("");
  EXPECT_FALSE(it->Valid());
  EXPECT_TRUE(it->status().ok());
}

TEST(BlockTest, BuilderResetAndLastKey) {
  BlockBuilder b(2);
  b.Add("a", "1");
  b.Add("b", "2");
  b.Add("c", "3");
  EXPECT_EQ(b.last_key(), "c");
  EXPECT_FALSE(b.empty());
  b.Reset();
  EXPECT_TRUE(b.empty());
  b.Add("x", "9");
  auto it = Open(std::string(b.Finish()));
  it->SeekToFirst();
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(it->key(), "x");
  it->Next();
  EXPECT_FALSE(it->Valid());
}

void ExpectCorruptEverywhere(const std::string& data, const char* what) {
  SCOPED_TRACE(what);
  auto it = Open(data);
  it->SeekToFirst();
  EXPECT_FALSE(it->Valid());
  EXPECT_TRUE(it->status().IsCorruption()) << it->status().ToString();
  it = Open(data);
  it->SeekToLast();
  EXPECT_FALSE(it->Valid());
  EXPECT_TRUE(it->status().IsCorruption()) << it->status().ToString();
  it = Open(data);
  it->Seek("key");
  EXPECT_FALSE(it->Valid());
  EXPECT_TRUE(it->status().IsCorruption()) << it->status().ToString();
}

TEST(BlockTest, BadRestartCount) {
  const std::string good = BuildBlock(MakeEntries(20), 4);
  const size_t count_at = good.size() - 4;

  std::string zero = good;
  EncodeFixed32(&zero[count_at], 0);
  EXPECT_FALSE(Block(zero).ok());
  ExpectCorruptEverywhere(zero, "zero restarts");

  std::string huge = good;
  EncodeFixed32(&huge[count_at], 0xffffffffu);
  EXPECT_FALSE(Block(huge).ok());
  ExpectCorruptEverywhere(huge, "huge restart count");

  std::string too_many = good;
  EncodeFixed32(&too_many[count_at], static_cast<uint32_t>(good.size() / 4));
  EXPECT_FALSE(Block(too_many).ok());
  ExpectCorruptEverywhere(too_many, "restart array larger than the block");

  for (size_t n = 0; n < 4; n++) {
    EXPECT_FALSE(Block(good.substr(0, n)).ok()) << n;
    ExpectCorruptEverywhere(good.substr(0, n), "shorter than the count");
  }
}

TEST(BlockTest, RestartOffsetPastEntries) {
  std::string data = BuildBlock(MakeEntries(20), 4);
  const uint32_t n = DecodeFixed32(data.data() + data.size() - 4);
  const size_t restarts = data.size() - 4 - 4 * n;
  // Every restart offset points beyond the restart array.
  for (uint32_t i = 0; i < n; i++) EncodeFixed32(&data[restarts + 4 * i], 0x7fffffffu);
  ExpectCorruptEverywhere(data, "restart offsets out of range");
}

TEST(BlockTest, TruncatedEntry) {
  const Entries entries = MakeEntries(10);
  // Entries alone (no restart array), then cut short inside the last entry
  // and re-terminated with a restart array naming offset 0.
  std::string full = BuildBlock(entries, 16);
  const size_t entries_end = full.size() - 8;  // one restart + count
  for (size_t cut = entries_end - 3; cut < entries_end; cut++) {
    std::string data = full.substr(0, cut);
    PutFixed32(&data, 0);
    PutFixed32(&data, 1);
    auto it = Open(data);
    size_t seen = 0;
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      ASSERT_LT(seen, entries.size() - 1) << "the cut entry was returned";
      EXPECT_EQ(it->key(), entries[seen].first);
      EXPECT_EQ(it->value(), entries[seen].second);
      seen++;
    }
    EXPECT_EQ(seen, entries.size() - 1);
    EXPECT_TRUE(it->status().IsCorruption()) << cut << " " << it->status().ToString();

    it = Open(data);
    it->SeekToLast();
    EXPECT_FALSE(it->Valid());
    EXPECT_TRUE(it->status().IsCorruption()) << cut;

    it = Open(data);
    it->Seek(entries.back().first);
    EXPECT_FALSE(it->Valid());
    EXPECT_TRUE(it->status().IsCorruption()) << cut;
  }
}

TEST(BlockTest, ValueLengthRunsPastEnd) {
  std::string data = BuildBlock({{"k", "v"}}, 16);
  // Entry: shared=0 unshared=1 vlen=1 'k' 'v'. Make vlen huge (5-byte varint
  // would not fit; use a one-byte value larger than the block).
  ASSERT_EQ(data[2], '\x01');
  data[2] = '\x7f';
  ExpectCorruptEverywhere(data, "value length past the end");
}

TEST(BlockTest, SharedLongerThanPreviousKey) {
  std::string data = BuildBlock({{"abc", "1"}, {"abd", "2"}}, 16);
  // Second entry starts at 3 + 3 + 1 = 7: its shared count is 2; make it 9.
  ASSERT_EQ(data[7], '\x02');
  data[7] = '\x09';
  auto it = Open(data);
  it->SeekToFirst();
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(it->key(), "abc");
  it->Next();
  EXPECT_FALSE(it->Valid());
  EXPECT_TRUE(it->status().IsCorruption());
}

// Walks the whole block both ways and seeks around; bounded so a damaged
// block that made the iterator cycle would fail instead of hanging.
void Exercise(const std::string& data, const Entries& entries) {
  auto it = Open(data);
  int steps = 0;
  for (it->SeekToFirst(); it->Valid() && steps < 1000; it->Next()) {
    steps++;
    (void)it->key().size();
    (void)it->value().size();
  }
  ASSERT_LT(steps, 1000) << "forward scan did not end";
  (void)it->status();
  steps = 0;
  for (it->SeekToLast(); it->Valid() && steps < 1000; it->Prev()) steps++;
  ASSERT_LT(steps, 1000) << "backward scan did not end";
  for (const auto& [k, v] : entries) {
    it->Seek(k);
    if (it->Valid()) {
      (void)it->key().size();
      it->Prev();
      if (it->Valid()) it->Next();
    }
  }
  it->Seek(std::string(1, '\xff'));
  it = Open(data);
  it->Seek("key000011");
  for (int i = 0; i < 5 && it->Valid(); i++) it->Prev();
}

TEST(BlockTest, EverySingleByteFlipIsSafe) {
  const Entries entries = MakeEntries(12);
  for (int interval : {1, 3, 16}) {
    const std::string good = BuildBlock(entries, interval);
    for (size_t i = 0; i < good.size(); i++) {
      for (unsigned char mask : {0xffu, 0x01u, 0x80u, 0x10u}) {
        std::string bad = good;
        bad[i] = static_cast<char>(static_cast<unsigned char>(bad[i]) ^ mask);
        SCOPED_TRACE("interval " + std::to_string(interval) + " byte " + std::to_string(i) +
                     " mask " + std::to_string(mask));
        Exercise(bad, entries);
        if (HasFatalFailure()) return;
      }
    }
  }
}

TEST(BlockTest, EveryTruncationIsSafe) {
  const Entries entries = MakeEntries(12);
  const std::string good = BuildBlock(entries, 3);
  for (size_t n = 0; n < good.size(); n++) {
    SCOPED_TRACE(n);
    Exercise(good.substr(0, n), entries);
    if (HasFatalFailure()) return;
  }
}

}  // namespace
}  // namespace lsm
