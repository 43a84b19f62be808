// libFuzzer target: the input is the bytes of a write-ahead log.
//
// 1. The log is read with LogReader and each record parsed as a WriteBatch
//    into a MemTable, as recovery does. It is read twice, once in whole
//    reads and once 7 bytes per read: the records, the damage reported and
//    the counts must not depend on how the file arrives.
// 2. A database directory whose only file is this log (000001.log) is
//    opened with DB::Open, once with paranoid_checks and once without, so
//    the real replay path runs (including flushes of a full memtable during
//    replay). docs/format.md's recovery rules give the expected outcome:
//    a record holding an operation this version does not know (a newer
//    liblsm's) fails the open with NotSupported, unless (with paranoid
//    checks) an earlier record was damage; otherwise without paranoid
//    checks the open always succeeds, and with them it fails with
//    Corruption exactly when the reader reported damage or a record was
//    not an acceptable batch (see ReplayDirect). Either way a database
//    that opened must open again, and must show exactly what the replay of
//    step 1 holds.
//
// Each input is run as given and, if different, with its record checksums
// repaired (so mutations reach the batch parser and the replay).
#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/db/db.h"
#include "core/db/write_batch.h"
#include "core/log/log_reader.h"
#include "core/memtable/memtable.h"
#include "core/table/table.h"
#include "fuzz_util.h"

namespace lsm {
namespace {

struct Replay {
  std::vector<std::string> records;
  Status corruption;  // from the reader
  uint64_t dropped_records = 0, dropped_bytes = 0, torn_tail_bytes = 0;
  bool bad_batch = false;  // a record that is not an acceptable batch
  bool unsupported = false;  // a record with an operation this version does not know
  Status first_problem;      // the first bad or unsupported record's status
  uint64_t bad_batches = 0, bad_batch_bytes = 0;
  // The DB's last sequence after replay: the last of the accepted batches.
  SequenceNumber last_sequence = 0;
  std::shared_ptr<MemTable> mem = std::make_shared<MemTable>();
};

// Replays the records as recovery must: a batch is applied whole or not at
// all. A record is damage, skipped whole (or fatal with paranoid checks),
// when it does not parse as a batch, when its operations' sequence numbers
// run past the 56-bit limit, or when they do not follow the previous
// accepted batch's (sequence numbers only grow; a repeat would make two
// entries with the same internal key).
Replay ReplayDirect(std::string_view log, size_t chunk) {
  Replay r;
  LogReader reader(std::make_unique<fuzz::MemSequentialFile>(log, chunk));
  std::string rec;
  WriteBatch batch;
  bool any = false;
  while (reader.ReadRecord(&rec)) {
    r.records.push_back(rec);
    Status s = batch.SetRep(rec);
    if (s.ok())
      s = batch.ForEach([](std::string_view, std::string_view) {}, [](std::string_view) {});
    const SequenceNumber seq = batch.sequence();
    const uint32_t count = batch.Count();
    if (s.ok() && count > 0 &&
        (seq > kMaxSequenceNumber || count - 1 > kMaxSequenceNumber - seq ||
         (any && seq <= r.last_sequence))) {
      s = Status::Corruption("sequence numbers out of range or out of order");
    }
    if (!s.ok() && r.first_problem.ok()) r.first_problem = s;
    if (s.IsNotSupported()) {
      r.unsupported = true;
      continue;
    }
    if (!s.ok()) {
      r.bad_batch = true;
      r.bad_batches++;
      r.bad_batch_bytes += rec.size();
      continue;
    }
    s = batch.InsertInto(r.mem.get());
    FUZZ_CHECK(s.ok(), "a batch that parsed does not insert: %s", s.ToString().c_str());
    if (count > 0) {
      r.last_sequence = seq + count - 1;
      any = true;
    }
  }
  FUZZ_CHECK(reader.io_status().ok(), "%s", reader.io_status().ToString().c_str());
  r.corruption = reader.corruption();
  r.dropped_records = reader.dropped_records();
  r.dropped_bytes = reader.dropped_bytes();
  r.torn_tail_bytes = reader.torn_tail_bytes();
  return r;
}

// The user-visible state after replay: each user key's newest entry,
// deletions removed.
std::map<std::string, std::string> VisibleState(const Replay& r) {
  std::map<std::string, std::string> out;
  auto it = r.mem->NewIterator();
  std::string prev;
  bool have_prev = false;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    ParsedInternalKey k;
    FUZZ_CHECK(ParseInternalKey(it->key(), &k), "memtable holds a bad key %s",
               fuzz::Show(it->key()).c_str());
    FUZZ_CHECK(k.sequence <= r.last_sequence, "memtable entry past the last sequence");
    const bool first_of_key = !have_prev || ExtractUserKey(prev) != k.user_key;
    if (have_prev) {
      FUZZ_CHECK(CompareInternalKeys(prev, it->key()) < 0, "memtable out of order at %s",
                 fuzz::Show(it->key()).c_str());
    }
    prev.assign(it->key());
    have_prev = true;
    if (first_of_key && k.type == ValueType::kValue) {
      out.emplace(std::string(k.user_key), std::string(it->value()));
    }
  }
  return out;
}

void CheckSameReplay(const Replay& a, const Replay& b) {
  FUZZ_CHECK(a.records == b.records, "records differ with the read size (%zu vs %zu)",
             a.records.size(), b.records.size());
  FUZZ_CHECK(a.corruption.code() == b.corruption.code(), "damage reported differs: %s vs %s",
             a.corruption.ToString().c_str(), b.corruption.ToString().c_str());
  FUZZ_CHECK(a.dropped_records == b.dropped_records && a.dropped_bytes == b.dropped_bytes &&
                 a.torn_tail_bytes == b.torn_tail_bytes,
             "counts differ with the read size: %llu/%llu/%llu vs %llu/%llu/%llu",
             (unsigned long long)a.dropped_records, (unsigned long long)a.dropped_bytes,
             (unsigned long long)a.torn_tail_bytes, (unsigned long long)b.dropped_records,
             (unsigned long long)b.dropped_bytes, (unsigned long long)b.torn_tail_bytes);
}

// Everything db shows, by a forward scan (which must not fail), checked
// against a backward scan and point reads.
std::map<std::string, std::string> ReadDB(DB* db) {
  std::map<std::string, std::string> out;
  auto it = db->NewIterator(ReadOptions());
  for (it->SeekToFirst(); it->Valid(); it->Next())
    out.emplace(std::string(it->key()), std::string(it->value()));
  FUZZ_CHECK(it->status().ok(), "scan: %s", it->status().ToString().c_str());
  auto expect = out.rbegin();
  for (it->SeekToLast(); it->Valid(); it->Prev(), ++expect) {
    FUZZ_CHECK(expect != out.rend() && expect->first == it->key() && expect->second == it->value(),
               "backward scan differs at %s", fuzz::Show(it->key()).c_str());
  }
  FUZZ_CHECK(it->status().ok() && expect == out.rend(), "backward scan: %s",
             it->status().ToString().c_str());
  for (const auto& [k, v] : out) {
    std::string got;
    Status s = db->Get(ReadOptions(), k, &got);
    FUZZ_CHECK(s.ok() && got == v, "Get(%s) = %s %s, the scan shows %s", fuzz::Show(k).c_str(),
               s.ToString().c_str(), fuzz::Show(got).c_str(), fuzz::Show(v).c_str());
  }
  return out;
}

void CheckState(const std::map<std::string, std::string>& got,
                const std::map<std::string, std::string>& want, const char* what) {
  if (got == want) return;
  auto g = got.begin();
  auto w = want.begin();
  while (g != got.end() && w != want.end() && *g == *w) ++g, ++w;
  FUZZ_CHECK(false,
             "%s: database shows %zu keys, replay %zu; first difference: db %s=%s, replay %s=%s",
             what, got.size(), want.size(), g == got.end() ? "(end)" : fuzz::Show(g->first).c_str(),
             g == got.end() ? "" : fuzz::Show(g->second).c_str(),
             w == want.end() ? "(end)" : fuzz::Show(w->first).c_str(),
             w == want.end() ? "" : fuzz::Show(w->second).c_str());
}

// No table may hold an entry newer than the last sequence: later writes
// would make it visible (it would be a write no one acknowledged).
void CheckTables(const std::string& dir, SequenceNumber last_sequence) {
  FileSystem* fs = FileSystem::Default();
  std::vector<std::string> names;
  FUZZ_CHECK(fs->GetChildren(dir, &names).ok(), "list %s", dir.c_str());
  for (const std::string& name : names) {
    if (name.size() < 4 || name.compare(name.size() - 4, 4, ".sst") != 0) continue;
    std::unique_ptr<RandomAccessFile> file;
    uint64_t size = 0;
    FUZZ_CHECK(fs->NewRandomAccessFile(dir + "/" + name, &file).ok() &&
                   fs->GetFileSize(dir + "/" + name, &size).ok(),
               "open %s", name.c_str());
    std::shared_ptr<Table> table;
    Status s = Table::Open(std::move(file), size, 1, nullptr, nullptr, &table);
    FUZZ_CHECK(s.ok(), "%s: %s", name.c_str(), s.ToString().c_str());
    auto it = table->NewIterator(TableReadOptions());
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      ParsedInternalKey k;
      FUZZ_CHECK(ParseInternalKey(it->key(), &k), "%s holds a bad key", name.c_str());
      FUZZ_CHECK(k.sequence <= last_sequence,
                 "%s holds %s at sequence %llu, past the last sequence %llu", name.c_str(),
                 fuzz::Show(k.user_key).c_str(), (unsigned long long)k.sequence,
                 (unsigned long long)last_sequence);
    }
    FUZZ_CHECK(it->status().ok(), "%s: %s", name.c_str(), it->status().ToString().c_str());
  }
}

void OpenWithLog(std::string_view log, const Replay& replay, bool paranoid) {
  const std::string dir = fuzz::ScratchDir("wal") + "/db";
  fuzz::RemoveAll(dir);
  FUZZ_CHECK(FileSystem::Default()->CreateDir(dir).ok(), "mkdir %s", dir.c_str());
  fuzz::WriteFileOrDie(dir + "/000001.log", log);

  Options options;
  options.paranoid_checks = paranoid;
  options.write_buffer_size = 20 << 10;  // a 4 KiB value makes replay flush midway
  options.block_cache_size = 64 << 10;
  options.background_threads = 1;
  std::unique_ptr<DB> db;
  Status s = DB::Open(options, dir, &db);
  if (replay.first_problem.IsNotSupported() || (!paranoid && replay.unsupported)) {
    FUZZ_CHECK(s.IsNotSupported(), "open (paranoid %d) of a log with an unknown operation: %s",
               paranoid, s.ToString().c_str());
    return;
  }
  const bool damaged = !replay.corruption.ok() || replay.bad_batch;
  if (paranoid && damaged) {
    FUZZ_CHECK(s.IsCorruption(), "paranoid open of a damaged log: %s (reader: %s, bad batch %d)",
               s.ToString().c_str(), replay.corruption.ToString().c_str(), replay.bad_batch);
    return;
  }
  FUZZ_CHECK(s.ok(), "open (paranoid %d): %s", paranoid, s.ToString().c_str());
  // The damage skipped is counted as docs/format.md says.
  char want_counts[160];
  std::snprintf(want_counts, sizeof want_counts,
                "wal-recovery: dropped-records %llu dropped-bytes %llu torn-tail-bytes %llu\n",
                (unsigned long long)(replay.dropped_records + replay.bad_batches),
                (unsigned long long)(replay.dropped_bytes + replay.bad_batch_bytes),
                (unsigned long long)replay.torn_tail_bytes);
  std::string stats;
  FUZZ_CHECK(db->GetProperty("lsm.stats", &stats), "no lsm.stats");
  FUZZ_CHECK(stats.find(want_counts) != std::string::npos, "lsm.stats lacks %s", want_counts);
  std::map<std::string, std::string> got = ReadDB(db.get());
  CheckState(got, VisibleState(replay), "after replay");
  std::string last;
  FUZZ_CHECK(db->GetProperty("lsm.sequence", &last), "no lsm.sequence");
  FUZZ_CHECK(last == std::to_string(replay.last_sequence), "last sequence %s, replay %llu",
             last.c_str(), (unsigned long long)replay.last_sequence);
  db.reset();
  CheckTables(dir, replay.last_sequence);
  // Once more from the table recovery wrote and the new MANIFEST.
  s = DB::Open(options, dir, &db);
  FUZZ_CHECK(s.ok(), "reopen: %s", s.ToString().c_str());
  CheckState(ReadDB(db.get()), got, "after reopen");
}

void Run(std::string_view log) {
  Replay whole = ReplayDirect(log, size_t{1} << 30);
  Replay bits = ReplayDirect(log, 7);
  CheckSameReplay(whole, bits);
  OpenWithLog(log, whole, /*paranoid=*/true);
  OpenWithLog(log, whole, /*paranoid=*/false);
}

}  // namespace
}  // namespace lsm

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view log(reinterpret_cast<const char*>(data), size);
  lsm::Run(log);
  const std::string fixed = lsm::fuzz::FixLogChecksums(log);
  if (fixed != log) lsm::Run(fixed);
  return 0;
}
