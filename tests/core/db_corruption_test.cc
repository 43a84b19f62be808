// Random damage to every kind of file (the corruption test of the
// reliability work): flip bytes, truncate, or zero a range or the tail of a
// write-ahead log, a table, the MANIFEST or CURRENT, then open the database
// (paranoid_checks off and on) and read everything back. What must hold
// (docs/format.md, docs/durability.md promise 5):
//   - open succeeds, or fails with Corruption; never a crash or a hang;
//   - WAL damage: the open follows the log recovery rules of docs/format.md
//     exactly. A reference reader in this file applies those rules to the
//     damaged bytes and yields which records survive (not only a prefix: a
//     damaged record in the middle is skipped, later ones are replayed);
//     the database must then show the state before the log plus exactly
//     those records (each batch all or nothing), the DBStats wal-recovery
//     counts must match, a paranoid open must fail with Corruption exactly
//     when the rules say "reported" (and succeed otherwise), and a paranoid
//     reopen after a recovery is clean and shows the same state;
//   - table damage: every Get, scan and seek returns the latest value or
//     Corruption, never an older version, a deleted key or invented bytes;
//     a scan yields an exact prefix of the model before it stops. Reads
//     with verify_checksums off may return anything but must not crash;
//   - MANIFEST / CURRENT damage: open fails with Corruption, or succeeds
//     and shows exactly the right data; MANIFEST damage the rules report is
//     always fatal.
// Rounds run with background compaction on (the template has a full
// level 0), so compactions over damaged tables are exercised too.
// Values encode their key and version (key@version#padding), so a wrong
// value is named precisely in the failure message.
//
// Each round starts from a copy of a pristine template database (built
// once: several levels of tables, deletions, a WAL of unflushed writes).
// LSM_CORRUPTION_ROUNDS sets the rounds per file kind (default 50),
// LSM_CORRUPTION_SEED the seed. A one-line summary per kind is printed:
//   [corruption] <kind>: N rounds, ...
// LSM_CORRUPTION_VERBOSE=1 prints every open's outcome.
//
// Targeted tests after the rounds reproduce the bugs the rounds (or the
// rules they check) exposed; they are skipped until the engine is fixed.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "core/db/db.h"
#include "core/db/stats.h"
#include "core/db/version_edit.h"
#include "core/db/write_batch.h"
#include "core/log/log_writer.h"
#include "core/util/hash.h"
#include "tests/core/test_util.h"

namespace lsm {
namespace {

namespace fs = std::filesystem;

// ------------------------------------------------------------ the data

constexpr int kTableKeys = 2000;  // keys 0..1999 are written before the WAL
constexpr int kWalOnlyKeys = 50;  // keys 2000..2049 appear only in the WAL
constexpr int kAllKeys = kTableKeys + kWalOnlyKeys;

std::string KeyOf(int i) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "k%05d", i);
  return buf;
}

uint64_t Mix(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

// key@version#padding: 20..320 bytes, some compressible, some not.
std::string ValueOf(const std::string& key, uint64_t version) {
  std::string v = key + "@" + std::to_string(version) + "#";
  const uint64_t h = Mix(version);
  const size_t len = 20 + h % 300;
  uint64_t x = h;
  while (v.size() < len) {
    if (h & 1) {
      v.push_back(static_cast<char>('a' + version % 26));
    } else {
      x = x * 6364136223846793005ull + 1442695040888963407ull;
      v.push_back(static_cast<char>(x >> 56));
    }
  }
  return v;
}

// Names a value for failure messages: "k00012@345" when it is exactly a
// value this test wrote, else a description of the bytes.
std::string DescribeValue(std::string_view v) {
  const size_t at = v.find('@');
  const size_t hash = v.find('#');
  if (at != std::string_view::npos && hash != std::string_view::npos && at < hash) {
    const std::string key(v.substr(0, at));
    const std::string ver(v.substr(at + 1, hash - at - 1));
    char* end = nullptr;
    const uint64_t version = std::strtoull(ver.c_str(), &end, 10);
    if (!ver.empty() && *end == '\0' && ValueOf(key, version) == v) {
      return key + "@" + ver;
    }
  }
  std::string shown;
  for (char c : v.substr(0, 24)) shown.push_back(c >= 32 && c < 127 ? c : '.');
  return "unrecognizable value (" + std::to_string(v.size()) + " bytes: \"" + shown + "\")";
}

struct Op {
  std::string key;
  uint64_t version;  // unique per operation
  bool del;
};
using Batch = std::vector<Op>;
using State = std::map<std::string, std::string>;

void Apply(const Batch& b, State* s) {
  for (const Op& op : b) {
    if (op.del) {
      s->erase(op.key);
    } else {
      (*s)[op.key] = ValueOf(op.key, op.version);
    }
  }
}

// ------------------------------------------------- files and their bytes

std::string ReadFileBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

bool WriteFileBytes(const std::string& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(data.data(), static_cast<std::streamsize>(data.size()));
  return static_cast<bool>(out);
}

void CopyDir(const std::string& from, const std::string& to) {
  test::RemoveAll(to);
  fs::create_directories(to);
  for (const auto& e : fs::directory_iterator(from)) {
    if (e.path().filename() == "LOCK") continue;
    fs::copy_file(e.path(), fs::path(to) / e.path().filename());
  }
}

std::vector<std::string> FilesEndingIn(const std::string& dir, const std::string& suffix) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    if (name.size() >= suffix.size() &&
        name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0) {
      out.push_back(name);
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

uint32_t Fixed32(const char* p) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; i--) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}
uint64_t Fixed64(const char* p) {
  return Fixed32(p) | (static_cast<uint64_t>(Fixed32(p + 4)) << 32);
}

// ----------------------------------------------------------- damage

struct Damage {
  enum Type { kFlip, kTruncate, kZeroRange, kZeroTail };
  std::string file;  // name inside the database directory
  Type type = kFlip;
  std::vector<std::pair<uint64_t, uint8_t>> flips;  // offset, xor mask
  uint64_t offset = 0;                              // truncate: the new size; zero: the first byte
  uint64_t length = 0;                              // zero: bytes

  std::string Describe(uint64_t file_size) const {
    std::ostringstream o;
    o << file << " (" << file_size << " bytes): ";
    switch (type) {
      case kFlip:
        o << "xor";
        for (const auto& [off, mask] : flips) {
          char buf[48];
          std::snprintf(buf, sizeof(buf), " @%" PRIu64 "^0x%02x", off, mask);
          o << buf;
        }
        break;
      case kTruncate:
        o << "truncate to " << offset;
        break;
      case kZeroRange:
        o << "zero [" << offset << ", " << offset + length << ")";
        break;
      case kZeroTail:
        o << "zero the tail from " << offset;
        break;
    }
    return o.str();
  }

  void ApplyTo(std::string* data) const {
    switch (type) {
      case kFlip:
        for (const auto& [off, mask] : flips) (*data)[off] ^= static_cast<char>(mask);
        break;
      case kTruncate:
        data->resize(offset);
        break;
      case kZeroRange:
      case kZeroTail:
        std::fill(data->begin() + static_cast<long>(offset),
                  data->begin() + static_cast<long>(offset + length), '\0');
        break;
    }
  }
};

Damage RandomDamage(std::mt19937_64& rng, const std::string& file, uint64_t size) {
  // A third of the offsets fall in the last 4 KiB: a table's metadata and
  // footer, a log's last records.
  auto offset = [&]() -> uint64_t {
    if (rng() % 3 == 0) {
      const uint64_t tail = std::min<uint64_t>(size, 4096);
      return size - 1 - rng() % tail;
    }
    return rng() % size;
  };
  Damage d;
  d.file = file;
  const int r = static_cast<int>(rng() % 100);
  if (r < 40) {
    d.type = Damage::kFlip;
    static const int kCounts[] = {1, 1, 1, 1, 2, 3, 4, 8};
    const int n = kCounts[rng() % 8];
    for (int i = 0; i < n; i++) {
      const uint8_t mask = rng() % 2 ? static_cast<uint8_t>(1u << (rng() % 8))
                                     : static_cast<uint8_t>(1 + rng() % 255);
      d.flips.emplace_back(offset(), mask);
    }
  } else if (r < 60) {
    d.type = Damage::kTruncate;
    d.offset = offset();
  } else if (r < 85) {
    d.type = Damage::kZeroRange;
    d.offset = offset();
    d.length = std::min<uint64_t>(size - d.offset, 1 + rng() % 512);
  } else {
    d.type = Damage::kZeroTail;
    d.offset = offset();
    d.length = size - d.offset;
  }
  return d;
}

// ------------------------------------------- the log recovery rules

// One log record as the pristine WAL holds it.
struct WalRecord {
  uint64_t offset;
  std::string payload;
};

// What docs/format.md's recovery rules make of a log's bytes.
struct LogOutcome {
  std::vector<uint64_t> accepted;  // offsets of the records read
  bool reported = false;           // damage that is "reported"
  uint64_t dropped_records = 0;
  uint64_t dropped_bytes = 0;
  uint64_t torn_tail_bytes = 0;
};

// An independent reading of "Reading a log: the recovery rules".
LogOutcome ReadLogByTheRules(const std::string& data) {
  constexpr size_t kHeader = 12;
  LogOutcome out;
  size_t pos = 0;
  while (pos < data.size()) {
    const size_t avail = data.size() - pos;
    if (avail < kHeader) {  // rule 1
      out.torn_tail_bytes += avail;
      break;
    }
    const char* h = data.data() + pos;
    const uint32_t length = Fixed32(h);
    // Only zeros from `from` to the end of the file.
    auto zeros_from = [&](size_t from) {
      return std::all_of(data.begin() + static_cast<long>(from), data.end(), [](char c) { return c == 0; });
    };
    if (Fixed32(h + 4) != Checksum(h, 4) || length > (1u << 30)) {  // rule 2
      if (zeros_from(pos + 8)) {  // nothing but zeros after the length fields
        out.torn_tail_bytes += avail;
      } else {
        out.reported = true;
        out.dropped_bytes += avail;
      }
      break;
    }
    const size_t total = kHeader + length;
    if (avail < total) {  // rule 3
      out.torn_tail_bytes += avail;
      break;
    }
    if (Fixed32(h + 8) != Checksum(h + kHeader, length)) {  // rule 4
      if (zeros_from(pos + total)) {  // the last record, or only zeros after it
        out.torn_tail_bytes += avail;
        break;
      }
      out.reported = true;
      out.dropped_records++;
      out.dropped_bytes += total;
      pos += total;
      continue;
    }
    out.accepted.push_back(pos);
    pos += total;
  }
  return out;
}

// The write batch of a log payload, decoded by docs/format.md (not by the
// engine's code). False if it does not parse.
bool DecodeBatch(const std::string& p, Batch* ops, uint64_t* sequence) {
  if (p.size() < 12) return false;
  *sequence = Fixed64(p.data());
  const uint32_t count = Fixed32(p.data() + 8);
  size_t pos = 12;
  auto varint = [&](uint32_t* v) {
    *v = 0;
    for (int shift = 0; shift <= 28 && pos < p.size(); shift += 7) {
      const auto b = static_cast<unsigned char>(p[pos++]);
      *v |= static_cast<uint32_t>(b & 0x7f) << shift;
      if ((b & 0x80) == 0) return true;
    }
    return false;
  };
  auto varstring = [&](std::string* s) {
    uint32_t n;
    if (!varint(&n) || n > p.size() - pos) return false;
    s->assign(p, pos, n);
    pos += n;
    return true;
  };
  ops->clear();
  for (uint32_t i = 0; i < count; i++) {
    if (pos >= p.size()) return false;
    const char type = p[pos++];
    Op op;
    op.version = 0;
    if (!varstring(&op.key)) return false;
    if (type == 1) {
      std::string value;
      if (!varstring(&value)) return false;
      op.del = false;
      // The value names its version.
      const size_t at = value.find('@');
      if (at == std::string::npos) return false;
      op.version = std::strtoull(value.c_str() + at + 1, nullptr, 10);
      if (ValueOf(op.key, op.version) != value) return false;
    } else if (type == 0) {
      op.del = true;
    } else {
      return false;
    }
    ops->push_back(std::move(op));
  }
  return pos == p.size();
}

// ------------------------------------------------------ the template

Options TemplateOptions() {
  Options o;
  o.create_if_missing = true;
  o.write_buffer_size = 32 << 10;
  o.target_file_size = 32 << 10;
  o.block_size = 1024;
  o.max_bytes_for_level_base = 64 << 10;
  o.level_size_multiplier = 4;
  o.level0_compaction_trigger = 4;
  o.background_threads = 1;
  return o;
}

// The options every round opens with: the template's, so that a round may
// also flush and compact (over damaged tables, too).
Options RoundOptions(bool paranoid) {
  Options o = TemplateOptions();
  o.create_if_missing = false;
  o.paranoid_checks = paranoid;
  return o;
}

struct Template {
  std::string dir;
  std::vector<Batch> history;  // every write, in order
  size_t wal_first = 0;        // history[wal_first..] is the WAL
  State before_wal;            // the state the tables hold
  State final_state;
  std::vector<std::string> probe_keys;  // every key written, and never-written ones
  std::string wal_file;
  std::vector<WalRecord> wal_records;  // parallel to history[wal_first..]
  std::string shape;                   // for the log
};

std::string TmpBase() {
  const char* base = std::getenv("LSM_TEST_TMPDIR");
  return base != nullptr ? base : "/tmp";
}

int EnvInt(const char* name, int def) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') return def;
  return std::atoi(v);
}

class DBCorruptionTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    tmpl_ = new Template;
    tmpl_->dir = TmpBase() + "/DBCorruptionTest.template." + std::to_string(::getpid());
    build_error_ = BuildTemplate(tmpl_);
  }
  static void TearDownTestSuite() {
    if (tmpl_ != nullptr) test::RemoveAll(tmpl_->dir);
    delete tmpl_;
    tmpl_ = nullptr;
  }

  // Writes the history; returns an error text or "".
  static std::string BuildTemplate(Template* t) {
    test::RemoveAll(t->dir);
    std::mt19937_64 rng(0xC0FFEE);
    uint64_t version = 0;
    std::unique_ptr<DB> db;
    auto write = [&](const Batch& b) -> std::string {
      Status s;
      if (b.size() == 1 && !b[0].del) {
        s = db->Put(WriteOptions(), b[0].key, ValueOf(b[0].key, b[0].version));
      } else if (b.size() == 1) {
        s = db->Delete(WriteOptions(), b[0].key);
      } else {
        WriteBatch wb;
        for (const Op& op : b) {
          if (op.del) {
            wb.Delete(op.key);
          } else {
            wb.Put(op.key, ValueOf(op.key, op.version));
          }
        }
        s = db->Write(WriteOptions(), wb);
      }
      if (!s.ok()) return "write: " + s.ToString();
      t->history.push_back(b);
      return "";
    };
    // A random batch: mostly single operations, some of 2..8 (a key may
    // appear twice in one); keys from [lo, hi), deletions at del_pct %.
    auto random_batch = [&](int lo, int hi, int del_pct) {
      Batch b;
      const int n = rng() % 4 == 0 ? 2 + static_cast<int>(rng() % 7) : 1;
      for (int i = 0; i < n; i++) {
        const int k = lo + static_cast<int>(rng() % static_cast<uint64_t>(hi - lo));
        b.push_back({KeyOf(k), ++version, static_cast<int>(rng() % 100) < del_pct});
      }
      return b;
    };

    // Session 1: every table key, in random order; then overwrites and
    // deletions. Small tables and levels: compactions into several levels.
    // A flush every 100 writes, each followed by the compactions it calls
    // for (and nothing else meanwhile): the same files on every run.
    Options o = TemplateOptions();
    o.write_buffer_size = 4 << 20;
    Status s = DB::Open(o, t->dir, &db);
    if (!s.ok()) return "open: " + s.ToString();
    int since_flush = 0;
    auto maybe_flush = [&]() -> std::string {
      if (++since_flush < 100) return "";
      since_flush = 0;
      Status fs = db->Flush();
      if (!fs.ok()) return "flush: " + fs.ToString();
      if (auto idle = test::WaitForIdle(db.get(), o.level0_compaction_trigger); !idle) {
        return idle.message();
      }
      return "";
    };
    std::vector<int> order(kTableKeys);
    for (int i = 0; i < kTableKeys; i++) order[i] = i;
    std::shuffle(order.begin(), order.end(), rng);
    for (size_t i = 0; i < order.size();) {
      Batch b;
      const size_t n = rng() % 4 == 0 ? 2 + rng() % 7 : 1;
      for (size_t j = 0; j < n && i < order.size(); j++, i++) {
        b.push_back({KeyOf(order[i]), ++version, false});
      }
      std::string e = write(b);
      if (e.empty()) e = maybe_flush();
      if (!e.empty()) return e;
    }
    for (int i = 0; i < 1200; i++) {
      std::string e = write(random_batch(0, kTableKeys, 20));
      if (e.empty()) e = maybe_flush();
      if (!e.empty()) return e;
    }
    s = db->Flush();
    if (!s.ok()) return "flush: " + s.ToString();
    if (auto idle = test::WaitForIdle(db.get(), o.level0_compaction_trigger); !idle) {
      return idle.message();
    }
    db.reset();

    // Session 2: no background compaction; two more level-0 tables, then
    // writes that stay in the WAL (the buffer is large enough).
    o.level0_compaction_trigger = 1000;
    o.level0_slowdown_trigger = 1000;
    o.level0_stop_trigger = 1000;
    o.max_bytes_for_level_base = uint64_t{1} << 40;
    s = DB::Open(o, t->dir, &db);
    if (!s.ok()) return "reopen: " + s.ToString();
    for (int f = 0; f < 2; f++) {
      for (int i = 0; i < 80; i++) {
        std::string e = write(random_batch(0, kTableKeys, 20));
        if (!e.empty()) return e;
      }
      s = db->Flush();
      if (!s.ok()) return "flush: " + s.ToString();
    }
    t->wal_first = t->history.size();
    for (int i = 0; i < 150; i++) {
      std::string e = write(random_batch(0, kAllKeys, 15));
      if (!e.empty()) return e;
    }
    std::string levels;
    for (int l = 0; l < kNumLevels; l++) {
      std::string n;
      db->GetProperty("lsm.num-files-at-level" + std::to_string(l), &n);
      if (n != "0") levels += " L" + std::to_string(l) + ":" + n;
    }
    db.reset();

    // The model.
    for (size_t i = 0; i < t->history.size(); i++) {
      if (i == t->wal_first) t->before_wal = t->final_state;
      Apply(t->history[i], &t->final_state);
    }
    for (int i = 0; i < kAllKeys; i++) t->probe_keys.push_back(KeyOf(i));
    for (int i = 0; i <= kAllKeys; i += 7) t->probe_keys.push_back(KeyOf(i) + "+");
    for (const char* k : {"", "a", "k", "k0", "zzz"}) t->probe_keys.push_back(k);
    t->probe_keys.push_back(KeyOf(kAllKeys));

    // The WAL: one log, holding exactly history[wal_first..], one record
    // per write.
    const auto logs = FilesEndingIn(t->dir, ".log");
    if (logs.size() != 1) return "expected one log, found " + std::to_string(logs.size());
    t->wal_file = logs[0];
    const std::string wal = ReadFileBytes(t->dir + "/" + t->wal_file);
    const LogOutcome clean = ReadLogByTheRules(wal);
    if (clean.reported || clean.torn_tail_bytes != 0) return "the pristine WAL reads as damaged";
    if (clean.accepted.size() != t->history.size() - t->wal_first) {
      return "the WAL holds " + std::to_string(clean.accepted.size()) + " records, expected " +
             std::to_string(t->history.size() - t->wal_first);
    }
    for (size_t i = 0; i < clean.accepted.size(); i++) {
      const uint64_t off = clean.accepted[i];
      WalRecord r{off, wal.substr(off + 12, Fixed32(wal.data() + off))};
      Batch ops;
      uint64_t seq;
      if (!DecodeBatch(r.payload, &ops, &seq))
        return "WAL record " + std::to_string(i) + " does not parse";
      const Batch& want = t->history[t->wal_first + i];
      bool same = ops.size() == want.size();
      for (size_t j = 0; same && j < ops.size(); j++) {
        same = ops[j].key == want[j].key && ops[j].del == want[j].del &&
               (ops[j].del || ops[j].version == want[j].version);
      }
      if (!same) return "WAL record " + std::to_string(i) + " is not the write expected";
      t->wal_records.push_back(std::move(r));
    }
    const auto ssts = FilesEndingIn(t->dir, ".sst");
    t->shape = std::to_string(ssts.size()) + " tables (" + levels.substr(1) + "), WAL " +
               std::to_string(wal.size()) + " bytes in " + std::to_string(clean.accepted.size()) +
               " records, " + std::to_string(t->final_state.size()) + " live keys";
    if (ssts.size() < 4 || levels.find("L0") == std::string::npos ||
        levels.find("L2") == std::string::npos) {
      return "the template has too few levels: " + t->shape;
    }
    return "";
  }

  static Template* tmpl_;
  static std::string build_error_;
};

Template* DBCorruptionTest::tmpl_ = nullptr;
std::string DBCorruptionTest::build_error_;

// ----------------------------------------------------- the checks

// Reads everything from db and compares with `expect`. Corruption
// statuses are counted; they are errors unless allow_corruption.
class Checker {
 public:
  Checker(DB* db, const State& expect, bool allow_corruption)
      : db_(db), allow_corruption_(allow_corruption), expect_(expect.begin(), expect.end()) {}

  void Run(const std::vector<std::string>& probe_keys, std::mt19937_64& rng) {
    for (const std::string& k : probe_keys) CheckGet(k);
    {
      auto it = db_->NewIterator(ReadOptions());
      it->SeekToFirst();
      CheckSteps(it.get(), 0, +1, -1, "forward scan");
    }
    {
      auto it = db_->NewIterator(ReadOptions());
      it->SeekToLast();
      CheckSteps(it.get(), static_cast<long>(expect_.size()) - 1, -1, -1, "backward scan");
    }
    auto it = db_->NewIterator(ReadOptions());
    for (int i = 0; i < 8; i++) {
      const std::string& t = probe_keys[rng() % probe_keys.size()];
      it->Seek(t);
      CheckSteps(it.get(), LowerBound(t), +1, 4, "Seek(\"" + t + "\")");
      it->SeekForPrev(t);
      CheckSteps(it.get(), UpperBound(t) - 1, -1, 4, "SeekForPrev(\"" + t + "\")");
    }
  }

  // Also checked: the number of errors, and the first few.
  int errors() const { return errors_; }
  const std::string& first_errors() const { return messages_; }
  int corrupt_gets() const { return corrupt_gets_; }
  int corrupt_iterations() const { return corrupt_iterations_; }

 private:
  void Error(const std::string& what) {
    if (errors_++ < 4) messages_ += "\n    " + what;
  }

  void CheckGet(const std::string& key) {
    std::string v;
    Status s = db_->Get(ReadOptions(), key, &v);
    auto e = std::lower_bound(expect_.begin(), expect_.end(), key,
                              [](const auto& kv, const std::string& k) { return kv.first < k; });
    const bool present = e != expect_.end() && e->first == key;
    if (s.ok()) {
      if (!present) {
        Error("Get(\"" + key + "\") returned " + DescribeValue(v) + "; the key should be absent");
      } else if (v != e->second) {
        Error("Get(\"" + key + "\") returned " + DescribeValue(v) + ", expected " +
              DescribeValue(e->second));
      }
    } else if (s.IsNotFound()) {
      if (present)
        Error("Get(\"" + key + "\") returned NOT_FOUND, expected " + DescribeValue(e->second));
    } else if (s.IsCorruption() && allow_corruption_) {
      corrupt_gets_++;
    } else {
      Error("Get(\"" + key + "\"): " + s.ToString());
    }
  }

  long LowerBound(const std::string& t) const {
    return std::lower_bound(expect_.begin(), expect_.end(), t,
                            [](const auto& kv, const std::string& k) { return kv.first < k; }) -
           expect_.begin();
  }
  long UpperBound(const std::string& t) const {
    return std::upper_bound(expect_.begin(), expect_.end(), t,
                            [](const std::string& k, const auto& kv) { return k < kv.first; }) -
           expect_.begin();
  }

  // From a freshly positioned iterator: the entries must be expect_[i],
  // expect_[i + dir], ... (at most max_steps; -1: to the end), then either
  // the end (status OK) or a stop with Corruption.
  void CheckSteps(UserIterator* it, long i, int dir, long max_steps, const std::string& what) {
    long steps = 0;
    const long n = static_cast<long>(expect_.size());
    for (; it->Valid() && (max_steps < 0 || steps < max_steps); steps++) {
      if (!it->status().ok()) {
        Error(what + ": valid with status " + it->status().ToString());
        return;
      }
      const std::string k(it->key());
      if (i < 0 || i >= n) {
        Error(what + ": yielded \"" + k + "\" = " + DescribeValue(it->value()) +
              " after the last key expected");
        return;
      }
      if (k != expect_[i].first) {
        Error(what + ": yielded \"" + k + "\" = " + DescribeValue(it->value()) + " where \"" +
              expect_[i].first + "\" = " + DescribeValue(expect_[i].second) + " was expected");
        return;
      }
      if (it->value() != expect_[i].second) {
        Error(what + ": \"" + k + "\" = " + DescribeValue(it->value()) + ", expected " +
              DescribeValue(expect_[i].second));
        return;
      }
      i += dir;
      if (dir > 0) {
        it->Next();
      } else {
        it->Prev();
      }
    }
    if (it->Valid()) return;  // max_steps reached
    const Status s = it->status();
    if (s.ok()) {
      if (i >= 0 && i < n) {
        Error(what + ": ended early; \"" + expect_[i].first +
              "\" = " + DescribeValue(expect_[i].second) + " is missing");
      }
    } else if (s.IsCorruption() && allow_corruption_) {
      corrupt_iterations_++;
    } else {
      Error(what + ": " + s.ToString());
    }
  }

  DB* const db_;
  const bool allow_corruption_;
  const std::vector<std::pair<std::string, std::string>> expect_;
  int errors_ = 0;
  std::string messages_;
  int corrupt_gets_ = 0;
  int corrupt_iterations_ = 0;
};

// Per file kind: what the opens and reads came to.
struct Tally {
  int rounds = 0;
  int opens = 0;
  int opened = 0;
  int refused = 0;           // open failed with Corruption
  int recovered_damage = 0;  // WAL: opened, skipping reported damage
  int torn_tail = 0;         // WAL: opened, dropping a torn/zeroed tail
  int reads_corrupt = 0;     // opened; some read said Corruption
  long corrupt_gets = 0;
  long corrupt_iterations = 0;
  int fully_correct = 0;  // opened; every read exact, no error
  int wrong = 0;          // opens that broke a rule

  std::string Summary(const std::string& kind) const {
    char buf[512];
    std::snprintf(buf, sizeof(buf),
                  "[corruption] %s: %d rounds, %d opens: %d opened, %d refused with Corruption; "
                  "%d fully correct, %d with Corruption on reads (%ld gets, %ld scans/seeks); "
                  "%d wrong",
                  kind.c_str(), rounds, opens, opened, refused, fully_correct, reads_corrupt,
                  corrupt_gets, corrupt_iterations, wrong);
    std::string s = buf;
    if (kind == "wal") {
      s += "; of the opens: " + std::to_string(recovered_damage) + " skipped damaged records, " +
           std::to_string(torn_tail) + " dropped a torn tail";
    }
    return s;
  }
};

enum class Kind { kWal, kTable, kManifest, kCurrent };

const char* KindName(Kind k) {
  switch (k) {
    case Kind::kWal:
      return "wal";
    case Kind::kTable:
      return "sst";
    case Kind::kManifest:
      return "manifest";
    case Kind::kCurrent:
      return "current";
  }
  return "?";
}

class DBCorruptionRounds : public DBCorruptionTest {
 protected:
  void RunRounds(Kind kind) {
    ASSERT_EQ("", build_error_);
    const Template& t = *tmpl_;
    const int rounds = std::max(1, EnvInt("LSM_CORRUPTION_ROUNDS", 50));
    const uint64_t seed = static_cast<uint64_t>(EnvInt("LSM_CORRUPTION_SEED", 1)) * 1000 +
                          static_cast<uint64_t>(kind);
    const bool verbose = EnvInt("LSM_CORRUPTION_VERBOSE", 0) != 0;
    std::mt19937_64 rng(seed);
    const std::string work = test::TempDir();
    static bool shown = false;
    if (!shown) std::printf("[corruption] template: %s\n", t.shape.c_str());
    shown = true;

    std::vector<std::string> files;
    switch (kind) {
      case Kind::kWal:
        files = {t.wal_file};
        break;
      case Kind::kTable:
        files = FilesEndingIn(t.dir, ".sst");
        break;
      case Kind::kManifest:
        for (const auto& f : FilesEndingIn(t.dir, "")) {
          if (f.rfind("MANIFEST-", 0) == 0) files.push_back(f);
        }
        break;
      case Kind::kCurrent:
        files = {"CURRENT"};
        break;
    }
    ASSERT_EQ(kind == Kind::kTable ? files.size() : 1u, files.size());

    const size_t manifest_records =
        kind == Kind::kManifest
            ? ReadLogByTheRules(ReadFileBytes(t.dir + "/" + files[0])).accepted.size()
            : 0;

    Tally tally;
    int failed_rounds = 0;
    for (int round = 0; round < rounds; round++) {
      const std::string file = files[rng() % files.size()];
      const std::string pristine = ReadFileBytes(t.dir + "/" + file);
      ASSERT_FALSE(pristine.empty()) << file;
      const Damage damage = RandomDamage(rng, file, pristine.size());
      std::string damaged = pristine;
      damage.ApplyTo(&damaged);
      const uint64_t read_seed = rng();
      tally.rounds++;

      // What the database must show, and for the WAL what the rules say.
      State expect = t.final_state;
      LogOutcome log;
      if (kind == Kind::kWal) {
        log = ReadLogByTheRules(damaged);
        expect = t.before_wal;
        size_t next = 0;
        for (uint64_t off : log.accepted) {
          while (next < t.wal_records.size() && t.wal_records[next].offset < off) next++;
          ASSERT_TRUE(next < t.wal_records.size() && t.wal_records[next].offset == off &&
                      damaged.compare(off + 12, t.wal_records[next].payload.size(),
                                      t.wal_records[next].payload) == 0)
              << "a damaged record passed its checksums: " << damage.Describe(pristine.size());
          Apply(t.history[t.wal_first + next], &expect);
        }
      }
      // The MANIFEST is a log too: the rules say whether its damage is
      // reported (always fatal) or reads as a torn tail that loses edits.
      bool manifest_reported = false, manifest_lost_edits = false;
      if (kind == Kind::kManifest) {
        const LogOutcome m = ReadLogByTheRules(damaged);
        manifest_reported = m.reported;
        manifest_lost_edits = !m.reported && m.accepted.size() < manifest_records;
      }
      const bool noop = damaged == pristine;  // e.g. zeroes written over zeroes

      bool round_failed = false;
      for (bool paranoid : {false, true}) {
        const std::string where = std::string(KindName(kind)) + " round " + std::to_string(round) +
                                  (paranoid ? " (paranoid)" : "") + ", damage " +
                                  damage.Describe(pristine.size());
        test::Watchdog watchdog(std::chrono::seconds(120), where);
        CopyDir(t.dir, work);
        ASSERT_TRUE(WriteFileBytes(work + "/" + file, damaged)) << where;
        tally.opens++;

        std::unique_ptr<DB> db;
        const Status s = DB::Open(RoundOptions(paranoid), work, &db);
        std::string failure;
        std::string outcome;
        if (!s.ok()) {
          outcome = "open: " + s.ToString();
          if (s.IsCorruption()) tally.refused++;
          if (!s.IsCorruption()) {
            failure = "open failed with a status other than Corruption: " + s.ToString();
          } else if (noop) {
            failure = "open of an undamaged copy failed: " + s.ToString();
          } else if (kind == Kind::kWal && !(paranoid && log.reported)) {
            failure = std::string("open failed, but the log recovery rules ") +
                      (log.reported ? "say a non-paranoid open skips the damage: "
                                    : "find only a torn tail: ") +
                      s.ToString();
          }
        } else {
          tally.opened++;
          if (kind == Kind::kWal && paranoid && log.reported) {
            failure = "a paranoid open succeeded over damage the log recovery rules report";
          }
          if (kind == Kind::kManifest && manifest_reported) {
            failure =
                "open succeeded over MANIFEST damage the recovery rules report (always fatal)";
          }
          if (kind == Kind::kManifest && manifest_lost_edits) {
            // Every edit of the template took effect (its log retired, its
            // compaction's inputs deleted): losing one to a "torn" tail must
            // be refused, not served as an older state (docs/format.md).
            failure = "open succeeded although the MANIFEST lost edits that had taken effect";
          }
          if (kind == Kind::kWal) {
            if (log.reported) tally.recovered_damage++;
            if (log.torn_tail_bytes > 0) tally.torn_tail++;
            const DBStats st = db->GetStats();
            const long long dr = static_cast<long long>(st.wal_dropped_records);
            const long long dbytes = static_cast<long long>(st.wal_dropped_bytes);
            const long long tt = static_cast<long long>(st.wal_torn_tail_bytes);
            if (dr != static_cast<long long>(log.dropped_records) ||
                dbytes != static_cast<long long>(log.dropped_bytes) ||
                tt != static_cast<long long>(log.torn_tail_bytes)) {
              char buf[256];
              std::snprintf(buf, sizeof(buf),
                            "DBStats wal recovery: dropped-records %lld dropped-bytes %lld "
                            "torn-tail-bytes %lld; the rules give %" PRIu64 " %" PRIu64 " %" PRIu64,
                            dr, dbytes, tt, log.dropped_records, log.dropped_bytes,
                            log.torn_tail_bytes);
              if (!failure.empty()) failure += "; ";
              failure += buf;
            }
          }
          std::mt19937_64 read_rng(read_seed);
          Checker check(db.get(), expect, /*allow_corruption=*/kind == Kind::kTable && !noop);
          check.Run(t.probe_keys, read_rng);
          tally.corrupt_gets += check.corrupt_gets();
          tally.corrupt_iterations += check.corrupt_iterations();
          const bool corrupt_reads = check.corrupt_gets() + check.corrupt_iterations() > 0;
          if (corrupt_reads) tally.reads_corrupt++;
          if (check.errors() == 0 && !corrupt_reads && failure.empty()) tally.fully_correct++;
          outcome = "opened; " + std::to_string(check.corrupt_gets()) + " gets and " +
                    std::to_string(check.corrupt_iterations()) + " scans/seeks said Corruption";
          if (kind == Kind::kTable && !paranoid) {
            // Reads that skip the data-block checksums may return damaged
            // bytes (documented), but must not crash or hang; under
            // AddressSanitizer they must not read out of bounds either.
            ReadOptions unverified;
            unverified.verify_checksums = false;
            std::string v;
            for (const std::string& k : t.probe_keys) db->Get(unverified, k, &v).ok();
            auto it = db->NewIterator(unverified);
            for (it->SeekToFirst(); it->Valid(); it->Next()) {
            }
            for (it->SeekToLast(); it->Valid(); it->Prev()) {
            }
          }
          if (check.errors() > 0) {
            if (!failure.empty()) failure += "; ";
            failure += std::to_string(check.errors()) + " wrong reads:" + check.first_errors();
          }
        }
        db.reset();
        if (s.ok() && kind == Kind::kWal && failure.empty()) {
          // The recovery is done once for all: a paranoid reopen is clean
          // and shows the same state.
          const Status s2 = DB::Open(RoundOptions(true), work, &db);
          if (!s2.ok()) {
            failure = "paranoid reopen after the recovery: " + s2.ToString();
          } else {
            const DBStats st = db->GetStats();
            if (st.wal_dropped_records != 0 || st.wal_torn_tail_bytes != 0) {
              failure = "the reopen after the recovery found damage again";
            }
            std::mt19937_64 read_rng(read_seed);
            Checker check(db.get(), expect, /*allow_corruption=*/false);
            check.Run(t.probe_keys, read_rng);
            if (check.errors() > 0) {
              if (!failure.empty()) failure += "; ";
              failure += "after the reopen, " + std::to_string(check.errors()) +
                         " wrong reads:" + check.first_errors();
            }
          }
          db.reset();
        }
        if (verbose) std::printf("  %s: %s\n", where.c_str(), outcome.c_str());
        if (!failure.empty()) {
          tally.wrong++;
          round_failed = true;
          if (failed_rounds < 5) ADD_FAILURE() << where << ":\n  " << failure;
        }
      }
      if (round_failed) failed_rounds++;
    }
    test::RemoveAll(work);
    const std::string summary = tally.Summary(KindName(kind));
    std::printf("%s\n", summary.c_str());
    std::fflush(stdout);
    EXPECT_EQ(0, tally.wrong) << summary;
  }
};

TEST_F(DBCorruptionRounds, Wal) { RunRounds(Kind::kWal); }
TEST_F(DBCorruptionRounds, Table) { RunRounds(Kind::kTable); }
TEST_F(DBCorruptionRounds, Manifest) { RunRounds(Kind::kManifest); }
TEST_F(DBCorruptionRounds, Current) { RunRounds(Kind::kCurrent); }

// A log record: header and payload, with checksums that hold.
std::string LogRecord(const std::string& payload) {
  auto fixed32 = [](std::string* dst, uint32_t v) {
    for (int i = 0; i < 4; i++) dst->push_back(static_cast<char>(v >> (8 * i)));
  };
  std::string len;
  fixed32(&len, static_cast<uint32_t>(payload.size()));
  std::string out = len;
  fixed32(&out, Checksum(len.data(), 4));
  fixed32(&out, Checksum(payload.data(), payload.size()));
  return out + payload;
}

// A write batch payload (docs/format.md) of puts; `count` is what the header
// claims, which need not be puts.size().
std::string BatchPayload(uint64_t sequence, uint32_t count,
                         const std::vector<std::pair<std::string, std::string>>& puts) {
  std::string p;
  for (int i = 0; i < 8; i++) p.push_back(static_cast<char>(sequence >> (8 * i)));
  for (int i = 0; i < 4; i++) p.push_back(static_cast<char>(count >> (8 * i)));
  for (const auto& [k, v] : puts) {
    p.push_back(1);
    p.push_back(static_cast<char>(k.size()));  // short strings: a one-byte varint
    p += k;
    p.push_back(static_cast<char>(v.size()));
    p += v;
  }
  return p;
}

// Regression test for a bug this suite found. docs/format.md: "A payload that passes its
// checksum but does not parse as a write batch is treated the same way" as
// a damaged record -- "the damaged record (one write batch, all or nothing)
// is skipped". DB::ReplayLog (core/db/db.cc) used to insert the operations
// that parse before the one that does not (WriteBatch::InsertInto stops
// midway) and only then count the record as dropped. Those entries kept
// their sequence numbers: followed by a good record they were visible at
// once (a dropped batch half applied); as the log's last record they were
// invisible until later writes pushed the sequence past them, and then an
// old, dropped write reappeared over an acknowledged one.
TEST_F(DBCorruptionTest, UnparsableWalBatchIsSkippedWhole) {
  for (bool last : {false, true}) {
    SCOPED_TRACE(last ? "bad record last" : "bad record followed by a good one");
    const std::string dir = test::TempDir();
    Options o;
    std::unique_ptr<DB> db;
    ASSERT_TRUE(DB::Open(o, dir, &db).ok());
    ASSERT_TRUE(db->Put(WriteOptions(), "a", "acked").ok());  // sequence 1
    db.reset();
    const auto logs = FilesEndingIn(dir, ".log");
    ASSERT_EQ(1u, logs.size());
    // Sequences 2..4 by its header, but two operations: the count does not
    // match, so the batch does not parse.
    std::string tail = LogRecord(BatchPayload(2, 3, {{"a", "dropped"}, {"ghost", "dropped"}}));
    if (!last) tail += LogRecord(BatchPayload(5, 1, {{"after", "kept"}}));
    {
      std::ofstream f(dir + "/" + logs[0], std::ios::binary | std::ios::app);
      f << tail;
    }
    const std::string copy = dir + ".paranoid";
    CopyDir(dir, copy);
    Options paranoid = o;
    paranoid.paranoid_checks = true;
    Status s = DB::Open(paranoid, copy, &db);
    EXPECT_TRUE(s.IsCorruption()) << s.ToString();
    db.reset();
    test::RemoveAll(copy);

    ASSERT_TRUE(DB::Open(o, dir, &db).ok());
    EXPECT_EQ(1u, db->GetStats().wal_dropped_records);
    EXPECT_EQ("acked", test::ReadValue(db.get(), "a"));
    EXPECT_EQ("NOT_FOUND", test::ReadValue(db.get(), "ghost"));
    EXPECT_EQ(last ? "NOT_FOUND" : "kept", test::ReadValue(db.get(), "after"));
    // New writes take the next sequence numbers; nothing dropped may appear.
    for (int i = 0; i < 4; i++)
      ASSERT_TRUE(db->Put(WriteOptions(), "w" + std::to_string(i), "v").ok());
    EXPECT_EQ("acked", test::ReadValue(db.get(), "a"));
    EXPECT_EQ("NOT_FOUND", test::ReadValue(db.get(), "ghost"));
    db.reset();
    ASSERT_TRUE(DB::Open(o, dir, &db).ok());
    EXPECT_EQ("acked", test::ReadValue(db.get(), "a"));
    EXPECT_EQ("NOT_FOUND", test::ReadValue(db.get(), "ghost"));
    db.reset();
    test::RemoveAll(dir);
  }
}

// Regression test for a bug this suite found. A MANIFEST whose last record
// reads as a torn tail (the file cut short, the record's payload damaged,
// its end zeroed) used to open with that edit ignored. But a record on disk
// that is followed by nothing is not always one that never took effect:
// here it did, and its effects are on disk -- the log it retired is
// deleted, and the table it added was deleted as obsolete by the open. The
// database opened and served an older state without a word: "k" read "v1"
// after "v2" was written and flushed. Now the open finds the log the
// recovered MANIFEST names missing and fails with Corruption.
TEST_F(DBCorruptionTest, TornManifestTailWithLostEditsIsRefused) {
  const std::string dir = test::TempDir();
  Options o;
  std::unique_ptr<DB> db;
  ASSERT_TRUE(DB::Open(o, dir, &db).ok());
  ASSERT_TRUE(db->Put(WriteOptions(), "k", "v1").ok());
  ASSERT_TRUE(db->Flush().ok());
  ASSERT_TRUE(db->Put(WriteOptions(), "k", "v2").ok());
  ASSERT_TRUE(db->Flush().ok());
  db.reset();
  std::string manifest;
  for (const auto& f : FilesEndingIn(dir, "")) {
    if (f.rfind("MANIFEST-", 0) == 0) manifest = dir + "/" + f;
  }
  ASSERT_FALSE(manifest.empty());
  // Cut one byte: the last edit (the second flush's) reads as a torn tail.
  ASSERT_TRUE(test::TruncateFile(manifest, test::FileSize(manifest) - 1));
  const Status s = DB::Open(o, dir, &db);
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  if (s.ok()) {
    EXPECT_EQ("v2", test::ReadValue(db.get(), "k")) << "an older state is served";
  }
  db.reset();
  test::RemoveAll(dir);
}

// ------------------------------------------------ found by the fuzz targets
// (tests/fuzz; the inputs are kept there as regress-* seeds too)

// A directory holding only 000001.log with the given batches (valid
// checksums), as a crash of a new database would leave it.
void WriteLogOnly(const std::string& dir, const std::vector<WriteBatch>& batches) {
  FileSystem* fs = FileSystem::Default();
  ASSERT_TRUE(fs->CreateDir(dir).ok());
  std::unique_ptr<WritableFile> f;
  ASSERT_TRUE(fs->NewWritableFile(dir + "/000001.log", &f).ok());
  LogWriter w(std::move(f));
  for (const WriteBatch& b : batches) ASSERT_TRUE(w.AddRecord(b.rep(), false).ok());
  ASSERT_TRUE(w.Close().ok());
}

WriteBatch OnePut(const std::string& key, const std::string& value, SequenceNumber sequence) {
  WriteBatch b;
  b.Put(key, value);
  b.set_sequence(sequence);
  return b;
}

// The log of dir holds one damaged record: a paranoid open refuses it, a
// plain one opens having dropped it. Returns that database (null if not).
std::unique_ptr<DB> OpenDroppingOneRecord(const std::string& dir) {
  Options paranoid;
  paranoid.paranoid_checks = true;
  std::unique_ptr<DB> db;
  EXPECT_TRUE(DB::Open(paranoid, dir, &db).IsCorruption());
  db.reset();
  Status s = DB::Open(Options(), dir, &db);
  EXPECT_TRUE(s.ok()) << s.ToString();
  if (db != nullptr) {
    EXPECT_EQ(1u, db->GetStats().wal_dropped_records);
  }
  return db;
}

// A batch numbered past 2^56 used to be replayed; the MANIFEST then held a
// last sequence the next open refused, and the database could not be
// opened again. Now it is damage, skipped (or refused when paranoid).
TEST_F(DBCorruptionTest, LogBatchPastSequenceLimitIsDamage) {
  const std::string dir = test::TempDir();
  WriteLogOnly(dir, {OnePut("k", "kept", 1), OnePut("a", "b", uint64_t{1} << 60)});
  std::unique_ptr<DB> db = OpenDroppingOneRecord(dir);
  ASSERT_TRUE(db != nullptr);
  EXPECT_EQ("kept", test::ReadValue(db.get(), "k"));
  EXPECT_EQ("NOT_FOUND", test::ReadValue(db.get(), "a"));
  db.reset();
  Status s = DB::Open(Options(), dir, &db);
  ASSERT_TRUE(s.ok()) << "the second open: " << s.ToString();
  EXPECT_EQ("kept", test::ReadValue(db.get(), "k"));
  db.reset();
  test::RemoveAll(dir);
}

// Batches that reuse sequence numbers used to insert two entries with one
// internal key (an assertion in SkipList::Insert; without assertions an
// arbitrary winner). The later record is now damage.
TEST_F(DBCorruptionTest, LogBatchRepeatingSequenceIsDamage) {
  const std::string dir = test::TempDir();
  WriteLogOnly(dir, {OnePut("a", "first", 7), OnePut("a", "second", 7)});
  std::unique_ptr<DB> db = OpenDroppingOneRecord(dir);
  ASSERT_TRUE(db != nullptr);
  EXPECT_EQ("first", test::ReadValue(db.get(), "a"));
  db.reset();
  test::RemoveAll(dir);
}

// A MANIFEST whose next file number is 2^64-1 used to wrap the counter to
// 0 and crash the open (a null log writer). Now it is Corruption.
TEST_F(DBCorruptionTest, ManifestFileNumberNearWrapIsCorruption) {
  const std::string dir = test::TempDir();
  FileSystem* fs = FileSystem::Default();
  ASSERT_TRUE(fs->CreateDir(dir).ok());
  VersionEdit e;
  e.comparator = kComparatorName;
  e.log_number = 0;
  e.next_file_number = ~uint64_t{0};
  e.last_sequence = 0;
  std::string rec;
  e.EncodeTo(&rec);
  std::unique_ptr<WritableFile> f;
  ASSERT_TRUE(fs->NewWritableFile(dir + "/MANIFEST-000001", &f).ok());
  LogWriter w(std::move(f));
  ASSERT_TRUE(w.AddRecord(rec, true).ok());
  ASSERT_TRUE(w.Close().ok());
  ASSERT_TRUE(WriteStringToFileSync(fs, "MANIFEST-000001\n", dir + "/CURRENT").ok());
  std::unique_ptr<DB> db;
  Status s = DB::Open(Options(), dir, &db);
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  db.reset();
  test::RemoveAll(dir);
}

}  // namespace
}  // namespace lsm
