// Helpers shared by the core tests.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace lsm {

class DB;
class Snapshot;

namespace test {

// Whether this build runs under ThreadSanitizer (5-15x slower), or under
// any sanitizer that reserves terabytes of address space (ASan, TSan, MSan).
#if defined(__SANITIZE_THREAD__)
inline constexpr bool kThreadSanitizer = true;
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
inline constexpr bool kThreadSanitizer = true;
#else
inline constexpr bool kThreadSanitizer = false;
#endif
#else
inline constexpr bool kThreadSanitizer = false;
#endif
#if defined(__SANITIZE_ADDRESS__)
inline constexpr bool kAddressSanitizer = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(memory_sanitizer)
inline constexpr bool kAddressSanitizer = true;
#else
inline constexpr bool kAddressSanitizer = false;
#endif
#else
inline constexpr bool kAddressSanitizer = false;
#endif
inline constexpr bool kSanitizerReservesAddressSpace = kThreadSanitizer || kAddressSanitizer;

// db's value for key (at snap; null: latest), "NOT_FOUND" if absent, or the
// error's text.
std::string ReadValue(DB* db, const std::string& key, const Snapshot* snap = nullptr);

// Every key and value db shows (at snap), by a forward scan; a scan error
// is a test failure.
std::map<std::string, std::string> ReadAll(DB* db, const Snapshot* snap = nullptr);

// Whether a forward scan (SeekToFirst, Next) and a backward scan (SeekToLast,
// Prev) of *it each show exactly `entries` (key/value pairs, in the
// iterator's order; a vector of pairs or a map), ending invalid with an OK
// status. A template, so that every iterator of the core (block, table,
// memtable, merging, the DB's) fits.
template <typename Iter, typename Entries>
::testing::AssertionResult ScansBothWays(Iter* it, const Entries& entries) {
  it->SeekToFirst();
  size_t i = 0;
  for (const auto& [k, v] : entries) {
    if (!it->Valid()) return ::testing::AssertionFailure() << "forward: ended at entry " << i;
    if (it->key() != k || it->value() != v) {
      return ::testing::AssertionFailure() << "forward: entry " << i << " is (" << it->key()
                                           << ", " << it->value() << "), expected (" << k
                                           << ", " << v << ")";
    }
    it->Next();
    i++;
  }
  if (it->Valid()) return ::testing::AssertionFailure() << "forward: more than " << i << " entries";
  if (!it->status().ok()) return ::testing::AssertionFailure() << "forward: " << it->status().ToString();
  it->SeekToLast();
  for (auto r = entries.rbegin(); r != entries.rend(); ++r) {
    i--;
    if (!it->Valid()) return ::testing::AssertionFailure() << "backward: ended at entry " << i;
    if (it->key() != r->first || it->value() != r->second) {
      return ::testing::AssertionFailure() << "backward: entry " << i << " is (" << it->key()
                                           << ", " << it->value() << "), expected ("
                                           << r->first << ", " << r->second << ")";
    }
    it->Prev();
  }
  if (it->Valid()) return ::testing::AssertionFailure() << "backward: entries before the first";
  if (!it->status().ok()) {
    return ::testing::AssertionFailure() << "backward: " << it->status().ToString();
  }
  return ::testing::AssertionSuccess();
}

// Waits for background work (DB::WaitForCompactions), then checks from the
// outside (DB::GetStats) that nothing runs and nothing is due: level 0
// below level0_trigger files, levels 1..5 below their target bytes. A
// WaitForCompactions that returned early, or a compaction that left a
// level over its target, fails here, with "lsm.stats" in the message.
::testing::AssertionResult WaitForIdle(DB* db, int level0_trigger);

// A fresh, empty directory for one test, under $LSM_TEST_TMPDIR (or /tmp),
// named after the running GoogleTest test. Removed first if it exists.
std::string TempDir();

// Removes path and everything under it; missing is fine.
void RemoveAll(const std::string& path);

// Bytes of path; -1 if missing.
long long FileSize(const std::string& path);

// Flips the bits of the byte at offset in path (negative offsets count from
// the end). Returns false if the file is shorter.
bool CorruptByte(const std::string& path, long long offset);

// Shortens path to `size` bytes.
bool TruncateFile(const std::string& path, long long size);

// The end offset of each record of the log file at path, from the length
// fields of its headers (core/log/log_format.h), up to the end of the file
// or the zeros a live log reserves past its last record.
std::vector<long long> LogRecordEnds(const std::string& path);

// Waits until thread tid of this process is asleep in the kernel (state S
// in /proc: a futex wait, a blocking call). A hand-off for tests that know
// the one place a thread can block (say, a condition-variable wait inside
// the engine while a Gate holds the work it waits for) and must not go on
// before it is there. Spins with yields, no sleeps; pair it with a Watchdog.
// False if /proc cannot tell (no such thread, /proc not mounted).
bool WaitUntilThreadSleeps(long tid);

// A count that some threads advance and others wait on, so that a stress
// test paces its flushes, compactions or snapshots by the writers' progress
// (every so many writes) rather than by the clock: the same mix of
// operations on a fast machine, a loaded one, and under a sanitizer.
class Progress {
 public:
  void Add(uint64_t n = 1);
  // Waits until the count reaches target or Stop() is called; returns the
  // count then.
  uint64_t WaitFor(uint64_t target);
  // Wakes every waiter now and later (the writers are done or failed).
  void Stop();
  bool stopped() const { return stopped_.load(); }
  uint64_t count() const { return count_.load(); }

 private:
  std::atomic<uint64_t> count_{0};
  std::atomic<bool> stopped_{false};
  // Add takes the mutex only when someone waits (writers stay cheap).
  std::atomic<int> waiters_{0};
  std::mutex mu_;
  std::condition_variable cv_;
};

// Aborts the test binary (with a message) if not destroyed within `limit`:
// a deadlocked database must fail the run, not hang it. The limit is far
// above any healthy run; it measures nothing.
class Watchdog {
 public:
  Watchdog(std::chrono::duration<double> limit, std::string what);
  ~Watchdog();
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool done_ = false;
  const std::string what_;
  std::thread thread_;  // last: starts once the members above exist
};

// A GoogleTest fixture with a scratch directory of its own: dir_, made
// fresh by TempDir() before each test and removed after it unless the test
// failed (then it stays, for a look at the files). A fixture that derives
// from it and overrides SetUp or TearDown calls this one's.
class TempDirTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = TempDir(); }
  void TearDown() override {
    if (!HasFailure()) RemoveAll(dir_);
  }

  std::string dir_;
};

// TempDirTest with a database handle, db_, closed before the directory is
// removed. (A template so that this header needs only DB's declaration.)
template <typename Db>
class DbDirTestOf : public TempDirTest {
 protected:
  void TearDown() override {
    db_.reset();
    TempDirTest::TearDown();
  }

  std::unique_ptr<Db> db_;
};
using DbDirTest = DbDirTestOf<DB>;

// Closes *db when it goes out of scope. Declare one right after a file
// system that lives on the test's stack: the database's background threads
// may use that file system (a flush, obsolete-file deletion) until the
// database is closed, and this closes it first on every way out of the
// test, failed asserts and skips included. (A template so that this header
// needs only DB's declaration.)
template <typename Db>
class CloseOnExit {
 public:
  explicit CloseOnExit(std::unique_ptr<Db>* db) : db_(db) {}
  ~CloseOnExit() { db_->reset(); }
  CloseOnExit(const CloseOnExit&) = delete;
  CloseOnExit& operator=(const CloseOnExit&) = delete;

 private:
  std::unique_ptr<Db>* db_;
};

}  // namespace test
}  // namespace lsm
