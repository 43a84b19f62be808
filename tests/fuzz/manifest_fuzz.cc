// libFuzzer target: the input is the bytes of a MANIFEST.
//
// 1. Every record that decodes as a VersionEdit must encode and decode back
//    to the same edit.
// 2. A directory holding CURRENT and this MANIFEST is recovered with
//    VersionSet::Recover. A recovered set is queried (levels, overlap
//    lookups), written out as a new MANIFEST (LogAndApply of an empty edit,
//    which starts with a snapshot of the whole state), and that MANIFEST is
//    recovered again: it must give back the same files, log number, last
//    sequence and next file number.
// 3. DB::Open on the same directory fails with Corruption while the WAL
//    the MANIFEST names is missing. With it there (empty), the open must
//    return a Status (OK, Corruption, Invalid for a foreign comparator), and
//    when the MANIFEST lists no tables it must succeed, take a write, and
//    show it again after a reopen.
//
// Each input is run as given and, if different, with its record checksums
// repaired (so that mutations reach the edit decoder and the replay).
#include <algorithm>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "core/db/db.h"
#include "core/db/filename.h"
#include "core/db/version_edit.h"
#include "core/db/version_set.h"
#include "core/log/log_reader.h"
#include "fuzz_util.h"

namespace lsm {
namespace {

void CheckEditRoundTrip(std::string_view manifest) {
  LogReader reader(std::make_unique<fuzz::MemSequentialFile>(manifest, size_t{1} << 30));
  std::string rec;
  while (reader.ReadRecord(&rec)) {
    VersionEdit edit;
    if (!edit.DecodeFrom(rec).ok()) continue;
    std::string a, b;
    edit.EncodeTo(&a);
    VersionEdit again;
    Status s = again.DecodeFrom(a);
    FUZZ_CHECK(s.ok(), "re-decoding an encoded edit: %s", s.ToString().c_str());
    again.EncodeTo(&b);
    FUZZ_CHECK(a == b, "edit encodes differently after a round trip");
  }
}

// A level's files as comparable tuples, in a fixed order.
using FileTuple = std::tuple<uint64_t, uint64_t, std::string, std::string>;
std::vector<FileTuple> Files(const Version& v, int level) {
  std::vector<FileTuple> out;
  for (const auto& f : v.files(level))
    out.emplace_back(f->number, f->file_size, f->smallest, f->largest);
  std::sort(out.begin(), out.end());
  return out;
}

void ExerciseVersion(const Version& v) {
  for (int level = 0; level < kNumLevels; level++) {
    (void)v.LevelBytes(level);
    FUZZ_CHECK(v.Overlapping(level, nullptr, nullptr).size() == v.files(level).size(),
               "Overlapping(level %d, everything) misses files", level);
    for (const auto& f : v.files(level)) {
      std::string lo(ExtractUserKey(f->smallest)), hi(ExtractUserKey(f->largest));
      auto within = v.Overlapping(level, &lo, &hi);
      if (lo <= hi) {
        FUZZ_CHECK(std::find(within.begin(), within.end(), f) != within.end(),
                   "Overlapping(level %d, [smallest, largest] of file %llu) misses it", level,
                   (unsigned long long)f->number);
      }
      (void)v.Overlapping(level, &hi, nullptr);
      (void)v.Overlapping(level, nullptr, &lo);
    }
  }
}

void WriteDir(const std::string& dir, std::string_view manifest) {
  fuzz::RemoveAll(dir);
  FUZZ_CHECK(FileSystem::Default()->CreateDir(dir).ok(), "mkdir %s", dir.c_str());
  fuzz::WriteFileOrDie(dir + "/MANIFEST-000001", manifest);
  fuzz::WriteFileOrDie(dir + "/CURRENT", "MANIFEST-000001\n");
}

// Returns whether the MANIFEST recovered; fills in whether it lists no
// table files, its last sequence and its log number.
bool CheckVersionSet(const std::string& dir, bool* no_files, SequenceNumber* last_sequence,
                     uint64_t* log_number) {
  FileSystem* fs = FileSystem::Default();
  VersionSet vs(dir, fs);
  if (!vs.Recover().ok()) return false;
  auto v = vs.current();
  ExerciseVersion(*v);
  *no_files = true;
  for (int level = 0; level < kNumLevels; level++) *no_files = *no_files && v->files(level).empty();
  *last_sequence = vs.last_sequence();
  *log_number = vs.log_number();

  std::mutex mu;
  std::unique_lock<std::mutex> lock(mu);
  VersionEdit edit;
  Status s = vs.LogAndApply(&edit, &lock);
  FUZZ_CHECK(s.ok(), "writing a recovered state to a new MANIFEST: %s", s.ToString().c_str());
  lock.unlock();

  VersionSet again(dir, fs);
  s = again.Recover();
  FUZZ_CHECK(s.ok(), "recovering the MANIFEST just written: %s", s.ToString().c_str());
  auto w = again.current();
  for (int level = 0; level < kNumLevels; level++) {
    FUZZ_CHECK(Files(*v, level) == Files(*w, level), "level %d differs after a rewrite", level);
  }
  FUZZ_CHECK(vs.log_number() == again.log_number(), "log number %llu became %llu",
             (unsigned long long)vs.log_number(), (unsigned long long)again.log_number());
  FUZZ_CHECK(vs.last_sequence() == again.last_sequence(), "last sequence %llu became %llu",
             (unsigned long long)vs.last_sequence(), (unsigned long long)again.last_sequence());
  uint64_t n1 = vs.NewFileNumber(), n2 = again.NewFileNumber();
  FUZZ_CHECK(n1 == n2, "next file number %llu became %llu", (unsigned long long)n1,
             (unsigned long long)n2);
  vs.Close();
  again.Close();
  return true;
}

void CheckOpen(const std::string& dir, bool must_open, SequenceNumber last_sequence) {
  Options options;
  options.create_if_missing = false;
  options.background_threads = 1;
  options.block_cache_size = 0;
  std::unique_ptr<DB> db;
  Status s = DB::Open(options, dir, &db);
  FUZZ_CHECK(s.ok() || s.IsCorruption() || s.IsInvalid() || s.IsNotSupported(), "open: %s",
             s.ToString().c_str());
  if (must_open) FUZZ_CHECK(s.ok(), "open of an empty database: %s", s.ToString().c_str());
  if (!s.ok()) return;
  // Far from the 56-bit sequence limit, a write must work and survive a
  // reopen (whatever file numbers the MANIFEST left).
  if (last_sequence > (SequenceNumber{1} << 48)) return;
  s = db->Put(WriteOptions(), "key", "value");
  FUZZ_CHECK(s.ok(), "put: %s", s.ToString().c_str());
  db.reset();
  s = DB::Open(options, dir, &db);
  FUZZ_CHECK(s.ok(), "reopen: %s", s.ToString().c_str());
  std::string v;
  s = db->Get(ReadOptions(), "key", &v);
  FUZZ_CHECK(s.ok() && v == "value", "the write is lost after a reopen: %s", s.ToString().c_str());
}

void Run(std::string_view manifest) {
  CheckEditRoundTrip(manifest);
  const std::string dir = fuzz::ScratchDir("manifest") + "/db";
  WriteDir(dir, manifest);
  bool no_files = false;
  SequenceNumber last_sequence = 0;
  uint64_t log_number = 0;
  bool recovered = CheckVersionSet(dir, &no_files, &last_sequence, &log_number);
  WriteDir(dir, manifest);
  if (recovered && log_number != 0) {
    // The WAL the MANIFEST names must exist (docs/format.md): without it
    // the open fails. With it (empty), the open goes on.
    Options options;
    options.create_if_missing = false;
    std::unique_ptr<DB> db;
    Status s = DB::Open(options, dir, &db);
    FUZZ_CHECK(s.IsCorruption(), "open without the MANIFEST's log %llu: %s",
               (unsigned long long)log_number, s.ToString().c_str());
    WriteDir(dir, manifest);
    fuzz::WriteFileOrDie(LogFileName(dir, log_number), "");
  }
  CheckOpen(dir, recovered && no_files, last_sequence);
}

}  // namespace
}  // namespace lsm

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view manifest(reinterpret_cast<const char*>(data), size);
  lsm::Run(manifest);
  const std::string fixed = lsm::fuzz::FixLogChecksums(manifest);
  if (fixed != manifest) lsm::Run(fixed);
  return 0;
}
