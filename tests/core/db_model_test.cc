// Randomized model test: drives a whole database with thousands of mixed
// operations and compares every read against a std::map model.
//
// Covered: Put, Delete (present and absent keys), WriteBatch (puts and
// deletes, the same key more than once), Get, full forward/backward scans,
// Seek / SeekForPrev / SeekToFirst / SeekToLast followed by random Next/Prev
// steps (direction changes included), iterators with lower/upper bounds,
// snapshots (reads and iterators through ReadOptions.snapshot must keep
// matching a copy of the model taken at GetSnapshot, across flushes,
// compactions and later writes), long-lived iterators (an iterator reads the
// state of its creation), Flush, CompactRange on random ranges and on
// everything, and close + reopen (sometimes with other table options).
//
// Small write buffers, small tables and a low level-0 trigger keep many
// tables, levels and background compactions in play.
//
// Environment: LSM_MODEL_OPS=<n> sets the operations per seed (default
// below); LSM_MODEL_SEED_BASE=<b> shifts the seeds (seed = b + parameter)
// for longer hunts; LSM_MODEL_STATS=1 prints slow operations and the final
// lsm.stats. On a mismatch the failure names the seed, the operation index
// and the operation, with the options the seed chose.
#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "core/db/db.h"
#include "tests/core/test_util.h"

namespace lsm {
namespace {

using Model = std::map<std::string, std::string>;
using Entries = std::vector<std::pair<std::string, std::string>>;

constexpr int kDefaultOps = 2500;

int OpsPerSeed() {
  const char* e = std::getenv("LSM_MODEL_OPS");
  if (e != nullptr) {
    long n = std::strtol(e, nullptr, 10);
    if (n > 0) return static_cast<int>(n);
  }
  return kDefaultOps;
}

// Printable form of a key or value (keys contain \0 and \xff bytes).
std::string Esc(std::string_view s, size_t max = 40) {
  std::string out = "\"";
  for (size_t i = 0; i < s.size() && i < max; i++) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
      out.push_back(static_cast<char>(c));
    } else {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\x%02x", c);
      out += buf;
    }
  }
  if (s.size() > max) out += "...(" + std::to_string(s.size()) + " bytes)";
  return out + "\"";
}

class Rng {
 public:
  explicit Rng(uint64_t seed) : g_(seed) {}
  uint64_t Next() { return g_(); }
  // Uniform in [0, n).
  uint64_t Uniform(uint64_t n) { return n == 0 ? 0 : g_() % n; }
  // Uniform in [lo, hi].
  uint64_t Range(uint64_t lo, uint64_t hi) { return lo + Uniform(hi - lo + 1); }
  bool OneIn(uint64_t n) { return Uniform(n) == 0; }
  bool Percent(uint64_t p) { return Uniform(100) < p; }

 private:
  std::mt19937_64 g_;
};

// ------------------------------------------------------------ key space

// A small alphabet (bytewise order: \0 < a < b < c < \xff) so that keys
// collide often and many keys are prefixes of others.
std::string RandomKeyOf(Rng& rng, size_t len) {
  static const char kAlphabet[] = {'\0', 'a', 'b', 'c', '\xff'};
  std::string k;
  for (size_t i = 0; i < len; i++) {
    k.push_back(rng.Percent(80) ? kAlphabet[rng.Range(1, 3)] : kAlphabet[rng.Uniform(5)]);
  }
  return k;
}

std::vector<std::string> MakeKeyPool(Rng& rng) {
  std::vector<std::string> pool;
  // Every key of length 0..3 over "abc": the empty key and chains of
  // prefixes ("", "a", "aa", "aaa").
  pool.push_back("");
  for (char a : {'a', 'b', 'c'}) {
    pool.push_back(std::string(1, a));
    for (char b : {'a', 'b', 'c'}) {
      pool.push_back(std::string{a, b});
      for (char c : {'a', 'b', 'c'}) pool.push_back(std::string{a, b, c});
    }
  }
  // Keys with \0 and \xff bytes next to their prefixes.
  const std::pair<const char*, size_t> special[] = {
      {"a\0", 2},    {"a\0\0", 3}, {"a\xff", 2}, {"\xff", 1},   {"\xff\xff", 2},
      {"\0", 1},     {"\0\0", 2},  {"b\0a", 3},  {"ab\xff", 3}, {"ab\0", 3},
  };
  for (const auto& [k, n] : special) pool.push_back(std::string(k, n));
  // Longer random keys, and a few long keys sharing long prefixes.
  for (int i = 0; i < 300; i++) pool.push_back(RandomKeyOf(rng, rng.Range(4, 12)));
  std::string long_prefix(200, 'b');
  for (int i = 0; i < 8; i++) {
    pool.push_back(long_prefix.substr(0, rng.Range(100, 200)) + RandomKeyOf(rng, rng.Range(0, 3)));
  }
  std::sort(pool.begin(), pool.end());
  pool.erase(std::unique(pool.begin(), pool.end()), pool.end());
  return pool;
}

std::string RandomValue(Rng& rng, int op) {
  size_t len;
  uint64_t r = rng.Uniform(100);
  if (r < 10) {
    len = 0;
  } else if (r < 50) {
    len = rng.Range(1, 32);
  } else if (r < 85) {
    len = rng.Range(33, 600);
  } else if (r < 99 || op % 2 == 0) {
    len = rng.Range(601, 4000);
  } else {
    len = rng.Range(64 << 10, 160 << 10);  // larger than the write buffer
  }
  std::string v;
  if (len == 0) return v;
  // Stamp the operation index so that values rarely repeat.
  std::string stamp = "#" + std::to_string(op) + ":";
  if (rng.Percent(50)) {
    // Compressible: a short pattern repeated.
    const char fill = static_cast<char>('a' + rng.Uniform(26));
    std::string pattern = stamp + std::string(rng.Range(1, 8), fill);
    while (v.size() < len) v += pattern;
  } else {
    v = stamp;
    while (v.size() < len) v.push_back(static_cast<char>(rng.Uniform(256)));
  }
  v.resize(len);
  return v;
}


// ------------------------------------------------------------- checking

struct Bounds {
  std::optional<std::string> lower, upper;
};

Entries InBounds(const Model& m, const Bounds& b) {
  Entries out;
  auto it = b.lower ? m.lower_bound(*b.lower) : m.begin();
  for (; it != m.end(); ++it) {
    if (b.upper && it->first.compare(*b.upper) >= 0) break;
    out.emplace_back(it->first, it->second);
  }
  return out;
}

ReadOptions MakeReadOptions(const Snapshot* snap, const Bounds& b) {
  ReadOptions ro;
  ro.snapshot = snap;
  if (b.lower) {
    ro.has_lower_bound = true;
    ro.lower_bound = *b.lower;
  }
  if (b.upper) {
    ro.has_upper_bound = true;
    ro.upper_bound = *b.upper;
  }
  return ro;
}

std::string DescribeBounds(const Bounds& b) {
  return "[" + (b.lower ? Esc(*b.lower) : std::string("-inf")) + ", " +
         (b.upper ? Esc(*b.upper) : std::string("+inf")) + ")";
}

// Compares the iterator's position with e[idx] (idx outside e: invalid).
std::string CheckPos(const UserIterator& it, const Entries& e, long idx, const std::string& what) {
  if (!it.status().ok()) return what + ": iterator status " + it.status().ToString();
  const bool want_valid = idx >= 0 && idx < static_cast<long>(e.size());
  if (it.Valid() != want_valid) {
    std::string msg = what + ": Valid()=" + std::to_string(it.Valid()) + " expected " +
                      std::to_string(want_valid);
    if (it.Valid()) msg += " (iterator at " + Esc(it.key()) + ")";
    if (want_valid) msg += " (model at " + Esc(e[idx].first) + ")";
    return msg;
  }
  if (!want_valid) return "";
  if (it.key() != e[idx].first) {
    return what + ": key " + Esc(it.key()) + " expected " + Esc(e[idx].first);
  }
  if (it.value() != e[idx].second) {
    return what + ": value of " + Esc(it.key()) + " is " + Esc(it.value()) + " expected " +
           Esc(e[idx].second);
  }
  return "";
}

std::string CheckScan(UserIterator* it, const Entries& e, bool forward) {
  std::string err;
  if (forward) {
    it->SeekToFirst();
    for (long i = 0;; i++) {
      err = CheckPos(*it, e, i, "forward scan #" + std::to_string(i));
      if (!err.empty() || !it->Valid()) return err;
      it->Next();
    }
  }
  it->SeekToLast();
  for (long i = static_cast<long>(e.size()) - 1;; i--) {
    err = CheckPos(*it, e, i, "backward scan #" + std::to_string(i));
    if (!err.empty() || !it->Valid()) return err;
    it->Prev();
  }
}

long LowerIndex(const Entries& e, std::string_view t) {  // first >= t
  long i = 0;
  while (i < static_cast<long>(e.size()) && e[i].first.compare(t) < 0) i++;
  return i;
}
long FloorIndex(const Entries& e, std::string_view t) {  // last <= t
  long i = static_cast<long>(e.size()) - 1;
  while (i >= 0 && e[i].first.compare(t) > 0) i--;
  return i;
}

}  // namespace

// ----------------------------------------------------------------- test

class DBModelTest : public ::testing::TestWithParam<uint32_t> {
 protected:
  struct SnapState {
    const Snapshot* snap;
    Model model;
  };
  struct LiveIter {
    std::unique_ptr<UserIterator> it;
    Model model;
    Bounds bounds;
  };

  void SetUp() override {
    seed_ = GetParam();
    if (const char* base = std::getenv("LSM_MODEL_SEED_BASE")) {
      seed_ += static_cast<uint32_t>(std::strtoul(base, nullptr, 10));
    }
    rng_ = std::make_unique<Rng>(seed_ * 7919ull + 17);
    dir_ = test::TempDir();
    pool_ = MakeKeyPool(*rng_);
    Rng& r = *rng_;
    options_.write_buffer_size = 64 << 10;
    options_.block_size = r.Range(256, 4096);
    options_.level0_compaction_trigger = static_cast<int>(r.Range(2, 4));
    options_.compression = (seed_ % 2 == 0) ? Compression::kLz4 : Compression::kNone;
    options_.target_file_size = r.Range(16, 96) << 10;  // several files per level
    options_.bloom_bits_per_key = r.Percent(75) ? 10 : 0;
    options_.block_cache_size = r.Percent(30) ? 0 : (r.Percent(50) ? (16 << 10) : (8 << 20));
    options_.max_open_files = r.Percent(50) ? static_cast<int>(r.Range(2, 20)) : 1000;
    options_.paranoid_checks = r.Percent(50);
    // Leveled compaction: small level targets put data in several levels
    // (half the seeds go below the C ABI's 1 MiB minimum; the core takes
    // any size), and more threads run compactions of disjoint ranges at
    // once.
    options_.max_bytes_for_level_base = r.Percent(50) ? (r.Range(128, 512) << 10) : (1 << 20);
    options_.level_size_multiplier = static_cast<int>(r.Range(2, 4));
    options_.background_threads = static_cast<int>(r.Range(1, 3));
    if (r.Percent(30)) {  // writes slow down and stop early
      options_.level0_slowdown_trigger = options_.level0_compaction_trigger + 2;
      options_.level0_stop_trigger = options_.level0_compaction_trigger + 4;
    }
  }

  void TearDown() override {
    ReleaseAll();
    db_.reset();
    if (!HasFailure()) test::RemoveAll(dir_);
  }

  void ReleaseAll() {
    live_iters_.clear();
    for (auto& s : snaps_) {
      if (db_) db_->ReleaseSnapshot(s.snap);
    }
    snaps_.clear();
  }

  std::string Options() const {
    return "write_buffer_size=" + std::to_string(options_.write_buffer_size) +
           " block_size=" + std::to_string(options_.block_size) +
           " trigger=" + std::to_string(options_.level0_compaction_trigger) +
           " lz4=" + std::to_string(options_.compression == Compression::kLz4) +
           " target_file_size=" + std::to_string(options_.target_file_size) +
           " bloom=" + std::to_string(options_.bloom_bits_per_key) +
           " cache=" + std::to_string(options_.block_cache_size) +
           " max_open_files=" + std::to_string(options_.max_open_files) +
           " paranoid=" + std::to_string(options_.paranoid_checks) +
           " level_base=" + std::to_string(options_.max_bytes_for_level_base) +
           " multiplier=" + std::to_string(options_.level_size_multiplier) +
           " threads=" + std::to_string(options_.background_threads) +
           " slowdown/stop=" + std::to_string(options_.level0_slowdown_trigger) + "/" +
           std::to_string(options_.level0_stop_trigger);
  }

  const std::string& PoolKey() { return pool_[rng_->Uniform(pool_.size())]; }
  std::string AnyKey() {
    uint64_t r = rng_->Uniform(100);
    if (r < 85) return PoolKey();
    if (r < 95) return RandomKeyOf(*rng_, rng_->Range(0, 8));  // usually absent
    // Just after / just before a pool key.
    std::string k = PoolKey();
    if (rng_->Percent(50)) {
      k.push_back('\0');
    } else if (!k.empty()) {
      k.pop_back();
    }
    return k;
  }
  std::string PresentKey() {
    if (model_.empty()) return AnyKey();
    auto it = model_.lower_bound(AnyKey());
    if (it == model_.end()) it = model_.begin();
    return it->first;
  }

  Bounds RandomBounds() {
    Bounds b;
    uint64_t r = rng_->Uniform(4);
    if (r == 0 || r == 2) b.lower = AnyKey();
    if (r == 1 || r == 2) b.upper = AnyKey();
    if (r == 3) {  // both, usually ordered
      std::string x = AnyKey(), y = AnyKey();
      if (x > y && !rng_->OneIn(8)) std::swap(x, y);
      b.lower = x;
      b.upper = y;
    }
    return b;
  }

  std::string Open() {
    Status s = DB::Open(options_, dir_, &db_);
    return s.ok() ? "" : "open: " + s.ToString();
  }

  std::string Expect(Status s, const char* what) {
    return s.ok() ? "" : std::string(what) + ": " + s.ToString();
  }

  std::string CheckGet(const Model& m, const Snapshot* snap, const std::string& key) {
    ReadOptions ro;
    ro.snapshot = snap;
    ro.fill_cache = !rng_->OneIn(4);
    std::string value = "garbage";
    Status s = db_->Get(ro, key, &value);
    auto it = m.find(key);
    if (it == m.end()) {
      if (!s.IsNotFound()) {
        return "Get(" + Esc(key) + ")" + (snap ? " at snapshot" : "") + " = " + s.ToString() +
               (s.ok() ? " value " + Esc(value) : "") + ", expected NotFound";
      }
      return "";
    }
    if (!s.ok()) {
      return "Get(" + Esc(key) + ")" + (snap ? " at snapshot" : "") + " = " + s.ToString() +
             ", expected value " + Esc(it->second);
    }
    if (value != it->second) {
      return "Get(" + Esc(key) + ")" + (snap ? " at snapshot" : "") + " = " + Esc(value) +
             ", expected " + Esc(it->second);
    }
    return "";
  }

  std::string CheckFull(const Model& m, const Snapshot* snap, const Bounds& b) {
    auto it = db_->NewIterator(MakeReadOptions(snap, b));
    Entries e = InBounds(m, b);
    std::string err = CheckScan(it.get(), e, true);
    if (err.empty()) err = CheckScan(it.get(), e, false);
    if (!err.empty()) err += " bounds " + DescribeBounds(b) + (snap ? " at snapshot" : "");
    return err;
  }

  // A seek of some kind, then a few random steps in both directions.
  std::string CheckCursor(const Model& m, const Snapshot* snap, const Bounds& b) {
    auto it = db_->NewIterator(MakeReadOptions(snap, b));
    Entries e = InBounds(m, b);
    std::string trace = "bounds " + DescribeBounds(b) + (snap ? " snapshot" : "") + ":";
    for (int round = 0; round < 3; round++) {
      long idx;
      std::string target = rng_->Percent(40) ? PresentKey() : AnyKey();
      switch (rng_->Uniform(6)) {
        case 0:
        case 1:
          it->Seek(target);
          idx = LowerIndex(e, target);
          trace += " Seek(" + Esc(target) + ")";
          break;
        case 2:
        case 3:
          it->SeekForPrev(target);
          idx = FloorIndex(e, target);
          trace += " SeekForPrev(" + Esc(target) + ")";
          break;
        case 4:
          it->SeekToFirst();
          idx = 0;
          trace += " SeekToFirst";
          break;
        default:
          it->SeekToLast();
          idx = static_cast<long>(e.size()) - 1;
          trace += " SeekToLast";
          break;
      }
      std::string err = CheckPos(*it, e, idx, trace);
      if (!err.empty()) return err;
      int steps = static_cast<int>(rng_->Range(0, 8));
      for (int s = 0; s < steps && it->Valid(); s++) {
        if (rng_->Percent(50)) {
          it->Next();
          idx++;
          trace += " Next";
        } else {
          it->Prev();
          idx--;
          trace += " Prev";
        }
        err = CheckPos(*it, e, idx, trace);
        if (!err.empty()) return err;
      }
    }
    return "";
  }

  // With no iterator pinning old tables and no background work (right
  // after a full CompactRange), the directory holds exactly the live tables.
  std::string CheckNoObsoleteTables() {
    int listed = 0;
    for (int level = 0; level < kNumLevels; level++) {
      std::string n;
      if (!db_->GetProperty("lsm.num-files-at-level" + std::to_string(level), &n)) {
        return "no lsm.num-files-at-level" + std::to_string(level);
      }
      listed += std::atoi(n.c_str());
    }
    int on_disk = 0;
    for (const auto& e : std::filesystem::directory_iterator(dir_)) {
      const std::string name = e.path().filename().string();
      if (name.size() > 4 && name.compare(name.size() - 4, 4, ".sst") == 0) on_disk++;
    }
    if (on_disk != listed) {
      return std::to_string(on_disk) + " table files on disk but " + std::to_string(listed) +
             " live: obsolete tables were not deleted";
    }
    return "";
  }

  std::string CheckEverything(const char* when) {
    std::string err = CheckFull(model_, nullptr, Bounds());
    if (!err.empty()) return std::string(when) + ": " + err;
    for (auto& s : snaps_) {
      err = CheckFull(s.model, s.snap, Bounds());
      if (!err.empty()) return std::string(when) + ": " + err;
    }
    return "";
  }

  // One random operation; returns a description of the first mismatch.
  std::string Step(int op, std::string* desc) {
    Rng& r = *rng_;
    WriteOptions wo;
    wo.sync = r.OneIn(200);
    const uint64_t pick = r.Uniform(1000);
    if (pick < 280) {  // Put
      std::string k = AnyKey(), v = RandomValue(r, op);
      *desc = "Put(" + Esc(k) + ", " + Esc(v, 16) + ")";
      model_[k] = v;
      return Expect(db_->Put(wo, k, v), "Put");
    }
    if (pick < 340) {  // Delete a present key
      std::string k = PresentKey();
      *desc = "Delete(" + Esc(k) + ")";
      model_.erase(k);
      return Expect(db_->Delete(wo, k), "Delete");
    }
    if (pick < 370) {  // Delete a (probably) absent key
      std::string k = RandomKeyOf(r, r.Range(0, 10));
      *desc = "Delete(" + Esc(k) + ") [absent?]";
      model_.erase(k);
      return Expect(db_->Delete(wo, k), "Delete");
    }
    if (pick < 450) {  // WriteBatch
      WriteBatch batch;
      int n = static_cast<int>(r.Range(0, 12));
      *desc = "Write(batch of " + std::to_string(n) + ":";
      std::string last;
      for (int i = 0; i < n; i++) {
        std::string k;
        if (!last.empty() && r.Percent(20)) {
          k = last;  // the same key twice in one batch
        } else {
          k = r.Percent(40) ? PresentKey() : AnyKey();
        }
        last = k;
        if (r.Percent(65)) {
          std::string v = RandomValue(r, op);
          batch.Put(k, v);
          model_[k] = v;
          *desc += " P" + Esc(k);
        } else {
          batch.Delete(k);
          model_.erase(k);
          *desc += " D" + Esc(k);
        }
      }
      *desc += ")";
      return Expect(db_->Write(wo, batch), "Write");
    }
    if (pick < 630) {  // Get
      std::string k = r.Percent(60) ? PresentKey() : AnyKey();
      *desc = "Get(" + Esc(k) + ")";
      return CheckGet(model_, nullptr, k);
    }
    if (pick < 680) {  // Get through a snapshot
      if (snaps_.empty()) return "";
      SnapState& s = snaps_[r.Uniform(snaps_.size())];
      std::string k = AnyKey();
      if (!s.model.empty() && r.Percent(60)) {
        auto it = s.model.lower_bound(k);
        if (it != s.model.end()) k = it->first;
      }
      *desc = "Get(" + Esc(k) + ") at snapshot " + std::to_string(s.snap->sequence());
      return CheckGet(s.model, s.snap, k);
    }
    if (pick < 700) {  // full scans, both directions
      *desc = "full scan";
      return CheckFull(model_, nullptr, Bounds());
    }
    if (pick < 800) {  // seeks and steps
      *desc = "cursor";
      return CheckCursor(model_, nullptr, Bounds());
    }
    if (pick < 850) {  // bounded iterators
      Bounds b = RandomBounds();
      if (r.Percent(40)) {
        *desc = "bounded full scan";
        return CheckFull(model_, nullptr, b);
      }
      *desc = "bounded cursor";
      return CheckCursor(model_, nullptr, b);
    }
    if (pick < 880) {  // iterators through a snapshot
      if (snaps_.empty()) return "";
      SnapState& s = snaps_[r.Uniform(snaps_.size())];
      Bounds b = r.Percent(50) ? Bounds() : RandomBounds();
      *desc = "snapshot iterator at " + std::to_string(s.snap->sequence());
      return r.Percent(30) ? CheckFull(s.model, s.snap, b) : CheckCursor(s.model, s.snap, b);
    }
    if (pick < 895) {  // take a snapshot
      if (snaps_.size() >= 4) return "";
      *desc = "GetSnapshot";
      snaps_.push_back({db_->GetSnapshot(), model_});
      return "";
    }
    if (pick < 908) {  // release a snapshot
      if (snaps_.empty()) return "";
      size_t i = r.Uniform(snaps_.size());
      *desc = "ReleaseSnapshot " + std::to_string(snaps_[i].snap->sequence());
      db_->ReleaseSnapshot(snaps_[i].snap);
      snaps_.erase(snaps_.begin() + static_cast<long>(i));
      return "";
    }
    if (pick < 925) {  // long-lived iterators: create, or re-check an old one
      if (live_iters_.size() < 2 && (live_iters_.empty() || r.Percent(50))) {
        LiveIter li;
        li.bounds = r.Percent(50) ? Bounds() : RandomBounds();
        li.it = db_->NewIterator(MakeReadOptions(nullptr, li.bounds));
        li.model = model_;
        *desc = "create long-lived iterator " + DescribeBounds(li.bounds);
        live_iters_.push_back(std::move(li));
        return "";
      }
      size_t i = r.Uniform(live_iters_.size());
      LiveIter& li = live_iters_[i];
      *desc = "check long-lived iterator " + DescribeBounds(li.bounds);
      Entries e = InBounds(li.model, li.bounds);
      std::string err = CheckScan(li.it.get(), e, r.Percent(50));
      if (err.empty() && r.Percent(50)) {
        live_iters_.erase(live_iters_.begin() + static_cast<long>(i));
      }
      return err;
    }
    if (pick < 945) {  // Flush
      *desc = "Flush";
      return Expect(db_->Flush(), "Flush");
    }
    if (pick < 970) {  // CompactRange on a random range, or everything
      if (r.Percent(25)) {
        *desc = "CompactRange(null, null)";
        std::string err = Expect(db_->CompactRange(nullptr, nullptr), "CompactRange");
        if (err.empty() && live_iters_.empty()) err = CheckNoObsoleteTables();
        if (err.empty() && r.Percent(30)) err = CheckEverything("after CompactRange(all)");
        return err;
      }
      std::string a = AnyKey(), b = AnyKey();
      if (a > b) std::swap(a, b);
      const std::string* pa = r.Percent(15) ? nullptr : &a;
      const std::string* pb = r.Percent(15) ? nullptr : &b;
      *desc = "CompactRange(" + (pa ? Esc(a) : std::string("null")) + ", " +
              (pb ? Esc(b) : std::string("null")) + ")";
      return Expect(db_->CompactRange(pa, pb), "CompactRange");
    }
    if (pick < 978) {  // close and reopen
      *desc = "reopen";
      ReleaseAll();
      db_.reset();
      if (r.Percent(30)) {
        // Tables record their own format: other options read them fine.
        options_.block_size = r.Range(256, 4096);
        options_.compression = r.Percent(50) ? Compression::kLz4 : Compression::kNone;
        options_.bloom_bits_per_key = r.Percent(50) ? 10 : 0;
        // Going from a larger buffer to a smaller one makes recovery flush
        // in the middle of replaying the logs. (64 KiB is the documented
        // minimum.)
        options_.write_buffer_size = r.Percent(50) ? (64 << 10) : (256 << 10);
        *desc += " with block_size=" + std::to_string(options_.block_size) +
                 " lz4=" + std::to_string(options_.compression == Compression::kLz4);
      }
      std::string err = Open();
      if (err.empty()) err = CheckEverything("after reopen");
      return err;
    }
    if (pick < 982) {  // a burst of puts: flushes and compactions mid-stream
      int n = static_cast<int>(r.Range(30, 200));
      *desc = "burst of " + std::to_string(n) + " puts";
      for (int i = 0; i < n; i++) {
        std::string k = PoolKey(), v = RandomValue(r, op);
        model_[k] = v;
        std::string err = Expect(db_->Put(wo, k, v), "Put");
        if (!err.empty()) return err + " (burst put #" + std::to_string(i) + ")";
      }
      return "";
    }
    if (pick < 985) {  // an empty batch is a no-op
      *desc = "Write(empty batch)";
      return Expect(db_->Write(wo, WriteBatch()), "Write(empty)");
    }
    if (pick < 990) {  // properties
      *desc = "properties";
      std::string v;
      if (!db_->GetProperty("lsm.num-files-at-level0", &v) || v.empty()) {
        return "lsm.num-files-at-level0 missing";
      }
      if (!db_->GetProperty("lsm.stats", &v) || v.find("table-bytes") == std::string::npos) {
        return "lsm.stats missing";
      }
      return "";
    }
    // Everything, including all snapshots.
    *desc = "check everything";
    return CheckEverything("check");
  }

  uint32_t seed_ = 0;
  std::unique_ptr<Rng> rng_;
  std::string dir_;
  std::vector<std::string> pool_;
  lsm::Options options_;
  std::unique_ptr<DB> db_;
  Model model_;
  std::vector<SnapState> snaps_;
  std::vector<LiveIter> live_iters_;
};

TEST_P(DBModelTest, RandomOperationsMatchModel) {
  const int ops = OpsPerSeed();
  const bool verbose = std::getenv("LSM_MODEL_STATS") != nullptr;
  test::Watchdog watchdog(std::chrono::seconds(60 + ops / 50),
                    "model test seed " + std::to_string(seed_));
  std::string err = Open();
  ASSERT_EQ("", err) << "seed " << seed_;
  for (int i = 0; i < ops; i++) {
    std::string desc;
    const auto t0 = std::chrono::steady_clock::now();
    err = Step(i, &desc);
    if (verbose) {
      const std::chrono::duration<double, std::milli> ms = std::chrono::steady_clock::now() - t0;
      if (ms.count() > 100) {
        std::printf("slow op %d %.1f ms: %s\n", i, ms.count(), desc.substr(0, 60).c_str());
      }
    }
    if (!err.empty()) {
      FAIL() << "seed " << seed_ << " op " << i << " (" << desc << "): " << err
             << "\noptions: " << Options();
    }
  }
  if (verbose) {
    std::string stats;
    db_->GetProperty("lsm.stats", &stats);
    std::printf("seed %u: %zu keys in model\n%s", seed_, model_.size(), stats.c_str());
  }
  err = CheckEverything("final");
  ASSERT_EQ("", err) << "seed " << seed_ << " after " << ops << " ops; options: " << Options();
  ReleaseAll();
  // The last state survives one more close and reopen.
  db_.reset();
  err = Open();
  if (err.empty()) err = CheckEverything("final reopen");
  ASSERT_EQ("", err) << "seed " << seed_ << "; options: " << Options();
}

INSTANTIATE_TEST_SUITE_P(Seeds, DBModelTest, ::testing::Values(1u, 2u, 3u, 4u, 5u, 6u),
                         [](const ::testing::TestParamInfo<uint32_t>& info) {
                           return "seed" + std::to_string(info.param);
                         });

}  // namespace lsm
