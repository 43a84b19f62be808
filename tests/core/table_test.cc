// Tests for core/table/table_builder.h and core/table/table.h: SSTable round
// trips with and without lz4, properties, point reads through the bloom
// filter and block cache, iteration, and damaged files.
#include "core/table/table.h"

#include <algorithm>
#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "core/base/dbformat.h"
#include "core/env/file_system.h"
#include "core/table/format.h"
#include "core/table/table_builder.h"
#include "core/util/coding.h"
#include "core/util/hash.h"
#include "core/util/random.h"
#include "tests/core/test_util.h"

namespace lsm {
namespace {

using Entries = std::vector<std::pair<std::string, std::string>>;  // internal key, value

std::string UserKey(int i) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "key%06d", i);
  return buf;
}

std::string IKey(std::string_view user_key, SequenceNumber seq, ValueType t) {
  std::string k;
  AppendInternalKey(&k, user_key, seq, t);
  return k;
}

// Even-numbered user keys (odd ones are absent), every 10th a deletion,
// compressible values.
Entries MakeEntries(int n) {
  Entries e;
  for (int i = 0; i < n; i++) {
    bool del = i % 10 == 9;
    std::string v;
    if (!del) v = "value-" + std::to_string(i) + "-" + std::string(100, static_cast<char>('a' + i % 26));
    e.emplace_back(IKey(UserKey(2 * i), 1000 + i, del ? ValueType::kDeletion : ValueType::kValue), v);
  }
  return e;
}

struct GetResult {
  Status status;
  bool found = false;
  std::string key;
  std::string value;
};

class TableTest : public test::TempDirTest {
 protected:
  void SetUp() override {
    TempDirTest::SetUp();
    fs_ = FileSystem::Default();
    path_ = dir_ + "/000007.sst";
  }
  void TearDown() override {
    table_.reset();
    TempDirTest::TearDown();
  }

  void Build(const TableOptions& options, const Entries& entries) {
    std::unique_ptr<WritableFile> f;
    ASSERT_TRUE(fs_->NewWritableFile(path_, &f).ok());
    TableBuilder b(options, f.get());
    for (const auto& [k, v] : entries) ASSERT_TRUE(b.Add(k, v).ok());
    EXPECT_EQ(b.num_entries(), entries.size());
    Status s = b.Finish();
    ASSERT_TRUE(s.ok()) << s.ToString();
    ASSERT_TRUE(f->Sync().ok());
    ASSERT_TRUE(f->Close().ok());
    EXPECT_EQ(static_cast<long long>(b.file_size()), test::FileSize(path_));
  }

  Status Open(BlockCache* cache = nullptr, FilterStats* stats = nullptr) {
    table_.reset();
    std::unique_ptr<RandomAccessFile> f;
    Status s = fs_->NewRandomAccessFile(path_, &f);
    if (!s.ok()) return s;
    uint64_t size = 0;
    s = fs_->GetFileSize(path_, &size);
    if (!s.ok()) return s;
    return Table::Open(std::move(f), size, /*cache_id=*/7, cache, stats, &table_);
  }

  GetResult Get(std::string_view user_key, SequenceNumber seq = kMaxSequenceNumber,
                TableReadOptions ro = TableReadOptions()) {
    GetResult r;
    LookupKey lk(user_key, seq);
    int calls = 0;
    r.status = table_->Get(ro, lk.internal_key(), [&](std::string_view k, std::string_view v) {
      calls++;
      r.found = true;
      r.key.assign(k.data(), k.size());
      r.value.assign(v.data(), v.size());
    });
    EXPECT_LE(calls, 1);
    return r;
  }

  uint64_t Prop(const char* name) {
    auto it = table_->properties().find(name);
    EXPECT_NE(it, table_->properties().end()) << name;
    return it == table_->properties().end() ? ~uint64_t{0} : it->second;
  }

  Footer ReadFooter() {
    std::string data;
    EXPECT_TRUE(ReadFileToString(fs_, path_, &data).ok());
    Footer footer;
    EXPECT_TRUE(footer.DecodeFrom(std::string_view(data).substr(data.size() - kFooterSize)).ok());
    return footer;
  }

  FileSystem* fs_ = nullptr;
  std::string path_;
  std::shared_ptr<Table> table_;
};

class TableRoundTrip : public TableTest, public ::testing::WithParamInterface<bool> {};

TEST_P(TableRoundTrip, PropertiesGetIterateSeek) {
  const bool lz4 = GetParam();
  TableOptions options;
  options.lz4 = lz4;
  const Entries entries = MakeEntries(2000);
  Build(options, entries);
  ASSERT_TRUE(Open().ok());
  EXPECT_EQ(table_->file_size(), static_cast<uint64_t>(test::FileSize(path_)));

  // Properties.
  uint64_t key_bytes = 0, value_bytes = 0, deletions = 0;
  for (const auto& [k, v] : entries) {
    key_bytes += k.size();
    value_bytes += v.size();
    if ((ExtractTag(k) & 0xff) == 0) deletions++;
  }
  EXPECT_EQ(Prop(table_props::kEntries), entries.size());
  EXPECT_EQ(Prop(table_props::kCompression), lz4 ? 1u : 0u);
  EXPECT_EQ(Prop(table_props::kDeletions), deletions);
  EXPECT_EQ(Prop(table_props::kRawKeyBytes), key_bytes);
  EXPECT_EQ(Prop(table_props::kRawValueBytes), value_bytes);
  EXPECT_EQ(Prop(table_props::kFilterBitsPerKey), 10u);
  EXPECT_GT(Prop(table_props::kDataBlocks), 10u);
  const uint64_t data_bytes = Prop(table_props::kDataBytes);
  EXPECT_LT(data_bytes, table_->file_size());
  if (lz4) {
    EXPECT_LT(data_bytes, (key_bytes + value_bytes) / 2) << "compressible data should shrink";
  } else {
    EXPECT_GT(data_bytes, key_bytes + value_bytes - key_bytes / 2);
  }

  // Get of every present key, at the newest sequence and at its own.
  for (const auto& [k, v] : entries) {
    ParsedInternalKey p;
    ASSERT_TRUE(ParseInternalKey(k, &p));
    for (SequenceNumber seq : {kMaxSequenceNumber, p.sequence}) {
      GetResult r = Get(p.user_key, seq);
      ASSERT_TRUE(r.status.ok()) << r.status.ToString();
      ASSERT_TRUE(r.found) << p.user_key;
      EXPECT_EQ(r.key, k);
      EXPECT_EQ(r.value, v);
    }
    // Older than the only version: invisible.
    GetResult old = Get(p.user_key, p.sequence - 1);
    EXPECT_TRUE(old.status.ok());
    EXPECT_FALSE(old.found) << p.user_key;
  }
  // Absent keys: between, before and after.
  for (int i = 0; i < 2000; i++) {
    GetResult r = Get(UserKey(2 * i + 1));
    EXPECT_TRUE(r.status.ok());
    EXPECT_FALSE(r.found) << i;
  }
  for (const char* k : {"", "a", "key", "key0000000", "zzz", "key999999"}) {
    GetResult r = Get(k);
    EXPECT_TRUE(r.status.ok());
    EXPECT_FALSE(r.found) << k;
  }

  // Forward and backward iteration.
  auto it = table_->NewIterator(TableReadOptions());
  ASSERT_TRUE(test::ScansBothWays(it.get(), entries));

  // Seeks: exact, between (odd user key), and both ends; then step.
  for (size_t i = 0; i < entries.size(); i += 37) {
    it->Seek(entries[i].first);
    ASSERT_TRUE(it->Valid());
    EXPECT_EQ(it->key(), entries[i].first);
    it->Seek(LookupKey(UserKey(2 * static_cast<int>(i) + 1), kMaxSequenceNumber).internal_key());
    if (i + 1 < entries.size()) {
      ASSERT_TRUE(it->Valid());
      EXPECT_EQ(it->key(), entries[i + 1].first);
      it->Prev();
      ASSERT_TRUE(it->Valid());
      EXPECT_EQ(it->key(), entries[i].first);
    } else {
      EXPECT_FALSE(it->Valid());
    }
  }
  it->Seek(LookupKey("", kMaxSequenceNumber).internal_key());
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(it->key(), entries.front().first);
  it->Seek(LookupKey("zzz", kMaxSequenceNumber).internal_key());
  EXPECT_FALSE(it->Valid());
  // Seeking to the last key then stepping forward ends cleanly.
  it->Seek(entries.back().first);
  ASSERT_TRUE(it->Valid());
  it->Next();
  EXPECT_FALSE(it->Valid());
  EXPECT_TRUE(it->status().ok());
}

INSTANTIATE_TEST_SUITE_P(Lz4, TableRoundTrip, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& info) {
                           return info.param ? "On" : "Off";
                         });

TEST_F(TableTest, IncompressibleValuesAreStoredRaw) {
  TableOptions options;
  options.lz4 = true;
  Random rnd(5);
  Entries entries;
  for (int i = 0; i < 300; i++) {
    std::string v(200, '\0');
    for (char& c : v) c = static_cast<char>(rnd.Next());
    entries.emplace_back(IKey(UserKey(i), 1, ValueType::kValue), v);
  }
  Build(options, entries);
  ASSERT_TRUE(Open().ok());
  EXPECT_EQ(Prop(table_props::kCompression), 0u);
  GetResult r = Get(UserKey(123));
  ASSERT_TRUE(r.found);
  EXPECT_EQ(r.value, entries[123].second);
}

TEST_F(TableTest, ManyVersionsAcrossBlocks) {
  TableOptions options;
  options.block_size = 128;  // versions of one key spread over several blocks
  options.restart_interval = 2;
  Entries entries;
  for (int u = 0; u < 40; u++) {
    for (SequenceNumber s = 50; s >= 10; s -= 10) {
      entries.emplace_back(IKey(UserKey(u), s, s == 30 ? ValueType::kDeletion : ValueType::kValue),
                           s == 30 ? "" : UserKey(u) + "@" + std::to_string(s) + std::string(20, 'p'));
    }
  }
  Build(options, entries);
  ASSERT_TRUE(Open().ok());
  EXPECT_GT(Prop(table_props::kDataBlocks), 20u);
  for (int u = 0; u < 40; u++) {
    for (SequenceNumber seq = 5; seq <= 60; seq++) {
      GetResult r = Get(UserKey(u), seq);
      ASSERT_TRUE(r.status.ok());
      if (seq < 10) {
        EXPECT_FALSE(r.found) << u << "@" << seq;
        continue;
      }
      ASSERT_TRUE(r.found) << u << "@" << seq;
      ParsedInternalKey p;
      ASSERT_TRUE(ParseInternalKey(r.key, &p));
      EXPECT_EQ(p.user_key, UserKey(u));
      const SequenceNumber want = std::min<SequenceNumber>(50, seq / 10 * 10);
      EXPECT_EQ(p.sequence, want);
      EXPECT_EQ(p.type, want == 30 ? ValueType::kDeletion : ValueType::kValue);
    }
  }
  auto it = table_->NewIterator(TableReadOptions());
  size_t n = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next(), n++) {
    ASSERT_LT(n, entries.size());
    EXPECT_EQ(it->key(), entries[n].first);
  }
  EXPECT_EQ(n, entries.size());
  for (it->SeekToLast(); it->Valid(); it->Prev()) {
    ASSERT_GT(n, 0u);
    EXPECT_EQ(it->key(), entries[--n].first);
  }
  EXPECT_EQ(n, 0u);
}

TEST_F(TableTest, EmptyTable) {
  Build(TableOptions(), {});
  ASSERT_TRUE(Open().ok());
  EXPECT_EQ(Prop(table_props::kEntries), 0u);
  EXPECT_EQ(Prop(table_props::kDataBlocks), 0u);
  GetResult r = Get("anything");
  EXPECT_TRUE(r.status.ok());
  EXPECT_FALSE(r.found);
  auto it = table_->NewIterator(TableReadOptions());
  it->SeekToFirst();
  EXPECT_FALSE(it->Valid());
  it->SeekToLast();
  EXPECT_FALSE(it->Valid());
  it->Seek(LookupKey("a", 1).internal_key());
  EXPECT_FALSE(it->Valid());
  EXPECT_TRUE(it->status().ok());
}

TEST_F(TableTest, BloomFilterAvoidsBlockReads) {
  const Entries entries = MakeEntries(1000);
  Build(TableOptions(), entries);
  FilterStats stats;
  BlockCache cache(1 << 20);
  ASSERT_TRUE(Open(&cache, &stats).ok());
  constexpr int kAbsent = 999;  // key 2*999+1 would lie past the last key
  for (int i = 0; i < kAbsent; i++) {
    GetResult r = Get(UserKey(2 * i + 1));  // inside the key range, absent
    EXPECT_TRUE(r.status.ok());
    EXPECT_FALSE(r.found);
  }
  EXPECT_EQ(stats.checked.load(), static_cast<uint64_t>(kAbsent));
  EXPECT_GT(stats.useful.load(), static_cast<uint64_t>(kAbsent * 9 / 10));
  // Each probe the filter did not settle read one data block (a cache lookup).
  EXPECT_EQ(cache.hits() + cache.misses(), stats.checked.load() - stats.useful.load());

  // Present keys are never filtered out.
  const uint64_t useful = stats.useful.load();
  for (int i = 0; i < 1000; i += 3) ASSERT_TRUE(Get(UserKey(2 * i)).found);
  EXPECT_EQ(stats.useful.load(), useful);
}

TEST_F(TableTest, NoFilterWhenBitsPerKeyIsZero) {
  TableOptions options;
  options.bloom_bits_per_key = 0;
  Build(options, MakeEntries(200));
  FilterStats stats;
  ASSERT_TRUE(Open(nullptr, &stats).ok());
  EXPECT_EQ(ReadFooter().filter.size, 0u);
  EXPECT_EQ(Prop(table_props::kFilterBitsPerKey), 0u);
  EXPECT_FALSE(Get(UserKey(1)).found);
  EXPECT_TRUE(Get(UserKey(2)).found);
  EXPECT_EQ(stats.checked.load(), 0u);
}

TEST_F(TableTest, BlockCacheHitPath) {
  const Entries entries = MakeEntries(500);
  Build(TableOptions(), entries);
  BlockCache cache(8 << 20);
  ASSERT_TRUE(Open(&cache).ok());

  GetResult r1 = Get(UserKey(20));
  ASSERT_TRUE(r1.found);
  EXPECT_EQ(cache.misses(), 1u);
  EXPECT_EQ(cache.hits(), 0u);
  EXPECT_GT(cache.usage(), 0u);
  GetResult r2 = Get(UserKey(20));
  ASSERT_TRUE(r2.found);
  EXPECT_EQ(r2.key, r1.key);
  EXPECT_EQ(r2.value, r1.value);
  EXPECT_EQ(cache.misses(), 1u);
  EXPECT_EQ(cache.hits(), 1u);

  // fill_cache = false reads without inserting.
  TableReadOptions no_fill;
  no_fill.fill_cache = false;
  const std::string far_key = UserKey(2 * 480);
  ASSERT_TRUE(Get(far_key, kMaxSequenceNumber, no_fill).found);
  EXPECT_EQ(cache.misses(), 2u);
  ASSERT_TRUE(Get(far_key, kMaxSequenceNumber, no_fill).found);
  EXPECT_EQ(cache.misses(), 3u);

  // Two full scans: the second is served from the cache entirely.
  auto scan = [&] {
    auto it = table_->NewIterator(TableReadOptions());
    size_t n = 0;
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      EXPECT_EQ(it->key(), entries[n].first);
      EXPECT_EQ(it->value(), entries[n].second);
      n++;
    }
    EXPECT_EQ(n, entries.size());
    EXPECT_TRUE(it->status().ok());
  };
  scan();
  const uint64_t misses = cache.misses();
  const uint64_t hits = cache.hits();
  scan();
  EXPECT_EQ(cache.misses(), misses);
  EXPECT_EQ(cache.hits(), hits + Prop(table_props::kDataBlocks));
}

// Passes reads through and records the Prefetch hints a table gives.
class PrefetchRecorder final : public RandomAccessFile {
 public:
  using Hints = std::vector<std::pair<uint64_t, size_t>>;
  PrefetchRecorder(std::unique_ptr<RandomAccessFile> base, Hints* hints)
      : base_(std::move(base)), hints_(hints) {}
  Status Read(uint64_t offset, size_t n, char* scratch, std::string_view* result) const override {
    return base_->Read(offset, n, scratch, result);
  }
  void Prefetch(uint64_t offset, size_t n) const override { hints_->emplace_back(offset, n); }

 private:
  std::unique_ptr<RandomAccessFile> base_;
  Hints* hints_;
};

// A scan prefetches the file ahead of it (behind it, backward) in
// contiguous windows that grow from 64 KiB to 1 MiB, up to the file's ends;
// a seek and a few steps within a block prefetch nothing.
TEST_F(TableTest, ScansPrefetchInGrowingWindows) {
  Random rnd(17);
  Entries entries;
  for (int i = 0; i < 20000; i++) {
    std::string v(200, '\0');
    for (auto& c : v) c = static_cast<char>(rnd.Uniform(256));  // incompressible: a 4 MB file
    entries.emplace_back(IKey(UserKey(i), 1, ValueType::kValue), v);
  }
  Build(TableOptions(), entries);
  std::unique_ptr<RandomAccessFile> f;
  ASSERT_TRUE(fs_->NewRandomAccessFile(path_, &f).ok());
  uint64_t size = 0;
  ASSERT_TRUE(fs_->GetFileSize(path_, &size).ok());
  PrefetchRecorder::Hints hints;
  ASSERT_TRUE(Table::Open(std::make_unique<PrefetchRecorder>(std::move(f), &hints), size, 7, nullptr, nullptr,
                          &table_)
                  .ok());
  auto it = table_->NewIterator(TableReadOptions());

  it->Seek(IKey(UserKey(10000), 1, ValueType::kValue));
  for (int i = 0; i < 3 && it->Valid(); i++) it->Next();
  ASSERT_TRUE(it->Valid());
  EXPECT_TRUE(hints.empty());

  auto check_windows = [&](bool forward) {
    ASSERT_GT(hints.size(), 4u);
    for (size_t i = 0; i < hints.size(); i++) {
      SCOPED_TRACE(i);
      EXPECT_LE(hints[i].first + hints[i].second, size);
      const size_t full = std::min<size_t>(size_t{64 * 1024} << std::min<size_t>(i, 4), 1024 * 1024);
      if (i + 1 < hints.size()) {
        EXPECT_EQ(hints[i].second, full);  // only the last is clipped
      }
      if (i > 0 && forward) {
        EXPECT_EQ(hints[i].first, hints[i - 1].first + hints[i - 1].second);
      }
      if (i > 0 && !forward) {
        EXPECT_EQ(hints[i].first + hints[i].second, hints[i - 1].first);
      }
    }
  };
  hints.clear();
  size_t n = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next()) n++;
  EXPECT_EQ(n, entries.size());
  check_windows(true);
  EXPECT_EQ(hints.back().first + hints.back().second, size);

  hints.clear();
  n = 0;
  for (it->SeekToLast(); it->Valid(); it->Prev()) n++;
  EXPECT_EQ(n, entries.size());
  check_windows(false);
  EXPECT_EQ(hints.back().first, 0u);
}

TEST_F(TableTest, IteratorOutlivesTableHandle) {
  const Entries entries = MakeEntries(300);
  Build(TableOptions(), entries);
  ASSERT_TRUE(Open().ok());
  auto it = table_->NewIterator(TableReadOptions());
  table_.reset();  // the iterator keeps the table alive
  size_t n = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next()) n++;
  EXPECT_EQ(n, entries.size());
}

class TableCorruption : public TableTest, public ::testing::WithParamInterface<bool> {};

// A flipped byte anywhere in the data blocks (contents, type or checksum)
// must surface as Corruption on the reads that touch that block, and no read
// may ever return wrong data.
TEST_P(TableCorruption, FlippedDataByteIsDetected) {
  TableOptions options;
  options.lz4 = GetParam();
  const Entries entries = MakeEntries(200);
  Build(options, entries);
  ASSERT_TRUE(Open().ok());
  const uint64_t data_bytes = Prop(table_props::kDataBytes);
  ASSERT_GT(data_bytes, 0u);
  table_.reset();

  std::map<std::string, std::string> by_user;
  for (const auto& [k, v] : entries) by_user[std::string(ExtractUserKey(k))] = v;

  Random rnd(99);
  std::vector<uint64_t> offsets = {0, 1, data_bytes - 5, data_bytes - 4, data_bytes - 1};
  for (int i = 0; i < 150; i++) offsets.push_back(rnd.Uniform(data_bytes));

  for (uint64_t off : offsets) {
    SCOPED_TRACE("flipped byte at " + std::to_string(off));
    ASSERT_TRUE(test::CorruptByte(path_, static_cast<long long>(off)));
    ASSERT_TRUE(Open().ok());  // metadata is untouched

    int failed = 0;
    for (const auto& [k, v] : entries) {
      GetResult r = Get(ExtractUserKey(k));
      if (r.status.ok()) {
        ASSERT_TRUE(r.found);
        ASSERT_EQ(r.key, k);
        ASSERT_EQ(r.value, v);
      } else {
        EXPECT_TRUE(r.status.IsCorruption()) << r.status.ToString();
        EXPECT_FALSE(r.found);
        failed++;
      }
    }
    EXPECT_GT(failed, 0);

    // Forward: a correct prefix, then Corruption.
    auto it = table_->NewIterator(TableReadOptions());
    size_t n = 0;
    for (it->SeekToFirst(); it->Valid(); it->Next(), n++) {
      ASSERT_LT(n, entries.size());
      ASSERT_EQ(it->key(), entries[n].first);
      ASSERT_EQ(it->value(), entries[n].second);
    }
    EXPECT_LT(n, entries.size());
    EXPECT_TRUE(it->status().IsCorruption()) << it->status().ToString();
    // Backward: a correct suffix, then Corruption.
    it = table_->NewIterator(TableReadOptions());
    n = entries.size();
    for (it->SeekToLast(); it->Valid(); it->Prev()) {
      ASSERT_GT(n, 0u);
      n--;
      ASSERT_EQ(it->key(), entries[n].first);
      ASSERT_EQ(it->value(), entries[n].second);
    }
    EXPECT_GT(n, 0u);
    EXPECT_TRUE(it->status().IsCorruption()) << it->status().ToString();

    table_.reset();
    ASSERT_TRUE(test::CorruptByte(path_, static_cast<long long>(off)));  // undo
  }
  // Undone: everything reads again.
  ASSERT_TRUE(Open().ok());
  for (const auto& [k, v] : entries) ASSERT_EQ(Get(ExtractUserKey(k)).value, v);
}

INSTANTIATE_TEST_SUITE_P(Lz4, TableCorruption, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& info) {
                           return info.param ? "On" : "Off";
                         });

// Handle of the first data block, from the table's own index.
BlockHandle FirstDataBlock(FileSystem* fs, const std::string& path) {
  std::unique_ptr<RandomAccessFile> f;
  EXPECT_TRUE(fs->NewRandomAccessFile(path, &f).ok());
  uint64_t size = 0;
  EXPECT_TRUE(fs->GetFileSize(path, &size).ok());
  char buf[kFooterSize];
  std::string_view got;
  EXPECT_TRUE(f->Read(size - kFooterSize, kFooterSize, buf, &got).ok());
  Footer footer;
  EXPECT_TRUE(footer.DecodeFrom(got).ok());
  std::string contents;
  EXPECT_TRUE(ReadBlock(f.get(), size, footer.index, true, &contents).ok());
  auto index = Block::NewIterator(std::make_shared<const Block>(std::move(contents)),
                                  CompareInternalKeys);
  index->SeekToFirst();
  BlockHandle h;
  EXPECT_TRUE(index->Valid());
  if (!index->Valid()) return h;
  std::string_view v = index->value();
  EXPECT_TRUE(h.DecodeFrom(&v));
  return h;
}

// Rewrites the raw first data block of the table at path with `mutate`
// applied to its contents, and a checksum that matches the new contents: a
// malformed block that no checksum catches (a writer bug, or damage before
// the checksum was computed).
void RewriteFirstDataBlock(FileSystem* fs, const std::string& path,
                           const std::function<void(std::string*)>& mutate) {
  const BlockHandle h = FirstDataBlock(fs, path);
  std::string data;
  ASSERT_TRUE(ReadFileToString(fs, path, &data).ok());
  ASSERT_EQ(data[h.offset + h.size], static_cast<char>(BlockType::kRaw));
  std::string contents = data.substr(h.offset, h.size);
  mutate(&contents);
  ASSERT_EQ(contents.size(), h.size);
  contents.push_back(static_cast<char>(BlockType::kRaw));
  const uint32_t check = Checksum(contents.data(), contents.size());
  data.replace(h.offset, contents.size(), contents);
  EncodeFixed32(&data[h.offset + h.size + 1], check);
  ASSERT_TRUE(WriteStringToFileSync(fs, data, path).ok());
}

TEST_F(TableTest, MalformedEntryWithValidChecksumGetReportsCorruption) {
  TableOptions options;
  options.lz4 = false;
  const Entries entries = MakeEntries(300);
  Build(options, entries);
  // The first entry is a restart point; claim it shares 5 bytes with a
  // previous key that does not exist.
  RewriteFirstDataBlock(fs_, path_, [](std::string* c) { (*c)[0] = 5; });
  ASSERT_TRUE(Open().ok());
  GetResult r = Get(ExtractUserKey(entries[0].first));
  EXPECT_TRUE(r.status.IsCorruption()) << r.status.ToString();
  EXPECT_FALSE(r.found);
  // Keys in later blocks still read.
  GetResult last = Get(ExtractUserKey(entries.back().first));
  ASSERT_TRUE(last.status.ok());
  EXPECT_EQ(last.value, entries.back().second);
}

// Regression: when a data block's iterator failed (a malformed entry in a
// block whose checksum holds, or damage read with verify_checksums off),
// TableIterator dropped the block iterator and with it the only copy of the
// error, so a scan ended early with an OK status.
TEST_F(TableTest, MalformedEntryWithValidChecksumIteratorReportsCorruption) {
  TableOptions options;
  options.lz4 = false;
  const Entries entries = MakeEntries(300);
  Build(options, entries);
  RewriteFirstDataBlock(fs_, path_, [](std::string* c) { (*c)[0] = 5; });
  ASSERT_TRUE(Open().ok());

  auto it = table_->NewIterator(TableReadOptions());
  it->SeekToFirst();
  EXPECT_FALSE(it->Valid());
  EXPECT_TRUE(it->status().IsCorruption()) << it->status().ToString();

  it = table_->NewIterator(TableReadOptions());
  it->Seek(entries[0].first);
  EXPECT_FALSE(it->Valid());
  EXPECT_TRUE(it->status().IsCorruption()) << it->status().ToString();

  // Backward: the later blocks read, then the bad first block must be reported.
  it = table_->NewIterator(TableReadOptions());
  size_t n = entries.size();
  for (it->SeekToLast(); it->Valid(); it->Prev()) {
    ASSERT_GT(n, 0u);
    ASSERT_EQ(it->key(), entries[--n].first);
  }
  EXPECT_GT(n, 0u);
  EXPECT_TRUE(it->status().IsCorruption()) << it->status().ToString();
}

// The same regression seen through verify_checksums = false: a flipped length byte
// in a data block ends a scan early with an OK status.
TEST_F(TableTest, UnverifiedDamagedBlockIteratorReportsCorruption) {
  TableOptions options;
  options.lz4 = false;
  const Entries entries = MakeEntries(300);
  Build(options, entries);
  // Entry 0's value length (third varint) made huge: runs past the block.
  const BlockHandle h = FirstDataBlock(fs_, path_);
  ASSERT_GT(h.size, 3u);
  ASSERT_TRUE(test::CorruptByte(path_, static_cast<long long>(h.offset + 2)));
  ASSERT_TRUE(Open().ok());
  TableReadOptions ro;
  ro.verify_checksums = false;
  auto it = table_->NewIterator(ro);
  size_t n = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next()) n++;
  EXPECT_LT(n, entries.size());
  EXPECT_TRUE(it->status().IsCorruption()) << it->status().ToString() << " after " << n;
}

// Regression: Table::ReadDataBlock cached blocks read with
// verify_checksums = false, and a later verifying read was served the
// damaged block from the cache. Only verified blocks are cached now.
TEST_F(TableTest, UnverifiedReadDoesNotPoisonTheCache) {
  TableOptions options;
  options.lz4 = false;
  const Entries entries = MakeEntries(300);
  Build(options, entries);
  // Flip a byte inside entry 0's value: the block still parses.
  ASSERT_TRUE(test::CorruptByte(path_, 3 + 17 + 2));
  BlockCache cache(8 << 20);
  ASSERT_TRUE(Open(&cache).ok());
  TableReadOptions unverified;
  unverified.verify_checksums = false;
  GetResult r0 = Get(ExtractUserKey(entries[0].first), kMaxSequenceNumber, unverified);
  ASSERT_TRUE(r0.status.ok());
  ASSERT_NE(r0.value, entries[0].second) << "the flip should have hit the value";
  // A verifying read must not return the damaged value.
  GetResult r1 = Get(ExtractUserKey(entries[0].first));
  EXPECT_TRUE(r1.status.IsCorruption()) << r1.status.ToString() << " value " << r1.value;
}

TEST_F(TableTest, DamagedFooterMagic) {
  Build(TableOptions(), MakeEntries(100));
  const long long size = test::FileSize(path_);
  for (long long i = size - 8; i < size; i++) {
    ASSERT_TRUE(test::CorruptByte(path_, i));
    Status s = Open();
    EXPECT_TRUE(s.IsCorruption()) << i << " " << s.ToString();
    EXPECT_EQ(table_, nullptr);
    ASSERT_TRUE(test::CorruptByte(path_, i));
  }
  EXPECT_TRUE(Open().ok());
}

TEST_F(TableTest, DamagedFooterHandles) {
  Build(TableOptions(), MakeEntries(100));
  const long long size = test::FileSize(path_);
  // Any byte of the handles, version or footer checksum.
  for (long long i = size - static_cast<long long>(kFooterSize); i < size - 8; i++) {
    ASSERT_TRUE(test::CorruptByte(path_, i));
    Status s = Open();
    EXPECT_FALSE(s.ok()) << i;
    EXPECT_TRUE(s.IsCorruption()) << i << " " << s.ToString();
    ASSERT_TRUE(test::CorruptByte(path_, i));
  }
  EXPECT_TRUE(Open().ok());
}

TEST_F(TableTest, DamagedMetadataBlocks) {
  Build(TableOptions(), MakeEntries(300));
  const Footer footer = ReadFooter();
  ASSERT_GT(footer.filter.size, 0u);
  // Metadata blocks are always verified, whatever the read options.
  for (const BlockHandle& h : {footer.index, footer.filter, footer.properties}) {
    for (uint64_t off : {h.offset, h.offset + h.size / 2, h.offset + h.size + 2}) {
      ASSERT_TRUE(test::CorruptByte(path_, static_cast<long long>(off)));
      Status s = Open();
      EXPECT_TRUE(s.IsCorruption()) << off << " " << s.ToString();
      ASSERT_TRUE(test::CorruptByte(path_, static_cast<long long>(off)));
    }
  }
  EXPECT_TRUE(Open().ok());
}

TEST_F(TableTest, FileShorterThanFooter) {
  Build(TableOptions(), MakeEntries(100));
  const long long size = test::FileSize(path_);
  for (long long n : {0LL, 1LL, 8LL, static_cast<long long>(kFooterSize) - 1}) {
    ASSERT_TRUE(test::TruncateFile(path_, n));
    Status s = Open();
    EXPECT_TRUE(s.IsCorruption()) << n << " " << s.ToString();
  }
  // Cut by a few bytes: the footer is read from the wrong place.
  Build(TableOptions(), MakeEntries(100));
  ASSERT_TRUE(test::TruncateFile(path_, size - 3));
  EXPECT_TRUE(Open().IsCorruption());
}

TEST_F(TableTest, FooterEncodeDecode) {
  Footer f;
  f.index = {1234, 56};
  f.filter = {0, 0};
  f.properties = {uint64_t{1} << 40, 7};
  std::string enc;
  f.EncodeTo(&enc);
  ASSERT_EQ(enc.size(), kFooterSize);
  Footer g;
  ASSERT_TRUE(g.DecodeFrom(enc).ok());
  EXPECT_EQ(g.index.offset, 1234u);
  EXPECT_EQ(g.index.size, 56u);
  EXPECT_EQ(g.filter.size, 0u);
  EXPECT_EQ(g.properties.offset, uint64_t{1} << 40);
  EXPECT_EQ(g.properties.size, 7u);
  EXPECT_TRUE(g.DecodeFrom(std::string_view(enc).substr(1)).IsCorruption());
}

}  // namespace
}  // namespace lsm
