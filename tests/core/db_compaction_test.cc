// Leveled compaction, seen from outside the engine: space amplification
// after heavy overwriting, level 0 bounded by the stop trigger, data spread
// over several non-overlapping levels, trivial moves, CompactRange on a sub
// range and with snapshots, ApproximateSize, and the removal of obsolete
// table files.
//
// Figures come from DB::GetStats() and "lsm.num-files-at-level<N>"; table files
// are also opened directly (core/table) and the MANIFEST read back
// (VersionSet) to check what the properties cannot show: which user keys a
// file holds, and the exact level structure.
//
// Comments starting "Regression" mark core bugs this suite found, now fixed.
//
// Environment:
//   LSM_SPACE_KEYS    keys of the space-amplification test (default 200000;
//                     10000 under ThreadSanitizer)
//   LSM_SPACE_ROUNDS  times each key is written (default 10)
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "core/db/db.h"
#include "core/db/filename.h"
#include "core/db/stats.h"
#include "core/db/version_set.h"
#include "core/table/table.h"
#include "tests/core/gated_fs.h"
#include "tests/core/test_util.h"

namespace lsm {
namespace {

namespace fs = std::filesystem;
using test::FlagScope;
using test::Gate;
using test::GatedFS;
using test::t_gated_thread;
using test::t_test_thread;
using test::WaitForIdle;

long long EnvInt(const char* name, long long def) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') return def;
  return std::strtoll(v, nullptr, 10);
}

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

// --------------------------------------------------------------- keys, values

// 16-byte keys.
std::string Key(uint64_t i) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "key-%012llu", static_cast<unsigned long long>(i));
  return buf;
}

uint64_t SplitMix(uint64_t* x) {
  uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// 100 bytes, half-compressible: 50 pseudo-random bytes (a function of key
// and round) written twice.
std::string HalfCompressibleValue(uint64_t key, uint64_t round) {
  uint64_t state = key * 1000003u + round * 7919u + 17;
  std::string half(50, '\0');
  for (size_t i = 0; i < half.size(); i += 8) {
    uint64_t r = SplitMix(&state);
    for (size_t j = 0; j < 8 && i + j < half.size(); j++)
      half[i + j] = static_cast<char>(r >> (8 * j));
  }
  return half + half;
}

// Incompressible filler of len bytes, tagged with a prefix.
std::string RandomValue(std::mt19937_64& rng, const std::string& prefix, size_t len) {
  std::string v = prefix;
  while (v.size() < len) v.push_back(static_cast<char>('!' + rng() % 90));
  return v;
}

// ----------------------------------------------------------------- stats

// "lsm.stats", the text for people: shown in failure messages and the log.
// Checks read the numbers from DB::GetStats().
std::string Stats(DB* db) {
  std::string s;
  EXPECT_TRUE(db->GetProperty("lsm.stats", &s));
  return s;
}

int FilesAtLevel(DB* db, int level) {
  std::string v;
  EXPECT_TRUE(db->GetProperty("lsm.num-files-at-level" + std::to_string(level), &v));
  return std::atoi(v.c_str());
}

int TotalFiles(DB* db) {
  int n = 0;
  for (int level = 0; level < kNumLevels; level++) n += FilesAtLevel(db, level);
  return n;
}

std::string FilesPerLevel(DB* db) {
  std::string out;
  for (int level = 0; level < kNumLevels; level++) {
    if (level > 0) out += ",";
    out += std::to_string(FilesAtLevel(db, level));
  }
  return out;
}

// ------------------------------------------------------------ table files

struct SstFile {
  uint64_t number = 0;
  std::string name;
  uint64_t size = 0;
};

std::vector<SstFile> SstFiles(const std::string& dir) {
  std::vector<SstFile> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    std::string name = e.path().filename().string();
    uint64_t number;
    FileType type;
    if (!ParseFileName(name, &number, &type) || type != FileType::kTable) continue;
    std::error_code ec2;
    uint64_t size = fs::file_size(e.path(), ec2);
    out.push_back({number, name, ec2 ? 0 : size});
  }
  std::sort(out.begin(), out.end(),
            [](const SstFile& a, const SstFile& b) { return a.number < b.number; });
  return out;
}

// Whether the table files on disk are exactly those the current version
// lists. Call it after WaitForCompactions (WaitForIdle), which returns only
// once the files background work made obsolete are deleted, and with no
// iterator open (an iterator keeps the tables of its version).
::testing::AssertionResult TablesOnDiskAreListed(DB* db, const std::string& dir) {
  const size_t on_disk = SstFiles(dir).size();
  const size_t listed = static_cast<size_t>(TotalFiles(db));
  if (on_disk == listed) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << on_disk << " table files on disk, " << listed
                                       << " listed; files/level " << FilesPerLevel(db);
}

uint64_t SstBytes(const std::string& dir) {
  uint64_t n = 0;
  for (const auto& f : SstFiles(dir)) n += f.size;
  return n;
}

std::set<std::string> SstNames(const std::string& dir) {
  std::set<std::string> out;
  for (const auto& f : SstFiles(dir)) out.insert(f.name);
  return out;
}

struct TableEntry {
  std::string user_key;
  SequenceNumber sequence;
  ValueType type;
};

// Every entry of one table file, read directly (not through the DB).
struct TableContents {
  uint64_t number = 0;
  std::string smallest, largest;  // user keys
  std::vector<TableEntry> entries;
};

TableContents ReadTable(const std::string& dir, const SstFile& f) {
  TableContents out;
  out.number = f.number;
  FileSystem* fsys = FileSystem::Default();
  std::unique_ptr<RandomAccessFile> file;
  Status s = fsys->NewRandomAccessFile(dir + "/" + f.name, &file);
  EXPECT_TRUE(s.ok()) << s.ToString();
  if (!s.ok()) return out;
  std::shared_ptr<Table> table;
  s = Table::Open(std::move(file), f.size, f.number, nullptr, nullptr, &table);
  EXPECT_TRUE(s.ok()) << f.name << ": " << s.ToString();
  if (!s.ok()) return out;
  auto it = table->NewIterator(TableReadOptions());
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    ParsedInternalKey k;
    EXPECT_TRUE(ParseInternalKey(it->key(), &k));
    out.entries.push_back({std::string(k.user_key), k.sequence, k.type});
  }
  EXPECT_TRUE(it->status().ok()) << it->status().ToString();
  if (!out.entries.empty()) {
    out.smallest = out.entries.front().user_key;
    out.largest = out.entries.back().user_key;
  }
  return out;
}

std::vector<TableContents> ReadAllTables(const std::string& dir) {
  std::vector<TableContents> out;
  for (const auto& f : SstFiles(dir)) out.push_back(ReadTable(dir, f));
  return out;
}

// Per user key in [lo, hi], how many entries all the tables hold.
std::map<std::string, int> VersionsInRange(const std::vector<TableContents>& tables,
                                           const std::string& lo, const std::string& hi) {
  std::map<std::string, int> out;
  for (const auto& t : tables) {
    for (const auto& e : t.entries) {
      if (e.user_key >= lo && e.user_key <= hi) out[e.user_key]++;
    }
  }
  return out;
}

// The level structure recorded in the MANIFEST of a closed database.
struct ManifestLevels {
  Status status;
  // Per level: (number, smallest user key, largest user key), in level order.
  std::vector<std::vector<std::tuple<uint64_t, std::string, std::string>>> files;
};

ManifestLevels ReadManifest(const std::string& dir) {
  ManifestLevels out;
  VersionSet vs(dir, FileSystem::Default());
  out.status = vs.Recover();
  if (!out.status.ok()) return out;
  auto v = vs.current();
  out.files.resize(kNumLevels);
  for (int level = 0; level < kNumLevels; level++) {
    for (const auto& f : v->files(level)) {
      out.files[level].emplace_back(f->number, std::string(ExtractUserKey(f->smallest)),
                                    std::string(ExtractUserKey(f->largest)));
    }
  }
  return out;
}

// ------------------------------------------------------------------ fixture

class DBCompactionTest : public test::DbDirTest {
 protected:
  void TearDown() override {
    test::DbDirTest::TearDown();
    if (!HasFailure()) {
      for (const auto& d : extra_dirs_) test::RemoveAll(d);
    }
  }

  void Open() {
    db_.reset();
    Status s = DB::Open(options_, dir_, &db_);
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  void Close() { db_.reset(); }

  void Put(const std::string& k, const std::string& v) {
    Status s = db_->Put(WriteOptions(), k, v);
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  std::string Get(const std::string& k, const Snapshot* snap = nullptr) {
    return test::ReadValue(db_.get(), k, snap);
  }
  std::map<std::string, std::string> Contents(const Snapshot* snap = nullptr) {
    return test::ReadAll(db_.get(), snap);
  }
  void CompactAll() {
    Status s = db_->CompactRange(nullptr, nullptr);
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  uint64_t ApproxSize(const std::string* b, const std::string* e) {
    uint64_t n = ~uint64_t{0};
    Status s = db_->ApproximateSize(b, e, &n);
    EXPECT_TRUE(s.ok()) << s.ToString();
    return n;
  }
  std::string NewDir(const std::string& suffix) {
    std::string d = dir_ + "-" + suffix;
    test::RemoveAll(d);
    extra_dirs_.push_back(d);
    return d;
  }

  std::vector<std::string> extra_dirs_;
  Options options_;
};

// ------------------------------------------------------------------- space

// Overwrites N keys `rounds` times, compacts everything, and compares the
// table bytes with those of a database holding only the final values.
TEST_F(DBCompactionTest, SpaceAmplificationAfterOverwrites) {
  // Under ThreadSanitizer (5-15x slower) the default is a tenth.
  const long long n = EnvInt("LSM_SPACE_KEYS", test::kThreadSanitizer ? 10000 : 200000);
  const long long rounds = EnvInt("LSM_SPACE_ROUNDS", 10);
  ASSERT_GT(n, 0);
  ASSERT_GT(rounds, 0);
  options_.write_buffer_size = 4 << 20;
  options_.max_bytes_for_level_base = 8 << 20;
  options_.target_file_size = 2 << 20;
  Open();

  const auto start = std::chrono::steady_clock::now();
  std::mt19937_64 rng(301);
  std::vector<uint64_t> order(static_cast<size_t>(n));
  for (size_t i = 0; i < order.size(); i++) order[i] = i;
  for (long long r = 0; r < rounds; r++) {
    std::shuffle(order.begin(), order.end(), rng);
    for (uint64_t i : order) {
      Status s = db_->Put(WriteOptions(), Key(i), HalfCompressibleValue(i, r));
      ASSERT_TRUE(s.ok()) << s.ToString();
    }
  }
  const double write_secs = Seconds(start);
  const auto levels_before = FilesPerLevel(db_.get());
  const uint64_t sst_before = SstBytes(dir_);

  CompactAll();
  ASSERT_TRUE(WaitForIdle(db_.get(), options_.level0_compaction_trigger));
  const double compact_secs = Seconds(start) - write_secs;

  const DBStats st = db_->GetStats();
  const std::string stats = FormatStats(st);
  const auto& rows = st.levels;
  EXPECT_EQ(rows[0].files, 0) << "level 0 must be empty after a full compaction\n" << stats;
  CompactionPicker picker(options_);
  uint64_t table_bytes = 0;
  for (int level = 1; level < kNumLevels; level++) {
    uint64_t expected_target = options_.max_bytes_for_level_base;
    for (int l = 1; l < level; l++) expected_target *= options_.level_size_multiplier;
    EXPECT_EQ(rows[level].target_bytes, expected_target) << "level " << level;
    EXPECT_EQ(picker.MaxBytesForLevel(level), expected_target);
    EXPECT_LE(rows[level].bytes, expected_target) << "level " << level << " over its target\n"
                                                  << stats;
    table_bytes += rows[level].bytes;
  }
  const uint64_t sst = SstBytes(dir_);
  EXPECT_EQ(table_bytes, st.TableBytes());
  EXPECT_EQ(sst, table_bytes) << "table files on disk that the current version does not list";

  // Every value reads back, by point reads and by a scan.
  for (long long i = 0; i < n; i++) {
    std::string v;
    Status s = db_->Get(ReadOptions(), Key(static_cast<uint64_t>(i)), &v);
    ASSERT_TRUE(s.ok()) << Key(static_cast<uint64_t>(i)) << ": " << s.ToString();
    ASSERT_EQ(v, HalfCompressibleValue(static_cast<uint64_t>(i), static_cast<uint64_t>(rounds - 1)))
        << Key(static_cast<uint64_t>(i));
  }
  {
    auto it = db_->NewIterator(ReadOptions());
    long long seen = 0;
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      ASSERT_EQ(it->key(), Key(static_cast<uint64_t>(seen)));
      seen++;
    }
    ASSERT_TRUE(it->status().ok());
    EXPECT_EQ(seen, n);
  }

  // Live data: the final values alone, in a fresh database, fully compacted.
  uint64_t live = 0;
  {
    std::unique_ptr<DB> ref;
    const std::string ref_dir = NewDir("live");
    ASSERT_TRUE(DB::Open(options_, ref_dir, &ref).ok());
    for (long long i = 0; i < n; i++) {
      ASSERT_TRUE(ref->Put(WriteOptions(), Key(static_cast<uint64_t>(i)),
                           HalfCompressibleValue(static_cast<uint64_t>(i),
                                                 static_cast<uint64_t>(rounds - 1)))
                      .ok());
    }
    ASSERT_TRUE(ref->CompactRange(nullptr, nullptr).ok());
    ASSERT_TRUE(WaitForIdle(ref.get(), options_.level0_compaction_trigger));
    live = SstBytes(ref_dir);
  }
  ASSERT_GT(live, 0u);
  const double ratio = static_cast<double>(sst) / static_cast<double>(live);
  const double raw = static_cast<double>(n) * (16 + 100);
  std::printf(
      "[space] keys=%lld rounds=%lld writes=%lld write=%.1fs compact=%.1fs\n"
      "[space] before CompactRange: files/level=%s sst-bytes=%llu (%.2fx live)\n"
      "[space] after: files/level=%s sst-bytes=%llu live-bytes=%llu ratio=%.3f "
      "(raw key+value bytes %.0f, live/raw=%.3f)\n"
      "[space] write-amplification=%.2f space-amplification(stats)=%.2f "
      "stall-micros=%.0f slowdowns=%.0f stops=%.0f\n",
      n, rounds, n * rounds, write_secs, compact_secs, levels_before.c_str(),
      static_cast<unsigned long long>(sst_before),
      static_cast<double>(sst_before) / static_cast<double>(live), FilesPerLevel(db_.get()).c_str(),
      static_cast<unsigned long long>(sst), static_cast<unsigned long long>(live), ratio, raw,
      static_cast<double>(live) / raw, st.WriteAmplification(), st.SpaceAmplification(),
      static_cast<double>(st.stall_micros), static_cast<double>(st.slowdowns),
      static_cast<double>(st.stops));
  std::printf("%s", stats.c_str());
  RecordProperty("sst_bytes", std::to_string(sst));
  RecordProperty("live_bytes", std::to_string(live));
  RecordProperty("space_ratio", std::to_string(ratio));
  RecordProperty("write_amplification", std::to_string(st.WriteAmplification()));
  EXPECT_LE(ratio, 1.1) << stats;
}

// ------------------------------------------------------------- level 0

// Random overwrites with a small write buffer and low triggers: level 0
// never holds more files than the stop trigger, and every write succeeds.
TEST_F(DBCompactionTest, Level0NeverExceedsStopTrigger) {
  options_.write_buffer_size = 256 << 10;
  options_.level0_compaction_trigger = 2;
  options_.level0_slowdown_trigger = 4;
  options_.level0_stop_trigger = 6;
  options_.max_bytes_for_level_base = 1 << 20;
  options_.target_file_size = 256 << 10;
  Open();

  // Level 0 as seen after every write (on this thread: no sampler thread
  // paced by the clock). A flush can add a table between two looks; the
  // engine's own record (level0-max-files, kept at every flush) is exact,
  // and both are checked.
  int max_l0 = 0;
  long samples = 0;
  std::mt19937_64 rng(7);
  const int kKeys = 20000;
  const size_t total = 24 << 20;  // bytes written
  size_t written = 0;
  long writes = 0;
  Status failed;
  while (written < total && failed.ok()) {
    uint64_t k = rng() % kKeys;
    std::string v = RandomValue(rng, "v", 200);
    Status s = db_->Put(WriteOptions(), Key(k), v);
    if (!s.ok()) failed = s;
    written += v.size() + 16;
    writes++;
    max_l0 = std::max(max_l0, FilesAtLevel(db_.get(), 0));
    samples++;
  }
  ASSERT_TRUE(failed.ok()) << failed.ToString();
  const DBStats st = db_->GetStats();
  const std::string stats = FormatStats(st);
  std::printf(
      "[l0] writes=%ld samples=%ld max-level0-files=%d (stop trigger %d) slowdowns=%llu "
      "stops=%llu\n",
      writes, samples, max_l0, options_.level0_stop_trigger,
      static_cast<unsigned long long>(st.slowdowns), static_cast<unsigned long long>(st.stops));
  EXPECT_GT(samples, 0);
  EXPECT_LE(max_l0, options_.level0_stop_trigger) << stats;
  EXPECT_LE(FilesAtLevel(db_.get(), 0), options_.level0_stop_trigger);
  // The engine's own record, kept at every flush: exact. 24 MiB through
  // 256 KiB buffers flushed many times, so it has seen level 0 non-empty.
  EXPECT_GE(st.level0_max_files, 1) << stats;
  EXPECT_LE(st.level0_max_files, options_.level0_stop_trigger) << stats;
}

// Compaction deliberately starved (one background thread, a tiny level-1
// target): writes are slowed or stopped, never failed, and level 0 stays
// within the stop trigger.
TEST_F(DBCompactionTest, StarvedCompactionSlowsOrStopsWrites) {
  options_.write_buffer_size = 256 << 10;
  options_.background_threads = 1;
  options_.max_bytes_for_level_base = 64 << 10;
  options_.target_file_size = 64 << 10;
  options_.level0_compaction_trigger = 2;
  options_.level0_slowdown_trigger = 4;
  options_.level0_stop_trigger = 6;
  options_.compression = Compression::kNone;
  Open();

  // Level 0 as seen after every batch (see Level0NeverExceedsStopTrigger),
  // and the engine's exact record below.
  int max_l0 = 0;
  std::mt19937_64 rng(11);
  size_t written = 0;
  const size_t cap = 96 << 20;
  Status failed;
  // Write until the engine pushes back (bounded, so a fast machine cannot
  // make this loop forever).
  long batches = 0;
  while (written < cap && failed.ok()) {
    WriteBatch batch;
    for (int j = 0; j < 16; j++) {
      std::string v = RandomValue(rng, "s", 1000);
      batch.Put(Key(rng() % 100000), v);
      written += v.size() + 16;
    }
    Status s = db_->Write(WriteOptions(), batch);
    if (!s.ok()) failed = s;
    max_l0 = std::max(max_l0, FilesAtLevel(db_.get(), 0));
    if (++batches % 64 == 0 && written >= (8u << 20)) {
      const DBStats now = db_->GetStats();
      if (now.slowdowns + now.stops > 0) break;
    }
  }
  ASSERT_TRUE(failed.ok()) << failed.ToString();
  const DBStats st = db_->GetStats();
  const std::string stats = FormatStats(st);
  std::printf(
      "[starved] written=%zu MiB slowdowns=%llu stops=%llu stall-micros=%llu max-level0=%d\n",
      written >> 20, static_cast<unsigned long long>(st.slowdowns),
      static_cast<unsigned long long>(st.stops), static_cast<unsigned long long>(st.stall_micros),
      max_l0);
  EXPECT_GT(st.slowdowns + st.stops, 0u) << stats;
  EXPECT_GT(st.stall_micros, 0u) << stats;
  EXPECT_LE(max_l0, options_.level0_stop_trigger) << stats;
  EXPECT_LE(st.level0_max_files, options_.level0_stop_trigger) << stats;
  // Once writes stop, compaction catches up.
  ASSERT_TRUE(WaitForIdle(db_.get(), options_.level0_compaction_trigger));
  EXPECT_LT(FilesAtLevel(db_.get(), 0), options_.level0_compaction_trigger);
}

// ---------------------------------------------------------- multi-level

TEST_F(DBCompactionTest, DataSpreadsOverNonOverlappingLevels) {
  options_.write_buffer_size = 128 << 10;
  options_.max_bytes_for_level_base = 256 << 10;
  options_.target_file_size = 64 << 10;
  options_.compression = Compression::kNone;
  Open();

  std::mt19937_64 rng(5);
  std::map<std::string, std::string> model;
  const int kKeys = 40000;
  for (int i = 0; i < 60000; i++) {
    std::string k = Key(rng() % kKeys);
    std::string v = RandomValue(rng, k + ":", 120);
    Put(k, v);
    model[k] = v;
  }
  ASSERT_TRUE(db_->Flush().ok());
  ASSERT_TRUE(WaitForIdle(db_.get(), options_.level0_compaction_trigger));
  const DBStats st = db_->GetStats();
  const auto& rows = st.levels;
  int deep_files = 0;
  for (int level = 2; level < kNumLevels; level++) deep_files += rows[level].files;
  const std::string stats = Stats(db_.get());
  std::printf("[multilevel] files/level=%s\n%s", FilesPerLevel(db_.get()).c_str(), stats.c_str());
  EXPECT_GT(deep_files, 0) << stats;
  for (int level = 1; level < kNumLevels; level++) {
    EXPECT_EQ(rows[level].files, FilesAtLevel(db_.get(), level));
    EXPECT_LT(rows[level].bytes, rows[level].target_bytes)
        << "level " << level << " left over its target\n"
        << stats;
  }
  // Files listed == files on disk.
  EXPECT_TRUE(TablesOnDiskAreListed(db_.get(), dir_));
  EXPECT_EQ(Contents(), model);

  std::vector<int> counts;
  for (int level = 0; level < kNumLevels; level++) counts.push_back(FilesAtLevel(db_.get(), level));
  Close();

  // The MANIFEST's levels: files of levels >= 1 ordered and disjoint.
  ManifestLevels m = ReadManifest(dir_);
  ASSERT_TRUE(m.status.ok()) << m.status.ToString();
  for (int level = 0; level < kNumLevels; level++) {
    EXPECT_EQ(static_cast<int>(m.files[level].size()), counts[level]) << "level " << level;
    if (level == 0) continue;
    for (size_t i = 1; i < m.files[level].size(); i++) {
      EXPECT_LT(std::get<2>(m.files[level][i - 1]), std::get<1>(m.files[level][i]))
          << "level " << level << ": files " << std::get<0>(m.files[level][i - 1]) << " and "
          << std::get<0>(m.files[level][i]) << " overlap";
    }
  }
  // Each table holds only keys within its recorded range, each key once per
  // level at most (no snapshots were held, so one version per level).
  std::map<uint64_t, int> level_of;
  for (int level = 0; level < kNumLevels; level++) {
    for (const auto& f : m.files[level]) level_of[std::get<0>(f)] = level;
  }
  for (const auto& t : ReadAllTables(dir_)) {
    ASSERT_EQ(level_of.count(t.number), 1u) << "table " << t.number << " is listed nowhere";
    if (level_of[t.number] == 0) continue;  // flushed memtables keep every version
    std::set<std::string> keys;
    for (const auto& e : t.entries)
      EXPECT_TRUE(keys.insert(e.user_key).second) << t.number << " " << e.user_key;
  }

  // Reopening validates the MANIFEST (overlapping files would be
  // Corruption), and the data is all there.
  Open();
  EXPECT_EQ(Contents(), model);
  for (int level = 0; level < kNumLevels; level++)
    EXPECT_EQ(FilesAtLevel(db_.get(), level), counts[level]);
}

// Sequential inserts into an empty database: level-1 files never overlap
// the level below, so they move down without being rewritten.
TEST_F(DBCompactionTest, SequentialInsertsMoveFilesTrivially) {
  options_.write_buffer_size = 64 << 10;
  options_.max_bytes_for_level_base = 128 << 10;
  options_.target_file_size = 32 << 10;
  options_.compression = Compression::kNone;
  Open();
  std::mt19937_64 rng(9);
  std::vector<std::string> values;
  for (int i = 0; i < 20000; i++) {
    values.push_back(RandomValue(rng, "", 100));
    Put(Key(static_cast<uint64_t>(i)), values.back());
  }
  ASSERT_TRUE(db_->Flush().ok());
  ASSERT_TRUE(WaitForIdle(db_.get(), options_.level0_compaction_trigger));
  const DBStats st = db_->GetStats();
  const auto& rows = st.levels;
  uint64_t moved = 0;
  for (const auto& r : rows) moved += r.moved_bytes;
  std::printf("[trivial] files/level=%s moved-bytes=%llu\n%s", FilesPerLevel(db_.get()).c_str(),
              static_cast<unsigned long long>(moved), Stats(db_.get()).c_str());
  EXPECT_GT(moved, 0u) << Stats(db_.get());
  EXPECT_EQ(rows[0].moved_bytes, 0u);  // nothing moves into level 0
  for (int i = 0; i < 20000; i += 7)
    ASSERT_EQ(Get(Key(static_cast<uint64_t>(i))), values[static_cast<size_t>(i)]);
  Close();
  Open();  // validates the levels
  for (int i = 0; i < 20000; i += 7)
    ASSERT_EQ(Get(Key(static_cast<uint64_t>(i))), values[static_cast<size_t>(i)]);
}

// ------------------------------------------------------- CompactRange

// CompactRange on a sub range rewrites only files that hold keys of the
// range, and leaves one version of every key in it.
TEST_F(DBCompactionTest, CompactRangeRewritesOnlyTheRange) {
  options_.write_buffer_size = 64 << 10;
  options_.target_file_size = 16 << 10;
  options_.max_bytes_for_level_base = 64 << 20;  // no automatic level-1 compactions
  options_.level0_compaction_trigger = 100;      // nor level-0 ones
  options_.level0_slowdown_trigger = 200;
  options_.level0_stop_trigger = 300;
  options_.compression = Compression::kNone;
  Open();
  std::mt19937_64 rng(13);
  std::map<std::string, std::string> model;
  for (int i = 0; i < 10000; i++) {
    std::string k = Key(static_cast<uint64_t>(i));
    model[k] = RandomValue(rng, "a", 100);
    Put(k, model[k]);
  }
  CompactAll();
  ASSERT_GT(FilesAtLevel(db_.get(), 1), 20);
  const std::string lo = Key(4000), hi = Key(4999);
  for (int round = 0; round < 3; round++) {
    for (int i = 4000; i < 5000; i++) {
      std::string k = Key(static_cast<uint64_t>(i));
      model[k] = RandomValue(rng, "r" + std::to_string(round), 100);
      Put(k, model[k]);
    }
    ASSERT_TRUE(db_->Flush().ok());
  }
  ASSERT_GE(FilesAtLevel(db_.get(), 0), 3);
  const uint64_t range_before = ApproxSize(&lo, &hi);
  const std::vector<TableContents> before = ReadAllTables(dir_);
  {
    auto versions = VersionsInRange(before, lo, hi);
    ASSERT_EQ(versions.size(), 1000u);
    for (const auto& [k, n] : versions) ASSERT_EQ(n, 4) << k;
  }

  ASSERT_TRUE(db_->CompactRange(&lo, &hi).ok());
  ASSERT_TRUE(WaitForIdle(db_.get(), options_.level0_compaction_trigger));

  const std::set<std::string> names_after = SstNames(dir_);
  int kept = 0, rewritten = 0;
  for (const auto& t : before) {
    bool still_there = false;
    for (const auto& n : names_after)
      still_there = still_there || std::strtoull(n.c_str(), nullptr, 10) == t.number;
    const bool overlaps = !(t.largest < lo || t.smallest > hi);
    if (!overlaps) {
      EXPECT_TRUE(still_there) << "table " << t.number << " [" << t.smallest << ", " << t.largest
                               << "] lies outside the range but was rewritten";
      kept++;
    } else {
      EXPECT_FALSE(still_there) << "table " << t.number << " [" << t.smallest << ", " << t.largest
                                << "] holds keys of the range but was not rewritten";
      rewritten++;
    }
  }
  EXPECT_GT(kept, 10);
  EXPECT_GT(rewritten, 3);
  EXPECT_EQ(FilesAtLevel(db_.get(), 0), 0);

  const std::vector<TableContents> after = ReadAllTables(dir_);
  auto versions = VersionsInRange(after, lo, hi);
  EXPECT_EQ(versions.size(), 1000u);
  for (const auto& [k, n] : versions) EXPECT_EQ(n, 1) << k << " keeps overwritten versions";
  const uint64_t range_after = ApproxSize(&lo, &hi);
  std::printf("[subrange] tables kept=%d rewritten=%d approx-size of range %llu -> %llu\n", kept,
              rewritten, static_cast<unsigned long long>(range_before),
              static_cast<unsigned long long>(range_after));
  EXPECT_LT(range_after, range_before / 2);
  EXPECT_EQ(Contents(), model);
  Close();
  Open();
  EXPECT_EQ(Contents(), model);
}

// A snapshot taken before overwrites and deletions reads its values after a
// full compaction; once released, a compaction reclaims their space.
TEST_F(DBCompactionTest, SnapshotSurvivesFullCompactionThenSpaceIsReclaimed) {
  options_.write_buffer_size = 64 << 10;
  options_.target_file_size = 32 << 10;
  options_.max_bytes_for_level_base = 256 << 10;
  options_.compression = Compression::kNone;
  Open();
  std::mt19937_64 rng(17);
  std::map<std::string, std::string> old_model, new_model;
  const int kKeys = 5000;
  for (int i = 0; i < kKeys; i++) {
    std::string k = Key(static_cast<uint64_t>(i));
    old_model[k] = RandomValue(rng, "old", 200);
    Put(k, old_model[k]);
  }
  const Snapshot* snap = db_->GetSnapshot();
  new_model = old_model;
  for (int i = 0; i < kKeys; i++) {
    std::string k = Key(static_cast<uint64_t>(i));
    if (i % 5 == 0) {
      ASSERT_TRUE(db_->Delete(WriteOptions(), k).ok());
      new_model.erase(k);
    } else {
      new_model[k] = RandomValue(rng, "new", 200);
      Put(k, new_model[k]);
    }
  }
  CompactAll();
  ASSERT_TRUE(WaitForIdle(db_.get(), options_.level0_compaction_trigger));
  EXPECT_EQ(FilesAtLevel(db_.get(), 0), 0);
  EXPECT_EQ(Contents(snap), old_model);
  EXPECT_EQ(Contents(), new_model);
  for (int i = 0; i < kKeys; i += 37) {
    std::string k = Key(static_cast<uint64_t>(i));
    EXPECT_EQ(Get(k, snap), old_model[k]);
    EXPECT_EQ(Get(k), new_model.count(k) ? new_model[k] : "NOT_FOUND");
  }
  const uint64_t with_snapshot = SstBytes(dir_);
  {
    auto versions = VersionsInRange(ReadAllTables(dir_), Key(0), Key(kKeys));
    for (const auto& [k, n] : versions)
      ASSERT_EQ(n, 2) << k << ": the snapshot needs exactly 2 versions";
  }

  db_->ReleaseSnapshot(snap);
  CompactAll();
  ASSERT_TRUE(WaitForIdle(db_.get(), options_.level0_compaction_trigger));
  const uint64_t released = SstBytes(dir_);
  std::printf("[snapshot] sst bytes with snapshot %llu, after release + compaction %llu\n",
              static_cast<unsigned long long>(with_snapshot),
              static_cast<unsigned long long>(released));
  // Old values (5000 x 200 B) and the deletions are gone; 4000 new values stay.
  EXPECT_LT(released, with_snapshot * 6 / 10);
  auto versions = VersionsInRange(ReadAllTables(dir_), Key(0), Key(kKeys));
  EXPECT_EQ(versions.size(), new_model.size()) << "deletions or deleted keys survived";
  for (const auto& [k, n] : versions) EXPECT_EQ(n, 1) << k;
  EXPECT_EQ(Contents(), new_model);
}

// -------------------------------------------------------- ApproximateSize

TEST_F(DBCompactionTest, ApproximateSize) {
  options_.write_buffer_size = 256 << 10;
  options_.target_file_size = 128 << 10;
  options_.max_bytes_for_level_base = 1 << 20;
  options_.compression = Compression::kNone;
  Open();
  // Data only in the memtable is not counted.
  Put(Key(0), "x");
  EXPECT_EQ(ApproxSize(nullptr, nullptr), 0u);

  std::mt19937_64 rng(19);
  const int kKeys = 4000;
  for (int i = 0; i < kKeys; i++) Put(Key(static_cast<uint64_t>(i)), RandomValue(rng, "", 1000));
  CompactAll();
  ASSERT_TRUE(WaitForIdle(db_.get(), options_.level0_compaction_trigger));

  const uint64_t all = ApproxSize(nullptr, nullptr);
  const uint64_t sst = SstBytes(dir_);
  EXPECT_LE(all, sst);
  EXPECT_GE(all, sst * 9 / 10);  // all but the tables' index and filter

  const std::string first = Key(0), mid = Key(kKeys / 2), past = Key(kKeys);
  const uint64_t lower = ApproxSize(nullptr, &mid);
  const uint64_t upper = ApproxSize(&mid, nullptr);
  EXPECT_GT(lower, all * 4 / 10);
  EXPECT_LT(lower, all * 6 / 10);
  EXPECT_GT(upper, all * 4 / 10);
  EXPECT_LT(upper, all * 6 / 10);
  // Halves add up to the whole (data blocks only, bounded or not; the block
  // holding `mid` may count in both).
  EXPECT_LE(lower + upper, all + 2 * options_.block_size);
  EXPECT_GE(lower + upper, all);
  EXPECT_EQ(ApproxSize(&first, nullptr), all);
  EXPECT_EQ(ApproxSize(nullptr, &first), 0u);

  // Empty ranges.
  EXPECT_EQ(ApproxSize(&mid, &mid), 0u);
  EXPECT_EQ(ApproxSize(&past, nullptr), 0u);
  const std::string before_all = "a", also_before = "b";
  EXPECT_EQ(ApproxSize(&before_all, &also_before), 0u);
  const std::string between = Key(100) + "x", next = Key(101);
  EXPECT_LE(ApproxSize(&between, &next), 2 * options_.block_size);

  // Grows with the range.
  uint64_t prev = 0;
  for (int i = 0; i <= kKeys; i += 250) {
    const std::string end = Key(static_cast<uint64_t>(i));
    const uint64_t n = ApproxSize(nullptr, &end);
    EXPECT_GE(n, prev) << "[begin, " << end << ")";
    // ~1 KB per key.
    EXPECT_GE(n + 4 * options_.block_size, static_cast<uint64_t>(i) * 1000) << end;
    EXPECT_LE(n, static_cast<uint64_t>(i) * 1100 + 4 * options_.block_size) << end;
    prev = n;
  }
}

// --------------------------------------------------------- obsolete files

// After compactions (one of them under an open iterator) the directory holds
// exactly the tables the current version lists, while open and after
// reopening.
TEST_F(DBCompactionTest, NoObsoleteTableFilesRemain) {
  options_.write_buffer_size = 64 << 10;
  options_.target_file_size = 32 << 10;
  options_.max_bytes_for_level_base = 256 << 10;
  Open();
  std::mt19937_64 rng(23);
  std::map<std::string, std::string> model;
  auto write_some = [&](int n) {
    for (int i = 0; i < n; i++) {
      std::string k = Key(rng() % 3000);
      model[k] = RandomValue(rng, k, 150);
      Put(k, model[k]);
    }
  };
  write_some(8000);
  ASSERT_TRUE(WaitForIdle(db_.get(), options_.level0_compaction_trigger));
  {
    // An iterator pins the tables of its version through a compaction.
    // (Idle: every table on disk is in the current version.)
    const std::set<std::string> pinned = SstNames(dir_);
    ASSERT_EQ(pinned.size(), static_cast<size_t>(TotalFiles(db_.get())));
    auto it = db_->NewIterator(ReadOptions());
    it->SeekToFirst();
    write_some(3000);
    CompactAll();
    const std::set<std::string> now = SstNames(dir_);
    for (const auto& n : pinned) EXPECT_EQ(now.count(n), 1u) << n << " deleted under an iterator";
    size_t scanned = 0;
    for (; it->Valid(); it->Next()) scanned++;
    EXPECT_TRUE(it->status().ok()) << it->status().ToString();
    EXPECT_GT(scanned, 0u);
  }
  ASSERT_TRUE(WaitForIdle(db_.get(), options_.level0_compaction_trigger));
  EXPECT_TRUE(TablesOnDiskAreListed(db_.get(), dir_));
  write_some(8000);
  CompactAll();
  ASSERT_TRUE(WaitForIdle(db_.get(), options_.level0_compaction_trigger));
  EXPECT_TRUE(TablesOnDiskAreListed(db_.get(), dir_));
  const size_t listed = static_cast<size_t>(TotalFiles(db_.get()));
  Close();
  Open();
  EXPECT_EQ(static_cast<size_t>(TotalFiles(db_.get())), listed);
  EXPECT_EQ(SstFiles(dir_).size(), listed);
  EXPECT_EQ(Contents(), model);
}

// Regression: a Get() (or ApproximateSize()) that held the current Version
// while a compaction replaced its tables let the Version die unnoticed, so
// the replaced tables stayed on disk until the next flush, compaction or
// open. Readers that let go last now delete them.
//
// Reproduction: three level-0 tables; a Get is held inside its first table
// read (file-system gate, block cache off); CompactRange(nullptr, nullptr)
// merges them into one table; the Get is released. Expected 1 table file on
// disk, found 4 (the 3 inputs are orphaned), before and after Close().
TEST_F(DBCompactionTest, TablesHeldByAGetAreDeletedWhenItReturns) {
  Gate gate;
  GatedFS gfs(&gate);
  test::CloseOnExit<DB> close_db(&db_);
  options_.fs = &gfs;
  options_.block_cache_size = 0;  // every Get reads the file
  options_.level0_compaction_trigger = 100;
  options_.level0_slowdown_trigger = 200;
  options_.level0_stop_trigger = 300;
  Open();
  for (int f = 0; f < 3; f++) {
    for (int i = 0; i < 100; i++) Put(Key(static_cast<uint64_t>(i)), "v" + std::to_string(f));
    ASSERT_TRUE(db_->Flush().ok());
  }
  ASSERT_EQ(SstFiles(dir_).size(), 3u);

  // A reader whose table reads are held.
  gate.Arm(
      [](const std::string& op, const std::string&) { return op == "read" && t_gated_thread; });
  std::string got;
  std::thread reader([&] {
    t_gated_thread = true;
    got = Get(Key(5));
  });
  ASSERT_TRUE(gate.WaitForHeld(30));
  CompactAll();  // runs in this (ungated) thread
  EXPECT_EQ(TotalFiles(db_.get()), 1);
  gate.Open();
  reader.join();
  EXPECT_EQ(got, "v2");

  ASSERT_TRUE(WaitForIdle(db_.get(), options_.level0_compaction_trigger));
  EXPECT_TRUE(TablesOnDiskAreListed(db_.get(), dir_)) << "tables the current version does not list remain";
  Close();
  EXPECT_EQ(SstFiles(dir_).size(), 1u) << "tables the current version does not list remain";
}

// Regression: CompactRange computed the deepest level holding the range
// once, before any step; a background compaction moving part of the range
// one level deeper meanwhile left the range split over two levels with
// overwritten versions kept. It now re-checks and goes on to the deeper
// level.
//
// Reproduction: level 1 holds table A (old values of 200 keys, over the
// level-1 target), level 0 holds B (new values of 20 of them). On open, a
// background trivial move of A to level 2 starts; it is held in its MANIFEST
// sync. CompactRange(nullptr, nullptr) then sees level 2 empty (last = 1),
// waits for the move, compacts B alone into level 1: level 1 = {B'},
// level 2 = {A}, 20 overwritten versions kept.
TEST_F(DBCompactionTest, CompactRangeFollowsDataMovedDeeperMeanwhile) {
  options_.compression = Compression::kNone;
  options_.max_bytes_for_level_base = 1 << 20;
  options_.target_file_size = 1 << 20;
  options_.level0_compaction_trigger = 100;
  options_.level0_slowdown_trigger = 200;
  options_.level0_stop_trigger = 300;
  FlagScope test_thread(&t_test_thread);  // this thread's operations are never held
  Open();
  for (int i = 0; i < 200; i++) Put(Key(static_cast<uint64_t>(i)), std::string(1000, 'o'));
  CompactAll();
  ASSERT_EQ(FilesAtLevel(db_.get(), 1), 1);
  for (int i = 0; i < 20; i++) Put(Key(static_cast<uint64_t>(i)), std::string(1000, 'n'));
  ASSERT_TRUE(db_->Flush().ok());
  ASSERT_EQ(FilesAtLevel(db_.get(), 0), 1);
  Close();

  // Reopen with a level-1 target A is over; hold background MANIFEST syncs.
  Gate gate;
  GatedFS gfs(&gate);
  test::CloseOnExit<DB> close_db(&db_);
  options_.fs = &gfs;
  options_.max_bytes_for_level_base = 64 << 10;
  gate.Arm([](const std::string& op, const std::string& path) {
    return op == "sync" && path.find("MANIFEST-") != std::string::npos && !t_test_thread;
  });
  Open();
  // A is over the level-1 target, so the open schedules its move.
  if (!gate.WaitForHeld(60)) {
    gate.Open();
    FAIL() << "no background compaction started";
  }
  test::Watchdog watchdog(std::chrono::minutes(5), "CompactRangeFollowsDataMovedDeeperMeanwhile");
  std::atomic<long> compactor_tid{0};
  std::thread compactor([&] {
    FlagScope flag(&t_test_thread);
    compactor_tid = static_cast<long>(::gettid());
    Status s = db_->CompactRange(nullptr, nullptr);
    EXPECT_TRUE(s.ok()) << s.ToString();
  });
  while (compactor_tid.load() == 0) std::this_thread::yield();
  // CompactRange picks its levels, then waits for the held move. That wait
  // is the only place its thread can go to sleep while the move is held
  // (nothing else holds the database mutex, and its own file operations are
  // never held), so once the thread sleeps it has picked its levels.
  const bool slept = test::WaitUntilThreadSleeps(compactor_tid.load());
  gate.Open();
  compactor.join();
  ASSERT_TRUE(slept) << "no thread states in /proc";
  ASSERT_TRUE(WaitForIdle(db_.get(), options_.level0_compaction_trigger));

  int nonempty = 0;
  for (int level = 0; level < kNumLevels; level++) nonempty += FilesAtLevel(db_.get(), level) > 0;
  EXPECT_EQ(nonempty, 1) << "files/level after CompactRange(nullptr, nullptr): "
                         << FilesPerLevel(db_.get());
  auto versions = VersionsInRange(ReadAllTables(dir_), Key(0), Key(200));
  EXPECT_EQ(versions.size(), 200u);
  for (const auto& [k, n] : versions) EXPECT_EQ(n, 1) << k << " keeps an overwritten version";
  for (int i = 0; i < 200; i++) {
    EXPECT_EQ(Get(Key(static_cast<uint64_t>(i))), std::string(1000, i < 20 ? 'n' : 'o'));
  }
  Close();
}

}  // namespace
}  // namespace lsm
