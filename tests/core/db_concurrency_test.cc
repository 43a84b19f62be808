// Concurrency: writers, readers, iterators, snapshots, flushes and
// compactions all at once, on a database with tiny write buffers and low
// level-0 triggers so that flushes and compactions run constantly
// underneath. Each test checks what a reader may see against what the
// writers had acknowledged:
// - a Get never returns a version older than the one acknowledged before it
//   started, nor one newer than could have been in flight;
// - an iterator's view is fixed when it is created: every key acknowledged
//   before is there at that version or newer, nothing newer than was in
//   flight right after, keys strictly ordered both ways;
// - a snapshot taken between two rounds of writes sees exactly the earlier
//   round, forever after, whatever compactions run;
// - sync writes from several threads share WAL syncs (group commit).
// At the end each test closes, reopens and checks the final state.
//
// CI also runs this under ThreadSanitizer, which is 5-15x slower: the
// iteration counts are multiplied by LSM_STRESS_SCALE (default 1; 0.5 halves
// them, 4 makes a longer soak). A watchdog aborts a test that hangs.
//
// Comments starting "Regression" mark core bugs this suite found, now fixed.
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "core/db/db.h"
#include "core/db/stats.h"
#include "tests/core/test_util.h"

namespace lsm {
namespace {

double StressScale() {
  const char* v = std::getenv("LSM_STRESS_SCALE");
  if (v == nullptr || *v == '\0') return 1.0;
  double s = std::strtod(v, nullptr);
  return s > 0 ? s : 1.0;
}

int Scaled(int n) { return std::max(1, static_cast<int>(n * StressScale())); }

constexpr double kSanitizerSlowdown = test::kThreadSanitizer ? 10 : 1;

// A watchdog whose limit grows with LSM_STRESS_SCALE and the sanitizer's
// slowdown.
std::chrono::duration<double> WatchdogLimit(double seconds) {
  return std::chrono::duration<double>(seconds * std::max(1.0, StressScale()) * kSanitizerSlowdown);
}

// Options that keep flushes and compactions busy.
Options ChurnOptions() {
  Options o;
  o.write_buffer_size = 32 << 10;
  o.target_file_size = 16 << 10;
  o.max_bytes_for_level_base = 64 << 10;
  o.level0_compaction_trigger = 2;
  o.level0_slowdown_trigger = 4;
  o.level0_stop_trigger = 8;
  o.block_cache_size = 64 << 10;  // small: blocks are evicted and reread
  o.background_threads = 2;
  return o;
}

// Compactions run so far (DBStats, summed over the levels).
uint64_t CompactionCount(DB* db) {
  const DBStats st = db->GetStats();
  uint64_t total = 0;
  for (const LevelStats& l : st.levels) total += l.compactions;
  return total;
}

// Records the first failure seen by any thread (gtest assertions are not
// meant to be raced on from many threads at once, and one message is
// enough).
class Failures {
 public:
  void Add(const std::string& what) {
    std::lock_guard<std::mutex> l(mu_);
    if (first_.empty()) first_ = what;
    count_++;
  }
  bool any() const { return count_.load() > 0; }
  std::string first() {
    std::lock_guard<std::mutex> l(mu_);
    return first_;
  }
  long count() const { return count_.load(); }

 private:
  std::mutex mu_;
  std::string first_;
  std::atomic<long> count_{0};
};

// ------------------------------------------------ versioned key spaces

// Writer t owns keys "w<t>-k<i>"; version n of a key is a deletion or the
// value "w<t>-v<n>:" followed by filler that depends on (t, i, n).
std::string WKey(int t, int i) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "w%02d-k%05d", t, i);
  return buf;
}

bool IsDeletion(int t, int i, int n) { return n > 0 && (n * 7 + i + t) % 11 == 0; }

std::string WValue(int t, int i, int n) {
  std::string v = "w" + std::to_string(t) + "-v" + std::to_string(n) + ":";
  const size_t len = 20 + static_cast<size_t>((i * 31 + n * 17 + t) % 90);
  for (size_t j = 0; v.size() < len; j++) v.push_back(static_cast<char>('a' + (i + n + j) % 26));
  return v;
}

// Parses key and value back; false (with *why) if either is malformed.
bool ParseWKey(std::string_view k, int* t, int* i) {
  if (k.size() != 10 || k[0] != 'w' || k[3] != '-' || k[4] != 'k') return false;
  *t = std::atoi(std::string(k.substr(1, 2)).c_str());
  *i = std::atoi(std::string(k.substr(5)).c_str());
  return WKey(*t, *i) == k;
}

bool ParseWValue(int t, int i, std::string_view v, int* n) {
  const std::string prefix = "w" + std::to_string(t) + "-v";
  if (v.substr(0, prefix.size()) != prefix) return false;
  *n = std::atoi(std::string(v.substr(prefix.size())).c_str());
  return *n > 0 && WValue(t, i, *n) == v;
}

// Is "not found" consistent with versions in [lo, hi] of (t, i)? (lo = 0:
// the key may not have been written yet.)
bool AbsenceAllowed(int t, int i, int lo, int hi) {
  if (lo == 0) return true;
  for (int n = lo; n <= hi; n++) {
    if (IsDeletion(t, i, n)) return true;
  }
  return false;
}

class DBConcurrencyTest : public test::DbDirTest {
 protected:
  void Open(const Options& o) {
    db_.reset();
    Status s = DB::Open(o, dir_, &db_);
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
};

// Writers with disjoint key spaces; readers, iterators and snapshot holders
// check what they see against the acknowledged versions; two threads
// compact and flush all the while.
TEST_F(DBConcurrencyTest, ReadersNeverSeeStaleOrTornState) {
  test::Watchdog watchdog(WatchdogLimit(120), "ReadersNeverSeeStaleOrTornState");
  const Options options = ChurnOptions();
  Open(options);
  const int kWriters = 3;
  const int kKeys = 200;
  const int kRounds = Scaled(24);
  // acked[t][i]: the newest version of (t, i) whose write has returned.
  std::vector<std::vector<std::atomic<int>>> acked(kWriters);
  for (auto& a : acked) a = std::vector<std::atomic<int>>(kKeys);
  auto copy_acked = [&] {
    std::vector<std::vector<int>> c(kWriters, std::vector<int>(kKeys));
    for (int t = 0; t < kWriters; t++) {
      for (int i = 0; i < kKeys; i++) c[t][i] = acked[t][i].load(std::memory_order_acquire);
    }
    return c;
  };

  Failures fail;
  std::atomic<int> writers_left{kWriters};
  // Keys written, all writers together: the snapshot and compaction threads
  // below act every so many writes (not every so many milliseconds), so
  // the mix is the same however fast the machine is.
  test::Progress progress;
  std::atomic<long> gets{0}, scans{0}, snapshot_checks{0}, compactions{0};

  std::vector<std::thread> threads;
  for (int t = 0; t < kWriters; t++) {
    threads.emplace_back([&, t] {
      std::mt19937 rng(static_cast<unsigned>(t) + 1);
      std::vector<int> order(kKeys);
      for (int i = 0; i < kKeys; i++) order[i] = i;
      for (int n = 1; n <= kRounds && !fail.any(); n++) {
        std::shuffle(order.begin(), order.end(), rng);
        // Every third round goes in batches of 8 keys.
        const size_t per_write = n % 3 == 0 ? 8 : 1;
        for (size_t j = 0; j < order.size(); j += per_write) {
          WriteBatch batch;
          const size_t end = std::min(order.size(), j + per_write);
          for (size_t x = j; x < end; x++) {
            const int i = order[x];
            if (IsDeletion(t, i, n)) {
              batch.Delete(WKey(t, i));
            } else {
              batch.Put(WKey(t, i), WValue(t, i, n));
            }
          }
          Status s = db_->Write(WriteOptions(), batch);
          if (!s.ok()) {
            fail.Add("write: " + s.ToString());
            break;
          }
          for (size_t x = j; x < end; x++) acked[t][order[x]].store(n, std::memory_order_release);
          progress.Add(end - j);
        }
      }
      if (--writers_left == 0) progress.Stop();
    });
  }
  auto running = [&] { return writers_left.load() > 0 && !fail.any(); };

  // Point readers.
  for (int r = 0; r < 2; r++) {
    threads.emplace_back([&, r] {
      std::mt19937 rng(100 + static_cast<unsigned>(r));
      while (running()) {
        const int t = static_cast<int>(rng() % kWriters), i = static_cast<int>(rng() % kKeys);
        const int lo = acked[t][i].load(std::memory_order_acquire);
        std::string v;
        Status s = db_->Get(ReadOptions(), WKey(t, i), &v);
        const int hi = acked[t][i].load(std::memory_order_acquire) + 1;
        if (s.IsNotFound()) {
          if (!AbsenceAllowed(t, i, lo, hi)) {
            fail.Add(WKey(t, i) + " not found, but version " + std::to_string(lo) +
                     " was acknowledged");
          }
        } else if (!s.ok()) {
          fail.Add("get: " + s.ToString());
        } else {
          int n = 0;
          if (!ParseWValue(t, i, v, &n)) {
            fail.Add(WKey(t, i) + ": malformed value " + v);
          } else if (n < lo || n > hi || IsDeletion(t, i, n)) {
            fail.Add(WKey(t, i) + ": read version " + std::to_string(n) + ", acknowledged " +
                     std::to_string(lo) + " before the read");
          }
        }
        gets++;
      }
    });
  }

  // Iterators: whole-database and bounded scans, forward and backward.
  threads.emplace_back([&] {
    std::mt19937 rng(200);
    int round = 0;
    while (running()) {
      const auto lo = copy_acked();
      ReadOptions ro;
      const bool bounded = round % 3 == 2;
      int bt = 0, b_from = 0, b_to = kKeys;
      if (bounded) {
        bt = static_cast<int>(rng() % kWriters);
        b_from = static_cast<int>(rng() % kKeys);
        b_to = b_from + 1 + static_cast<int>(rng() % (kKeys - b_from));
        ro.has_lower_bound = true;
        ro.lower_bound = WKey(bt, b_from);
        ro.has_upper_bound = true;
        ro.upper_bound = WKey(bt, b_to);  // may be past the writer's keys: fine
      }
      auto it = db_->NewIterator(ro);
      const auto hi = copy_acked();
      const bool forward = round % 2 == 0;
      std::vector<std::vector<bool>> seen(kWriters, std::vector<bool>(kKeys, false));
      std::string prev;
      bool first = true;
      if (forward) {
        it->SeekToFirst();
      } else {
        it->SeekToLast();
      }
      for (; it->Valid(); forward ? it->Next() : it->Prev()) {
        const std::string k(it->key());
        if (!first && (forward ? !(prev < k) : !(k < prev))) {
          fail.Add("iterator order: " + prev + " then " + k);
          break;
        }
        first = false;
        prev = k;
        int t = 0, i = 0, n = 0;
        if (!ParseWKey(k, &t, &i) || t >= kWriters || i >= kKeys) {
          fail.Add("iterator: malformed key " + k);
          break;
        }
        if (bounded && (t != bt || i < b_from || i >= b_to)) {
          fail.Add("iterator: " + k + " outside its bounds");
          break;
        }
        if (!ParseWValue(t, i, it->value(), &n)) {
          fail.Add("iterator: malformed value of " + k + ": " + std::string(it->value()));
          break;
        }
        if (n < lo[t][i] || n > hi[t][i] + 1 || IsDeletion(t, i, n)) {
          fail.Add("iterator: " + k + " at version " + std::to_string(n) + ", expected [" +
                   std::to_string(lo[t][i]) + ", " + std::to_string(hi[t][i] + 1) + "]");
          break;
        }
        seen[t][i] = true;
      }
      if (!it->status().ok()) fail.Add("iterator: " + it->status().ToString());
      for (int t = 0; t < kWriters && !fail.any(); t++) {
        for (int i = 0; i < kKeys; i++) {
          const bool in_bounds = !bounded || (t == bt && i >= b_from && i < b_to);
          if (in_bounds && !seen[t][i] && !AbsenceAllowed(t, i, lo[t][i], hi[t][i] + 1)) {
            fail.Add("iterator missed " + WKey(t, i) + " (version " + std::to_string(lo[t][i]) +
                     " acknowledged before it was created)");
            break;
          }
        }
      }
      scans++;
      round++;
    }
  });

  // Snapshots: what a snapshot shows of a few keys never changes. A new
  // one every 25 writes.
  threads.emplace_back([&] {
    std::mt19937 rng(300);
    uint64_t next_snapshot = 0;
    struct Held {
      const Snapshot* snap;
      std::map<std::string, std::string> seen;  // "NOT_FOUND" for absent
    };
    std::vector<Held> held;
    auto read = [&](const Snapshot* snap, const std::string& k) {
      ReadOptions ro;
      ro.snapshot = snap;
      std::string v;
      Status s = db_->Get(ro, k, &v);
      if (s.IsNotFound()) return std::string("NOT_FOUND");
      if (!s.ok()) return "error " + s.ToString();
      return v;
    };
    while (running()) {
      const auto lo = copy_acked();
      Held h{db_->GetSnapshot(), {}};
      const auto hi = copy_acked();
      for (int j = 0; j < 20; j++) {
        const int t = static_cast<int>(rng() % kWriters), i = static_cast<int>(rng() % kKeys);
        const std::string k = WKey(t, i);
        const std::string v = read(h.snap, k);
        int n = 0;
        if (v == "NOT_FOUND") {
          if (!AbsenceAllowed(t, i, lo[t][i], hi[t][i] + 1))
            fail.Add("snapshot: " + k + " missing");
        } else if (!ParseWValue(t, i, v, &n) || n < lo[t][i] || n > hi[t][i] + 1) {
          fail.Add("snapshot: " + k + " = " + v + ", expected version in [" +
                   std::to_string(lo[t][i]) + ", " + std::to_string(hi[t][i] + 1) + "]");
        }
        h.seen[k] = v;
      }
      held.push_back(std::move(h));
      // Every held snapshot still shows what it showed (point reads and a
      // scan through the same snapshot).
      for (const Held& old : held) {
        for (const auto& [k, v] : old.seen) {
          const std::string now = read(old.snap, k);
          if (now != v) fail.Add("snapshot changed: " + k + " was " + v + ", now " + now);
        }
        ReadOptions ro;
        ro.snapshot = old.snap;
        auto it = db_->NewIterator(ro);
        for (const auto& [k, v] : old.seen) {
          it->Seek(k);
          const bool present = it->Valid() && it->key() == k;
          const std::string got = present ? std::string(it->value()) : std::string("NOT_FOUND");
          if (got != v) fail.Add("snapshot iterator: " + k + " was " + v + ", now " + got);
        }
        snapshot_checks++;
      }
      if (held.size() > 4) {
        db_->ReleaseSnapshot(held.front().snap);
        held.erase(held.begin());
      }
      next_snapshot = progress.WaitFor(next_snapshot + 25);
    }
    for (const Held& h : held) db_->ReleaseSnapshot(h.snap);
  });

  // Compactions and flushes, from two threads, each every 200 writes.
  for (int c = 0; c < 2; c++) {
    threads.emplace_back([&, c] {
      std::mt19937 rng(400 + static_cast<unsigned>(c));
      uint64_t next = 0;
      while (running()) {
        Status s;
        switch (rng() % 4) {
          case 0:
            s = db_->Flush();
            break;
          case 1:
            s = db_->CompactRange(nullptr, nullptr);
            break;
          default: {
            const int t = static_cast<int>(rng() % kWriters);
            const int a = static_cast<int>(rng() % kKeys);
            const int b = std::min(kKeys - 1, a + static_cast<int>(rng() % 50));
            const std::string from = WKey(t, a), to = WKey(t, b);
            s = db_->CompactRange(&from, &to);
          }
        }
        if (!s.ok()) fail.Add("compaction: " + s.ToString());
        compactions++;
        next = progress.WaitFor(next + 200);
      }
    });
  }

  for (auto& th : threads) th.join();
  std::printf(
      "[stress] rounds=%d gets=%ld scans=%ld snapshot-checks=%ld manual-compactions=%ld "
      "compactions=%llu stops=%llu slowdowns=%llu\n",
      kRounds, gets.load(), scans.load(), snapshot_checks.load(), compactions.load(),
      static_cast<unsigned long long>(CompactionCount(db_.get())),
      static_cast<unsigned long long>(db_->GetStats().stops),
      static_cast<unsigned long long>(db_->GetStats().slowdowns));
  ASSERT_FALSE(fail.any()) << fail.count() << " failures; first: " << fail.first();
  EXPECT_GT(gets.load(), 0);
  EXPECT_GT(scans.load(), 0);
  EXPECT_GT(CompactionCount(db_.get()), 0u);

  auto check_final = [&] {
    for (int t = 0; t < kWriters; t++) {
      for (int i = 0; i < kKeys; i++) {
        std::string v;
        Status s = db_->Get(ReadOptions(), WKey(t, i), &v);
        if (IsDeletion(t, i, kRounds)) {
          ASSERT_TRUE(s.IsNotFound()) << WKey(t, i) << ": " << s.ToString() << " " << v;
        } else {
          ASSERT_TRUE(s.ok()) << WKey(t, i) << ": " << s.ToString();
          ASSERT_EQ(v, WValue(t, i, kRounds)) << WKey(t, i);
        }
      }
    }
  };
  check_final();
  db_.reset();
  Open(options);
  check_final();
}

// One writer writes rounds over a fixed key space (some keys deleted in
// some rounds) and takes a snapshot after each round; readers check that
// snapshot r shows exactly round r, by point reads and scans, while other
// threads compact and flush. Snapshots are released along the way (their
// versions may then go) and the rest must stay exact.
TEST_F(DBConcurrencyTest, SnapshotsBetweenRoundsStayExact) {
  test::Watchdog watchdog(WatchdogLimit(120), "SnapshotsBetweenRoundsStayExact");
  const Options options = ChurnOptions();
  Open(options);
  const int kKeys = 300;
  const int kRounds = Scaled(20);
  auto key = [](int i) {
    char buf[16];
    std::snprintf(buf, sizeof(buf), "k%05d", i);
    return std::string(buf);
  };
  auto deleted = [](int r, int i) { return (i + r) % 7 == 0; };
  auto value = [](int r, int i) {
    std::string v = "r" + std::to_string(r) + "-k" + std::to_string(i) + ":";
    v.append(static_cast<size_t>(30 + (i * 13 + r) % 60), static_cast<char>('a' + (i + r) % 26));
    return v;
  };
  // Round r's expected content.
  auto expected = [&](int r) {
    std::map<std::string, std::string> m;
    for (int i = 0; i < kKeys; i++) {
      if (!deleted(r, i)) m[key(i)] = value(r, i);
    }
    return m;
  };

  struct Round {
    int r;
    std::shared_ptr<const Snapshot> snap;
  };
  std::mutex mu;
  std::vector<Round> published;  // live snapshots
  Failures fail;
  std::atomic<bool> done{false};
  std::atomic<long> checks{0};
  test::Progress progress;  // writes so far: the compactor acts every 100
  DB* db = db_.get();

  std::thread writer([&] {
    for (int r = 1; r <= kRounds && !fail.any(); r++) {
      for (int i = 0; i < kKeys; i++) {
        Status s = deleted(r, i) ? db->Delete(WriteOptions(), key(i))
                                 : db->Put(WriteOptions(), key(i), value(r, i));
        if (!s.ok()) fail.Add("write: " + s.ToString());
        progress.Add();
      }
      std::shared_ptr<const Snapshot> snap(db->GetSnapshot(),
                                           [db](const Snapshot* s) { db->ReleaseSnapshot(s); });
      std::lock_guard<std::mutex> l(mu);
      published.push_back({r, std::move(snap)});
      // Release every other old snapshot (the readers may still hold it a
      // little longer through their shared_ptr).
      if (published.size() > 3 && published[published.size() - 4].r % 2 == 1) {
        published.erase(published.end() - 4);
      }
    }
    done = true;
    progress.Stop();
  });

  std::vector<std::thread> readers;
  for (int t = 0; t < 3; t++) {
    readers.emplace_back([&, t] {
      std::mt19937 rng(500 + static_cast<unsigned>(t));
      while (!done.load() && !fail.any()) {
        Round round{0, nullptr};
        {
          std::lock_guard<std::mutex> l(mu);
          if (!published.empty()) round = published[rng() % published.size()];
        }
        if (round.snap == nullptr) {
          std::this_thread::yield();
          continue;
        }
        ReadOptions ro;
        ro.snapshot = round.snap.get();
        if (t == 0) {
          // Full scans, alternating direction.
          const auto want = expected(round.r);
          std::map<std::string, std::string> got;
          auto it = db->NewIterator(ro);
          if (checks.load() % 2 == 0) {
            for (it->SeekToFirst(); it->Valid(); it->Next())
              got[std::string(it->key())] = std::string(it->value());
          } else {
            for (it->SeekToLast(); it->Valid(); it->Prev())
              got[std::string(it->key())] = std::string(it->value());
          }
          if (!it->status().ok()) fail.Add("scan: " + it->status().ToString());
          if (got != want) {
            fail.Add("snapshot of round " + std::to_string(round.r) + ": scan shows " +
                     std::to_string(got.size()) + " keys, expected " + std::to_string(want.size()));
          }
        } else {
          for (int j = 0; j < 50; j++) {
            const int i = static_cast<int>(rng() % kKeys);
            std::string v;
            Status s = db->Get(ro, key(i), &v);
            if (deleted(round.r, i)) {
              if (!s.IsNotFound())
                fail.Add("round " + std::to_string(round.r) + ": " + key(i) +
                         " should be deleted, got " + v);
            } else if (!s.ok() || v != value(round.r, i)) {
              fail.Add("round " + std::to_string(round.r) + ": " + key(i) + " = " +
                       (s.ok() ? v : s.ToString()));
            }
          }
        }
        checks++;
      }
    });
  }
  std::thread compactor([&] {
    std::mt19937 rng(600);
    uint64_t next = 0;
    while (!done.load() && !fail.any()) {
      Status s;
      if (rng() % 3 == 0) {
        s = db->Flush();
      } else if (rng() % 2 == 0) {
        s = db->CompactRange(nullptr, nullptr);
      } else {
        const int a = static_cast<int>(rng() % kKeys);
        const std::string from = key(a), to = key(std::min(kKeys - 1, a + 40));
        s = db->CompactRange(&from, &to);
      }
      if (!s.ok()) fail.Add("compaction: " + s.ToString());
      next = progress.WaitFor(next + 100);
    }
  });
  writer.join();
  for (auto& th : readers) th.join();
  compactor.join();
  ASSERT_FALSE(fail.any()) << fail.count() << " failures; first: " << fail.first();
  std::printf("[snapshots] rounds=%d checks=%ld compactions=%llu\n", kRounds, checks.load(),
              static_cast<unsigned long long>(CompactionCount(db)));
  EXPECT_GT(checks.load(), 0);

  // The snapshots still held, after one more full compaction.
  ASSERT_TRUE(db->CompactRange(nullptr, nullptr).ok());
  for (const Round& round : published) {
    ReadOptions ro;
    ro.snapshot = round.snap.get();
    std::map<std::string, std::string> got;
    auto it = db->NewIterator(ro);
    for (it->SeekToFirst(); it->Valid(); it->Next())
      got[std::string(it->key())] = std::string(it->value());
    EXPECT_EQ(got, expected(round.r)) << "round " << round.r;
  }
  published.clear();  // releases them
  ASSERT_TRUE(db->CompactRange(nullptr, nullptr).ok());
  auto contents = [&] {
    std::map<std::string, std::string> got;
    auto it = db_->NewIterator(ReadOptions());
    for (it->SeekToFirst(); it->Valid(); it->Next())
      got[std::string(it->key())] = std::string(it->value());
    EXPECT_TRUE(it->status().ok());
    return got;
  };
  EXPECT_EQ(contents(), expected(kRounds));
  db_.reset();
  Open(options);
  EXPECT_EQ(contents(), expected(kRounds));
}

// Sync writes from four threads share WAL syncs: fewer syncs than sync
// writes. A group's memtable insert may run on one of its waiting writers
// while the leader syncs; every write must be readable at once, and again
// after reopening. Behaviour only; nothing is timed.
TEST_F(DBConcurrencyTest, SyncWritesAreGroupCommitted) {
  test::Watchdog watchdog(WatchdogLimit(120), "SyncWritesAreGroupCommitted");
  Options churn = ChurnOptions();
  churn.write_buffer_size = 16 << 10;  // log switches along the way
  // One memtable, no flushes: the waiting writers, spinning, usually run
  // their group's insert.
  const Options plain;
  for (const Options* options : std::initializer_list<const Options*>{&churn, &plain}) {
    SCOPED_TRACE(options == &churn ? "small write buffer" : "default options");
    test::RemoveAll(dir_);
    Open(*options);
    const int kThreads = 4;
    const int kPerThread = Scaled(60);
    Failures fail;
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; t++) {
      threads.emplace_back([&, t] {
        WriteOptions wo;
        wo.sync = true;
        for (int n = 1; n <= kPerThread; n++) {
          Status s = db_->Put(wo, WKey(t, n), WValue(t, n, 1));
          if (!s.ok()) fail.Add("sync write: " + s.ToString());
        }
      });
    }
    for (auto& th : threads) th.join();
    ASSERT_FALSE(fail.any()) << fail.first();

    const DBStats st = db_->GetStats();
    const unsigned long long syncs = st.wal_syncs, sync_writes = st.synced_writes,
                             helped = st.helped_syncs;
    std::printf("[group-commit] %llu WAL syncs for %llu sync writes from %d threads, %llu inserts "
                "run by a waiting writer\n",
                syncs, sync_writes, kThreads, helped);
    EXPECT_EQ(sync_writes, static_cast<unsigned long long>(kThreads * kPerThread));
    EXPECT_GE(syncs, 1u);
    EXPECT_LT(syncs, sync_writes) << "no two sync writes ever shared a WAL sync";
    EXPECT_LE(helped, syncs);

    for (int reopen = 0; reopen < 2; reopen++) {
      if (reopen == 1) {
        db_.reset();
        Open(*options);
      }
      for (int t = 0; t < kThreads; t++) {
        for (int n = 1; n <= kPerThread; n++) {
          std::string v;
          Status s = db_->Get(ReadOptions(), WKey(t, n), &v);
          ASSERT_TRUE(s.ok()) << WKey(t, n) << (reopen ? " after reopening" : "") << ": "
                              << s.ToString();
          EXPECT_EQ(v, WValue(t, n, 1));
        }
      }
    }
    db_.reset();
  }
}

// Regression: a group's memtable insert that ran out of memory threw
// bad_alloc out of the writer running it, leaving the write queue holding a
// dead Writer: the leader then waited forever for the waiting writer it had
// handed the insert to (or, inserting itself, left every queued writer
// waiting). In a forked child four threads write synchronously once the
// address space is limited to what is mapped plus 1 MiB, so that the
// memtable's next 2 MiB block cannot be had. Every write must return: the
// failing one with NoMemory, every later one refused the same way; no
// exception, no hang (a watchdog alarm kills the child). The writes
// acknowledged before are all there after reopening.
TEST_F(DBConcurrencyTest, OutOfMemoryInAGroupFailsWritesNotTheQueue) {
  if (test::kSanitizerReservesAddressSpace) GTEST_SKIP() << "sanitizers reserve more address space than a limit leaves";
  constexpr int kThreads = 4;
  constexpr int kBefore = 20;  // acknowledged writes per thread before the limit
  const std::string value(4000, 'v');
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::alarm(30);
    Options o;
    o.write_buffer_size = 512 << 20;  // no flush: the memtable only grows
    std::unique_ptr<DB> db;
    if (!DB::Open(o, dir_, &db).ok()) ::_exit(2);
    std::atomic<int> ready{0}, no_memory{0}, other{0}, threw{0};
    std::atomic<bool> go{false};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; t++) {
      threads.emplace_back([&, t] {
        WriteOptions wo;
        wo.sync = true;
        // Before the limit, so that this thread's heap and the group's
        // buffers exist.
        for (int n = 0; n < kBefore; n++) {
          if (!db->Put(wo, WKey(t, n), value).ok()) ::_exit(3);
        }
        ready++;
        while (!go.load()) std::this_thread::yield();
        for (int n = kBefore;; n++) {
          try {
            const Status s = db->Put(wo, WKey(t, n), value);
            if (s.ok()) continue;
            (s.code() == Status::Code::kNoMemory ? no_memory : other)++;
          } catch (...) {
            threw++;
          }
          return;
        }
      });
    }
    while (ready.load() < kThreads) std::this_thread::yield();
    long long vm_kb = 0;
    std::ifstream status_file("/proc/self/status");
    for (std::string field; status_file >> field;) {
      if (field == "VmSize:" && (status_file >> vm_kb)) break;
    }
    if (vm_kb <= 0) ::_exit(4);
    const rlim_t limit = static_cast<rlim_t>(vm_kb) * 1024 + (1 << 20);
    const struct rlimit as = {limit, limit};
    if (::setrlimit(RLIMIT_AS, &as) != 0) ::_exit(5);
    go = true;
    for (auto& th : threads) th.join();
    if (threw.load() > 0) ::_exit(6);
    if (other.load() > 0) ::_exit(7);
    if (no_memory.load() != kThreads) ::_exit(8);
    ::_exit(0);  // the database is left unclosed, as by a crash
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status)) << "child killed by signal " << WTERMSIG(status)
                                 << (WTERMSIG(status) == SIGALRM ? " (the write queue hung)" : "");
  // 6: a write threw; 7: failed other than NoMemory; 8: not every thread saw NoMemory.
  ASSERT_EQ(WEXITSTATUS(status), 0);
  Open(Options());
  for (int t = 0; t < kThreads; t++) {
    for (int n = 0; n < kBefore; n++) {
      std::string v;
      const Status s = db_->Get(ReadOptions(), WKey(t, n), &v);
      ASSERT_TRUE(s.ok()) << WKey(t, n) << ": " << s.ToString();
      EXPECT_EQ(v, value);
    }
  }
}

// Regression: the "sync writes" of "wal-syncs: N for M sync writes" counted
// every writer of a sync group, including non-sync writes a sync leader took
// along, and those threads were then waited for as sync company. Four
// threads write with sync, a fifth without; M must be the sync writes only.
TEST_F(DBConcurrencyTest, NonSyncWritesAreNotCountedAsSyncWrites) {
  test::Watchdog watchdog(WatchdogLimit(120), "NonSyncWritesAreNotCountedAsSyncWrites");
  Open(ChurnOptions());
  const int kThreads = 4;
  const int kPerThread = Scaled(60);
  std::vector<std::thread> threads;
  for (int t = 0; t <= kThreads; t++) {
    threads.emplace_back([&, t] {
      WriteOptions wo;
      wo.sync = t < kThreads;  // the last thread writes without sync
      for (int n = 1; n <= kPerThread; n++)
        EXPECT_TRUE(db_->Put(wo, WKey(t, n), WValue(t, n, 1)).ok());
    });
  }
  for (auto& th : threads) th.join();
  const DBStats st = db_->GetStats();
  const unsigned long long syncs = st.wal_syncs, sync_writes = st.synced_writes;
  EXPECT_EQ(sync_writes, static_cast<unsigned long long>(kThreads * kPerThread))
      << syncs << " WAL syncs; non-sync writes were counted as sync writes";
}

// Iterators held open across many flushes and compactions keep seeing the
// state of the moment they were created, and the tables they pin are
// released when they go: afterwards only the live tables remain.
TEST_F(DBConcurrencyTest, LongLivedIteratorsAcrossCompactions) {
  test::Watchdog watchdog(WatchdogLimit(120), "LongLivedIteratorsAcrossCompactions");
  const Options options = ChurnOptions();
  Open(options);
  const int kKeys = 400;
  auto key = [](int i) {
    char buf[16];
    std::snprintf(buf, sizeof(buf), "k%05d", i);
    return std::string(buf);
  };
  auto value = [](int r, int i) {
    return "r" + std::to_string(r) + ":" + std::string(60, static_cast<char>('a' + (r + i) % 26));
  };
  for (int i = 0; i < kKeys; i++) ASSERT_TRUE(db_->Put(WriteOptions(), key(i), value(0, i)).ok());

  const int kRounds = Scaled(12);
  std::vector<std::pair<int, std::unique_ptr<UserIterator>>> iters;
  std::atomic<bool> done{false};
  Failures fail;
  // Writes so far: the compactor runs one full compaction every 200, so
  // every round overlaps a few whatever the machine's speed.
  test::Progress progress;
  std::thread compactor([&] {
    uint64_t next = 0;
    while (!done.load()) {
      Status s = db_->CompactRange(nullptr, nullptr);
      if (!s.ok()) fail.Add(s.ToString());
      next = progress.WaitFor(next + 200);
    }
  });
  for (int r = 1; r <= kRounds; r++) {
    // An iterator over round r-1's state, positioned mid-way.
    auto it = db_->NewIterator(ReadOptions());
    it->Seek(key(kKeys / 2));
    iters.emplace_back(r - 1, std::move(it));
    for (int i = 0; i < kKeys; i++) {
      ASSERT_TRUE(db_->Put(WriteOptions(), key(i), value(r, i)).ok());
      progress.Add();
    }
    // Every iterator steps a little, both ways, and sees its own round.
    for (auto& [round, iter] : iters) {
      for (int step = 0; step < 5 && iter->Valid(); step++) {
        const std::string k(iter->key());
        const int i = std::atoi(k.c_str() + 1);
        EXPECT_EQ(iter->value(), value(round, i)) << "iterator of round " << round << " at " << k;
        if (step % 2 == 0) {
          iter->Next();
        } else {
          iter->Prev();
          if (iter->Valid()) iter->Next();
          if (iter->Valid()) iter->Next();
        }
      }
    }
  }
  done = true;
  progress.Stop();
  compactor.join();
  ASSERT_FALSE(fail.any()) << fail.first();
  // Full scans of every old iterator.
  for (auto& [round, iter] : iters) {
    int n = 0;
    for (iter->SeekToFirst(); iter->Valid(); iter->Next(), n++) {
      ASSERT_EQ(iter->key(), key(n));
      ASSERT_EQ(iter->value(), value(round, n));
    }
    EXPECT_TRUE(iter->status().ok()) << iter->status().ToString();
    EXPECT_EQ(n, kKeys);
  }
  iters.clear();
  ASSERT_TRUE(db_->CompactRange(nullptr, nullptr).ok());
  db_.reset();
  Open(options);
  for (int i = 0; i < kKeys; i++) {
    std::string v;
    ASSERT_TRUE(db_->Get(ReadOptions(), key(i), &v).ok());
    ASSERT_EQ(v, value(kRounds, i));
  }
}

}  // namespace
}  // namespace lsm
