// Writes the seed corpora of the fuzz targets with the engine's own writers:
//   lsm_fuzz_seeds OUT_DIR
// creates OUT_DIR/{sstable,wal,manifest,capi_ops}_fuzz/<name> (the
// committed tests/fuzz/corpus/ was made this way; README.md says how). The
// output is deterministic except the MANIFEST of a real database run
// (manifest_fuzz/db-run), whose file numbers depend on background timing.
#include <sys/stat.h>

#include <cstdint>
#include <cstdio>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/db/db.h"
#include "core/base/dbformat.h"
#include "core/db/version_edit.h"
#include "core/db/write_batch.h"
#include "core/log/log_writer.h"
#include "core/table/format.h"
#include "core/table/table_builder.h"
#include "core/util/coding.h"
#include "core/util/hash.h"
#include "fuzz_util.h"

namespace lsm {
namespace {

class StringFile final : public WritableFile {
 public:
  explicit StringFile(std::string* out) : out_(out) {}
  Status Append(std::string_view data) override {
    out_->append(data);
    return Status::OK();
  }
  Status Flush() override { return Status::OK(); }
  Status Sync() override { return Status::OK(); }
  Status Close() override { return Status::OK(); }

 private:
  std::string* out_;
};

std::string g_out;

void Save(const std::string& target, const std::string& name, const std::string& bytes) {
  const std::string dir = g_out + "/" + target;
  ::mkdir(g_out.c_str(), 0755);
  ::mkdir(dir.c_str(), 0755);
  fuzz::WriteFileOrDie(dir + "/" + name, bytes);
  std::printf("%-28s %6zu bytes\n", (target + "/" + name).c_str(), bytes.size());
}

std::string Ikey(const std::string& user, SequenceNumber seq, ValueType t) {
  std::string k;
  AppendInternalKey(&k, user, seq, t);
  return k;
}

std::string Compressible(int i, size_t n) {
  std::string v = "value-" + std::to_string(i) + "-";
  while (v.size() < n) v += "abcabcab";
  v.resize(n);
  return v;
}

// --------------------------------------------------------------- tables

struct Entry {
  std::string ikey, value;
};

std::string BuildTable(const TableOptions& o, const std::vector<Entry>& entries) {
  std::string bytes;
  StringFile file(&bytes);
  TableBuilder b(o, &file);
  for (const Entry& e : entries) {
    Status s = b.Add(e.ikey, e.value);
    if (!s.ok()) std::abort();
  }
  if (!b.Finish().ok()) std::abort();
  return bytes;
}

// Appends contents as a stored block of the given type, checksum and all.
void StoreBlock(std::string* t, const std::string& contents, char type) {
  t->append(contents);
  t->push_back(type);
  PutFixed32(t, Checksum2(contents, std::string_view(&type, 1)));
}

void Tables() {
  const char* target = "sstable_fuzz";
  {  // several lz4 blocks, a bloom filter
    TableOptions o;
    o.block_size = 256;
    std::vector<Entry> e;
    for (int i = 0; i < 24; i++) {
      char k[16];
      std::snprintf(k, sizeof k, "key%03d", i * 3);
      e.push_back({Ikey(k, 100 + i, ValueType::kValue), Compressible(i, 40)});
    }
    Save(target, "lz4-bloom", BuildTable(o, e));
  }
  {  // raw blocks, no filter, deletions and several versions of a key
    TableOptions o;
    o.block_size = 128;
    o.lz4 = false;
    o.bloom_bits_per_key = 0;
    std::vector<Entry> e;
    for (int i = 0; i < 12; i++) {
      std::string k = "k" + std::string(1, static_cast<char>('a' + i));
      e.push_back({Ikey(k, 50 - i, ValueType::kValue), "v" + std::to_string(i)});
      if (i % 3 == 0) e.push_back({Ikey(k, 10, ValueType::kDeletion), ""});
    }
    Save(target, "raw-deletions", BuildTable(o, e));
  }
  {  // one entry with the empty key and an empty value
    TableOptions o;
    Save(target, "single-empty-key", BuildTable(o, {{Ikey("", 1, ValueType::kValue), ""}}));
  }
  {  // long shared prefixes (restart points matter), binary keys, one big block
    TableOptions o;
    o.block_size = 4096;
    o.bloom_bits_per_key = 4;
    std::vector<Entry> e;
    for (int i = 0; i < 40; i++) {
      std::string k = std::string(30, 'p') + static_cast<char>(i * 6);
      e.push_back({Ikey(k, 7, i % 5 ? ValueType::kValue : ValueType::kDeletion),
                   i % 5 ? Compressible(i, 30) : ""});
    }
    Save(target, "prefixes-binary", BuildTable(o, e));
  }
  {  // no entries at all
    TableOptions o;
    Save(target, "empty", BuildTable(o, {}));
  }
  {  // regression: an index block stored lz4 claiming 1 GiB uncompressed
    std::string t;
    std::string index;
    PutVarint32(&index, 1u << 30);
    index.push_back('\0');
    StoreBlock(&t, index, 1);
    const uint64_t props_at = t.size();
    std::string props;  // an empty block
    PutFixed32(&props, 0);
    PutFixed32(&props, 1);
    StoreBlock(&t, props, 0);
    Footer f;
    f.index = {0, index.size()};
    f.properties = {props_at, props.size()};
    f.EncodeTo(&t);
    Save(target, "regress-lz4-huge-length", t);
  }
}

// ----------------------------------------------------------------- logs

std::string Log(const std::vector<std::string>& records) {
  std::string bytes;
  LogWriter w(std::make_unique<StringFile>(&bytes));
  for (const std::string& r : records) {
    if (!w.AddRecord(r, false).ok()) std::abort();
  }
  return bytes;
}

// A log record header with a valid check claiming a 1 GiB payload, and
// three bytes of it.
std::string HugeLengthHeader() {
  std::string h;
  PutFixed32(&h, 1u << 30);
  PutFixed32(&h, Checksum(h.data(), 4));
  PutFixed32(&h, 0);
  return h + "xyz";
}

std::string Batch(SequenceNumber seq, const std::vector<std::pair<std::string, std::string>>& puts,
                  const std::vector<std::string>& deletes) {
  WriteBatch b;
  for (const auto& [k, v] : puts) b.Put(k, v);
  for (const auto& k : deletes) b.Delete(k);
  b.set_sequence(seq);
  return std::string(b.rep());
}

void Wals() {
  const char* target = "wal_fuzz";
  std::vector<std::string> recs = {
      Batch(1, {{"apple", "red"}, {"banana", "yellow"}}, {}),
      Batch(3, {{"cherry", "dark red"}}, {"banana"}),
      Batch(5, {{"apple", "green"}, {"", "empty key"}, {"date", ""}}, {}),
  };
  const std::string good = Log(recs);
  Save(target, "three-batches", good);
  Save(target, "torn-tail", good.substr(0, good.size() - 9));
  Save(target, "zero-tail", good + std::string(40, '\0'));
  std::string damaged = good;
  damaged[kLogHeaderSize + 14] ^= 0x40;  // first record's payload: skipped, reported
  Save(target, "damaged-payload", damaged);
  std::string bad_header = good;
  const size_t second = kLogHeaderSize + recs[0].size();
  bad_header[second + 5] ^= 0x01;  // second record's length check
  Save(target, "damaged-header", bad_header);
  // An empty batch, a batch whose count disagrees with its contents, and
  // a batch with a 4200-byte value, which makes wal_fuzz's replay (20 KiB
  // write buffer) flush a table midway.
  std::string lying = Batch(10, {{"x", "y"}}, {});
  lying[8] = 2;
  std::vector<std::pair<std::string, std::string>> many = {{"big", Compressible(0, 4200)}};
  for (int i = 1; i < 4; i++) many.push_back({"mid" + std::to_string(i), Compressible(i, 100)});
  Save(target, "odd-batches",
       Log({Batch(7, {}, {}), lying, Batch(12, many, {"apple"}),
            Batch(20, {{"after", "big"}}, {})}));

  // Regressions (each once broke recovery; see README.md).
  std::string partial = Batch(5, {{"ghost", "from a damaged record"}, {"x", "y"}}, {});
  partial[partial.size() - 2] = 0x7f;  // the last value runs past the end
  Save(target, "regress-partial-batch", Log({Batch(1, {{"a", "1"}}, {}), partial}));
  Save(target, "regress-sequence-overflow",
       Log({Batch(1, {{"a", "1"}}, {}), Batch(uint64_t{1} << 60, {{"b", "2"}}, {})}));
  Save(target, "regress-repeated-sequence",
       Log({Batch(7, {{"a", "first"}}, {}), Batch(7, {{"a", "second"}}, {}),
            Batch(3, {{"a", "older"}, {"b", "x"}}, {})}));
  Save(target, "regress-huge-length", HugeLengthHeader());
}

// ------------------------------------------------------------ manifests

std::string Edit(const VersionEdit& e) {
  std::string s;
  e.EncodeTo(&s);
  return s;
}

FileMetaData File(uint64_t number, uint64_t size, const std::string& lo, const std::string& hi) {
  FileMetaData f;
  f.number = number;
  f.file_size = size;
  f.smallest = Ikey(lo, 9, ValueType::kValue);
  f.largest = Ikey(hi, 3, ValueType::kDeletion);
  return f;
}

void Manifests() {
  const char* target = "manifest_fuzz";
  VersionEdit first;  // what a new database starts with
  first.comparator = kComparatorName;
  first.log_number = 0;
  first.next_file_number = 3;
  first.last_sequence = 0;
  VersionEdit log;
  log.log_number = 3;
  log.next_file_number = 5;
  log.last_sequence = 0;
  Save(target, "new-db", Log({Edit(first), Edit(log)}));

  VersionEdit full = first;  // a snapshot listing files on several levels
  full.log_number = 20;
  full.next_file_number = 30;
  full.last_sequence = 1234;
  full.AddFile(0, File(17, 2048, "a", "m"));
  full.AddFile(0, File(19, 1024, "c", "z"));
  full.AddFile(1, File(11, 4096, "a", "f"));
  full.AddFile(1, File(12, 4096, "g", "p"));
  full.AddFile(2, File(8, 9000, std::string(1, '\0'), "\xff\xff"));
  VersionEdit compaction;  // level 0 merged into level 1
  compaction.DeleteFile(0, 17);
  compaction.DeleteFile(0, 19);
  compaction.DeleteFile(1, 11);
  compaction.AddFile(1, File(21, 5000, "a", "b"));
  compaction.AddFile(1, File(22, 5000, "ba", "f"));
  compaction.next_file_number = 23;
  compaction.last_sequence = 2000;
  const std::string levels = Log({Edit(full), Edit(compaction)});
  Save(target, "levels", levels);
  Save(target, "levels-torn", levels.substr(0, levels.size() - 5));

  // Regressions: next_file not above log_number; next_file about to wrap;
  // a header claiming a 1 GiB record.
  VersionEdit below = first;
  below.log_number = 3;
  below.next_file_number = 2;
  Save(target, "regress-next-file-below-log", Log({Edit(below)}));
  VersionEdit wrap = first;
  wrap.next_file_number = ~uint64_t{0};
  Save(target, "regress-file-number-wrap", Log({Edit(wrap)}));
  Save(target, "regress-huge-length", HugeLengthHeader());

  // The MANIFEST of a real database after writes, flushes and a compaction.
  const std::string dir = fuzz::ScratchDir("seeds") + "/db";
  {
    Options o;
    o.write_buffer_size = 64 << 10;
    o.background_threads = 1;
    std::unique_ptr<DB> db;
    if (!DB::Open(o, dir, &db).ok()) std::abort();
    for (int round = 0; round < 3; round++) {
      for (int i = 0; i < 20; i++) {
        db->Put(WriteOptions(), "k" + std::to_string(i * 7 + round), Compressible(i, 100));
      }
      db->Flush();
    }
    db->CompactRange(nullptr, nullptr);
  }
  std::string current, manifest;
  if (!ReadFileToString(FileSystem::Default(), dir + "/CURRENT", &current).ok()) std::abort();
  current.pop_back();
  if (!ReadFileToString(FileSystem::Default(), dir + "/" + current, &manifest).ok()) std::abort();
  Save(target, "db-run", manifest);
}

// ---------------------------------------------------- C ABI programs

// Opcodes of capi_ops_fuzz.cc (the byte's value modulo 20; bit 7 picks a
// variant for some).
enum Op : uint8_t {
  kPut = 0,
  kDelete = 3,
  kBatch = 4,
  kGet = 5,
  kGetInto = 7,
  kIterOpen = 8,
  kSeek = 9,
  kMove = 11,
  kIterClose = 13,
  kSnapshot = 14,
  kFlush = 15,
  kCompact = 16,
  kReopen = 17,
  kScan = 18,
  kProperty = 19
};
// An iterator move is a byte v with v % 20 == kMove whose bits 5..7 pick
// it: 0 seek_first, 1 seek_last, 2 next, 4 prev, 6 next_entry, 7 prev_entry.
uint8_t Move(int kind) {
  for (int v = 0; v < 256; v++) {
    if (v % 20 == kMove && ((v >> 5) & 7) == kind) return static_cast<uint8_t>(v);
  }
  std::abort();
}
// op with bit 7 set (variant: seek_for_prev, sync batch, ...) or clear.
uint8_t With(uint8_t op, bool variant) {
  for (int v = variant ? 128 : 0; v < (variant ? 256 : 128); v++) {
    if (v % 20 == op) return static_cast<uint8_t>(v);
  }
  std::abort();
}

void Programs() {
  const char* target = "capi_ops_fuzz";
  // Options: a (block size, bloom, compression, cache, threads, paranoid), b, c.
  const std::string opts = {0x11, 9, 0x10};
  {
    std::string p = opts;
    for (int i = 0; i < 24; i++)
      p += {static_cast<char>(kPut), static_cast<char>(i * 5), static_cast<char>(i % 8)};
    for (int i = 0; i < 12; i++)
      p += {static_cast<char>(kGet), static_cast<char>(0x80), static_cast<char>(i * 3)};
    p += {static_cast<char>(kDelete), 5, static_cast<char>(kDelete), 10};
    p += {static_cast<char>(kScan), static_cast<char>(0x80)};
    Save(target, "puts-gets-scan", p);
  }
  {
    std::string p = {0x00, 0, 0};  // 256-byte blocks, bloom, lz4, no cache
    for (int i = 0; i < 16; i++) p += {static_cast<char>(kPut), static_cast<char>(i), 5};
    p += {static_cast<char>(kSnapshot)};
    for (int i = 0; i < 8; i++) p += {static_cast<char>(kDelete), static_cast<char>(i * 2)};
    p += {static_cast<char>(kPut), 1, 4};
    p += {static_cast<char>(kGet), 0, 2};              // at the snapshot
    p += {static_cast<char>(kIterOpen), 0, 3, 2, 12};  // snapshot 0, bounds [key 2, key 12)
    p += {static_cast<char>(Move(0)), 0, static_cast<char>(Move(2)), 0,
          static_cast<char>(Move(2)), 0};
    p += {static_cast<char>(Move(4)), 0, static_cast<char>(Move(1)), 0};
    p += {static_cast<char>(kSeek), 0,  7, static_cast<char>(With(kSeek, true)), 0,
          static_cast<char>(0x81),  'k'};
    p += {static_cast<char>(kFlush), static_cast<char>(kCompact), 3, 1, 14};
    p += {static_cast<char>(kGet), 0, 4, static_cast<char>(kGet), static_cast<char>(0x80), 4};
    p += {static_cast<char>(kReopen), 5, 3, 1, 0};  // busy (handles open): a get; reopen
    p += {static_cast<char>(kScan), static_cast<char>(0x80)};
    Save(target, "snapshot-iter-reopen", p);
  }
  {
    std::string p = {0x08, 0, 0};  // no compression
    for (int i = 0; i < 30; i++)
      p += {static_cast<char>(kPut), static_cast<char>(i * 2 + 1), 7};  // 6000 B
    p += {static_cast<char>(kFlush)};
    for (int i = 0; i < 30; i++) p += {static_cast<char>(kPut), static_cast<char>(i * 2), 7};
    p += {static_cast<char>(kCompact), 0, 0, 0};  // everything
    p += {static_cast<char>(With(kProperty, true)), 3};
    p += {static_cast<char>(kScan), static_cast<char>(0x80)};
    Save(target, "big-values-compact", p);
  }
  {
    std::string p = opts;
    p += {static_cast<char>(kBatch), 5, 1, 1, 3, 2, 1, 5, 4, 0, 1, 3, 1, 6, 5, 0};
    p += {static_cast<char>(With(kBatch, true)), 3, 9, 1, 2, 10, 0, 9, 0};
    p += {static_cast<char>(kIterOpen), static_cast<char>(0x80), 0};
    for (int i = 0; i < 5; i++) p += {static_cast<char>(Move(6)), 0};
    for (int i = 0; i < 3; i++) p += {static_cast<char>(Move(7)), 0};
    p += {static_cast<char>(kGetInto), static_cast<char>(0x80), 1, 4};
    p += {static_cast<char>(kIterClose), 0, static_cast<char>(kReopen), 0, 0, 0};
    Save(target, "batches-entries", p);
  }
}

}  // namespace
}  // namespace lsm

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s OUT_DIR\n", argv[0]);
    return 2;
  }
  lsm::g_out = argv[1];
  lsm::Tables();
  lsm::Wals();
  lsm::Manifests();
  lsm::Programs();
  return 0;
}
