// kill -9 survival. A forked child opens a database and writes keys 0, 1,
// 2, ... (Put with sync=false, or all-or-nothing WriteBatches), reporting
// each acknowledged write to the parent through a pipe. The parent lets it
// run for a random number of acknowledgements, SIGKILLs it (often in the
// middle of a memtable flush or a compaction: the write buffer is 64 KiB),
// then reopens the database and checks:
//   - every acknowledged key is there with its value;
//   - the keys present are exactly 0..M for some M (no holes, nothing
//     else, no garbage values), and for batches M+1 is a batch boundary;
//   - a paranoid open succeeds: a process crash leaves at most a torn WAL
//     tail, never damage.
// Some rounds kill the same database several times in a row, each child
// recovering what the previous one left and carrying on.
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "core/db/db.h"
#include "tests/core/test_util.h"

namespace lsm {
namespace {

constexpr uint32_t kMaxKeys = 1u << 30;

std::string CrashKey(uint32_t i) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "k%09u", i);
  return buf;
}

uint32_t Mix(uint32_t i) {
  uint64_t h = (i + 0x9E3779B97F4A7C15ull) * 0xBF58476D1CE4E5B9ull;
  return static_cast<uint32_t>(h ^ (h >> 31));
}

// Deterministic, varied: mostly small, some large (they fill the 64 KiB
// buffer quickly), some compressible, some not.
std::string CrashValue(uint32_t i) {
  const uint32_t h = Mix(i);
  size_t len = (h % 97 == 0) ? 8000 + h % 12000 : 10 + h % 600;
  std::string v = "v" + std::to_string(i) + "|";
  uint32_t x = h;
  while (v.size() < len) {
    if (h & 1) {
      v.push_back(static_cast<char>('a' + i % 26));
    } else {
      x = x * 1103515245u + 12345u;
      v.push_back(static_cast<char>(x >> 16));
    }
  }
  return v;
}

// Size of the batch that starts at key i (batch mode).
uint32_t BatchSize(uint32_t i) { return 1 + Mix(i ^ 0x5bd1e995u) % 16; }

Options CrashOptions() {
  Options o;
  o.write_buffer_size = 64 << 10;
  o.level0_compaction_trigger = 3;
  o.block_size = 1024;
  return o;
}

bool WriteAll(int fd, const void* p, size_t n) {
  const char* c = static_cast<const char*>(p);
  while (n > 0) {
    ssize_t w = ::write(fd, c, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    c += w;
    n -= static_cast<size_t>(w);
  }
  return true;
}

// The child: never returns (and never touches gtest).
[[noreturn]] void ChildMain(const std::string& dir, uint32_t start, bool batches, int fd) {
  std::unique_ptr<DB> db;
  if (!DB::Open(CrashOptions(), dir, &db).ok()) ::_exit(3);
  WriteOptions wo;
  uint32_t i = start;
  while (i < kMaxKeys) {
    uint32_t last;
    if (batches) {
      WriteBatch b;
      const uint32_t n = BatchSize(i);
      for (uint32_t j = 0; j < n; j++) b.Put(CrashKey(i + j), CrashValue(i + j));
      if (!db->Write(wo, b).ok()) ::_exit(4);
      last = i + n - 1;
      i += n;
    } else {
      if (!db->Put(wo, CrashKey(i), CrashValue(i)).ok()) ::_exit(4);
      last = i;
      i++;
    }
    // Unbuffered: the parent learns of the write only once it returned.
    if (!WriteAll(fd, &last, sizeof(last))) ::_exit(5);
  }
  ::_exit(0);
}

class DBCrashTest : public ::testing::Test {
 protected:
  void SetUp() override { base_ = test::TempDir(); }
  void TearDown() override {
    if (!HasFailure()) test::RemoveAll(base_);
  }

  // Runs a child from key `start` until keys 0..target-1 are acknowledged,
  // waits linger_us more, then kills it. *acked: keys 0..*acked-1 were
  // acknowledged.
  void RunAndKill(const std::string& dir, uint32_t start, bool batches, uint32_t target,
                  int linger_us, uint32_t* acked) {
    int fds[2];
    ASSERT_EQ(0, ::pipe(fds));
    std::fflush(nullptr);  // nothing buffered gets written twice
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      ::close(fds[0]);
      ChildMain(dir, start, batches, fds[1]);
    }
    ::close(fds[1]);
    *acked = start;
    char buf[4096];
    size_t have = 0;  // bytes of a partial uint32 carried over
    while (*acked < target) {
      ssize_t n = ::read(fds[0], buf + have, sizeof(buf) - have);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;  // the child died on its own
      have += static_cast<size_t>(n);
      size_t whole = have / 4 * 4;
      for (size_t off = 0; off < whole; off += 4) {
        uint32_t last;
        std::memcpy(&last, buf + off, 4);
        if (last + 1 > *acked) *acked = last + 1;
      }
      std::memmove(buf, buf + whole, have - whole);
      have -= whole;
    }
    // Not waiting for anything: the child goes on writing meanwhile, so the
    // kill lands at a point the test does not choose (mid-append, mid-flush,
    // mid-compaction); the prefix property must hold wherever it lands.
    if (linger_us > 0) std::this_thread::sleep_for(std::chrono::microseconds(linger_us));
    ::kill(pid, SIGKILL);
    int status = 0;
    ASSERT_EQ(pid, ::waitpid(pid, &status, 0));
    ::close(fds[0]);
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
        << "the child ended on its own: "
        << (WIFEXITED(status) ? "exit code " + std::to_string(WEXITSTATUS(status)) : "signal");
    ASSERT_GE(*acked, target);
  }

  // Checks the prefix property; *present = M+1, the number of keys present.
  void Verify(const std::string& dir, bool batches, uint32_t acked, const std::string& round,
              uint32_t* present) {
    Options o = CrashOptions();
    o.create_if_missing = false;
    o.paranoid_checks = true;  // a process crash must not look like damage
    std::unique_ptr<DB> db;
    Status s = DB::Open(o, dir, &db);
    ASSERT_TRUE(s.ok()) << round << ": reopen: " << s.ToString();
    auto it = db->NewIterator(ReadOptions());
    uint32_t n = 0;
    for (it->SeekToFirst(); it->Valid(); it->Next(), n++) {
      ASSERT_EQ(CrashKey(n), it->key()) << round << ": hole or stray key after " << n
                                        << " keys (acknowledged " << acked << ")";
      ASSERT_TRUE(it->value() == CrashValue(n)) << round << ": wrong value for " << CrashKey(n);
    }
    ASSERT_TRUE(it->status().ok()) << round << ": " << it->status().ToString();
    it.reset();
    ASSERT_GE(n, acked) << round << ": acknowledged writes were lost";
    if (batches) {
      uint32_t b = 0;
      while (b < n) b += BatchSize(b);
      ASSERT_EQ(b, n) << round << ": a batch survived only in part";
    }
    // Point reads agree (tables and memtable, not just the iterator).
    for (uint32_t i = 0; i < n; i += 1 + n / 64) {
      std::string v;
      ASSERT_TRUE(db->Get(ReadOptions(), CrashKey(i), &v).ok()) << round << ": " << i;
      ASSERT_EQ(CrashValue(i), v) << round;
    }
    std::string v;
    ASSERT_TRUE(db->Get(ReadOptions(), CrashKey(n), &v).IsNotFound()) << round;
    *present = n;
  }

  std::string base_;  // this test's directory; each round uses a subdirectory
};

TEST_F(DBCrashTest, KillDuringPuts) {
  std::mt19937_64 rng(20240601);
  for (int round = 0; round < 14; round++) {
    const std::string dir = base_ + "/r" + std::to_string(round);
    const uint32_t target = 1 + static_cast<uint32_t>(rng() % 3000);
    const int linger = (round % 3 == 0) ? static_cast<int>(rng() % 3000) : 0;
    uint32_t acked = 0, present = 0;
    RunAndKill(dir, 0, false, target, linger, &acked);
    if (HasFatalFailure()) return;
    const std::string name =
        "round " + std::to_string(round) + " target " + std::to_string(target);
    Verify(dir, false, acked, name, &present);
    if (HasFatalFailure()) return;
    test::RemoveAll(dir);
  }
}

TEST_F(DBCrashTest, KillDuringBatches) {
  std::mt19937_64 rng(77);
  for (int round = 0; round < 4; round++) {
    const std::string dir = base_ + "/r" + std::to_string(round);
    const uint32_t target = 1 + static_cast<uint32_t>(rng() % 6000);
    uint32_t acked = 0, present = 0;
    RunAndKill(dir, 0, true, target, round % 2 ? 1000 : 0, &acked);
    if (HasFatalFailure()) return;
    Verify(dir, true, acked, "batch round " + std::to_string(round), &present);
    if (HasFatalFailure()) return;
    test::RemoveAll(dir);
  }
}

// One database killed again and again: each child recovers the previous
// child's state (its WAL, half-written tables, interrupted compactions)
// and appends to it.
TEST_F(DBCrashTest, RepeatedKillsOfOneDatabase) {
  for (bool batches : {false, true}) {
    std::mt19937_64 rng(batches ? 5 : 6);
    const std::string dir = base_ + (batches ? "/batches" : "/puts");
    uint32_t present = 0;
    for (int gen = 0; gen < 5; gen++) {
      const uint32_t target = present + 1 + static_cast<uint32_t>(rng() % 1500);
      uint32_t acked = 0;
      RunAndKill(dir, present, batches, target, gen % 2 ? 500 : 0, &acked);
      if (HasFatalFailure()) return;
      Verify(dir, batches, acked,
             std::string(batches ? "batches" : "puts") + " generation " + std::to_string(gen),
             &present);
      if (HasFatalFailure()) return;
    }
    test::RemoveAll(dir);
  }
}

}  // namespace
}  // namespace lsm
