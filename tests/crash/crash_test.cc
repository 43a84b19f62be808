// Kill -9 crash test through the C ABI (docs/durability.md, promises 1, 3
// and 4; docs/reliability.md quotes its summary line).
//
// Each round forks a child that opens a database with lsm_open and applies
// a deterministic sequence of operations (random puts, deletes and batches,
// derived from the round's seed and the operation's index), with sync on
// every write, on none, or on some; small write buffers and tables keep
// flushes and compactions running. After each call that returns LSM_OK the
// child writes the operation's index to a pipe. The parent SIGKILLs the
// child at a random moment, reads every index the child acknowledged, and
// reopens the database (in some rounds with paranoid checks) to check that:
//   - it opens;
//   - a full forward scan, a full backward scan and a get of every key show
//     exactly the history up to operation k for some k between the last
//     acknowledged operation and the one in flight: nothing acknowledged is
//     lost, no value was never written, no deletion is undone, a batch is
//     all there or not at all.
// Some rounds run several children on the same database, each recovering
// what the last one left and going on from there.
//
// Usage: crash_test [--rounds=N] [--seconds=S] [--seed=N] [--dir=PATH]
// CI runs --rounds=60; --seconds (or more rounds) is the soak.
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "lsm.h"

namespace {

using Model = std::map<std::string, std::string>;

constexpr uint32_t kKeys = 3000;

[[noreturn]] void Fail(const char* fmt, const std::string& a = "", const std::string& b = "") {
  std::fprintf(stderr, "crash_test: FAILED: ");
  std::fprintf(stderr, fmt, a.c_str(), b.c_str());
  std::fprintf(stderr, "\n");
  std::exit(1);
}

// An operation, a pure function of (seed, index): the parent rebuilds what
// the child did without being told.
struct Op {
  struct Entry {
    std::string key;
    std::optional<std::string> value;  // none: delete
  };
  std::vector<Entry> entries;
  bool batch = false;
  bool sync = false;
};

enum SyncMode { kSyncNone, kSyncAll, kSyncSome };

Op MakeOp(uint64_t seed, uint32_t index, SyncMode mode) {
  std::mt19937_64 rng(seed * 0x9E3779B97F4A7C15ull + index);
  Op op;
  op.sync = mode == kSyncAll || (mode == kSyncSome && rng() % 10 == 0);
  const int kind = static_cast<int>(rng() % 100);
  op.batch = kind >= 70;
  const int n = op.batch ? 2 + static_cast<int>(rng() % 20) : 1;
  for (int i = 0; i < n; i++) {
    Op::Entry e;
    char key[16];
    std::snprintf(key, sizeof(key), "key%06u", static_cast<unsigned>(rng() % kKeys));
    e.key = key;
    if (kind >= 15 || (op.batch && rng() % 4 != 0)) {
      // The value names its key and operation; its length varies.
      std::string v = e.key + "=" + std::to_string(index) + ":";
      v.resize(v.size() + rng() % 400, static_cast<char>('A' + index % 26));
      e.value = v;
    }
    op.entries.push_back(std::move(e));
  }
  return op;
}

void Apply(const Op& op, Model* m) {
  for (const auto& e : op.entries) {
    if (e.value) {
      (*m)[e.key] = *e.value;
    } else {
      m->erase(e.key);
    }
  }
}

lsm_options* MakeOptions(bool paranoid) {
  lsm_options* o = nullptr;
  if (lsm_options_create(&o) != LSM_OK) Fail("lsm_options_create");
  lsm_options_set_write_buffer_size(o, 64 << 10);
  lsm_options_set_target_file_size(o, 32 << 10);
  lsm_options_set_max_bytes_for_level_base(o, 128 << 10);
  lsm_options_set_level_size_multiplier(o, 4);
  lsm_options_set_block_size(o, 1024);
  lsm_options_set_background_threads(o, 2);
  lsm_options_set_paranoid_checks(o, paranoid ? 1 : 0);
  return o;
}

// ------------------------------------------------------------------ child

[[noreturn]] void RunChild(const std::string& dir, uint64_t seed, SyncMode mode, uint32_t first,
                           int fd) {
  lsm_options* o = MakeOptions(false);
  lsm_db* db = nullptr;
  if (lsm_open(dir.c_str(), o, &db) != LSM_OK) {
    std::fprintf(stderr, "child: open: %s\n", lsm_last_error());
    _exit(2);
  }
  lsm_write_options* plain = nullptr;
  lsm_write_options* sync = nullptr;
  lsm_write_options_create(&plain);
  lsm_write_options_create(&sync);
  lsm_write_options_set_sync(sync, 1);
  lsm_batch* b = nullptr;
  lsm_batch_create(&b);
  for (uint32_t i = first;; i++) {
    const Op op = MakeOp(seed, i, mode);
    const lsm_write_options* wo = op.sync ? sync : plain;
    int rc;
    if (op.batch) {
      lsm_batch_clear(b);
      for (const auto& e : op.entries) {
        if (e.value) {
          lsm_batch_put(b, e.key.data(), e.key.size(), e.value->data(), e.value->size());
        } else {
          lsm_batch_delete(b, e.key.data(), e.key.size());
        }
      }
      rc = lsm_write(db, wo, b);
    } else if (op.entries[0].value) {
      rc = lsm_put(db, wo, op.entries[0].key.data(), op.entries[0].key.size(),
                   op.entries[0].value->data(), op.entries[0].value->size());
    } else {
      rc = lsm_delete(db, wo, op.entries[0].key.data(), op.entries[0].key.size());
    }
    if (rc != LSM_OK) {
      std::fprintf(stderr, "child: write %u: %s\n", i, lsm_last_error());
      _exit(3);
    }
    // Acknowledged: tell the parent. A kill before this write makes the
    // parent think operation i was only in flight, which it allows for.
    if (write(fd, &i, sizeof(i)) != sizeof(i)) _exit(4);
  }
}

// ----------------------------------------------------------------- parent

struct Totals {
  uint64_t kills = 0;
  uint64_t acked = 0;
  uint64_t in_flight_applied = 0;
  uint64_t paranoid_opens = 0;
  uint64_t keys_checked = 0;
};

Model Scan(lsm_db* db, bool backward) {
  lsm_iter* it = nullptr;
  if (lsm_iter_open(db, nullptr, &it) != LSM_OK) Fail("lsm_iter_open: %s", lsm_last_error());
  Model m;
  const void *k, *v;
  size_t kl, vl;
  int rc;
  if (backward) {
    lsm_iter_seek_last(it);
    while ((rc = lsm_iter_prev_entry(it, &k, &kl, &v, &vl)) == LSM_OK) {
      std::string key(static_cast<const char*>(k), kl);
      if (!m.empty() && key >= m.begin()->first) Fail("backward scan out of order at %s", key);
      m.emplace(std::move(key), std::string(static_cast<const char*>(v), vl));
    }
  } else {
    lsm_iter_seek_first(it);
    while ((rc = lsm_iter_next_entry(it, &k, &kl, &v, &vl)) == LSM_OK) {
      std::string key(static_cast<const char*>(k), kl);
      if (!m.empty() && key <= m.rbegin()->first) Fail("forward scan out of order at %s", key);
      m.emplace(std::move(key), std::string(static_cast<const char*>(v), vl));
    }
  }
  if (rc != LSM_NOT_FOUND) Fail("scan ended with %s: %s", lsm_strerror(rc), lsm_last_error());
  lsm_iter_close(it);
  return m;
}

// Reopens dir and returns k such that it shows ops [0, k): k is acked or
// acked + 1 (the operation in flight). *model is the state at `base`
// (known from earlier rounds) on entry, and at k on return.
uint32_t Check(const std::string& dir, uint64_t seed, SyncMode mode, uint32_t base, uint32_t acked,
               bool paranoid, Model* model, Totals* totals) {
  lsm_options* o = MakeOptions(paranoid);
  lsm_db* db = nullptr;
  if (lsm_open(dir.c_str(), o, &db) != LSM_OK) {
    Fail("reopen after kill -9: %s%s", lsm_last_error(), paranoid ? " (paranoid)" : "");
  }
  lsm_options_destroy(o);
  const Model forward = Scan(db, false);
  if (Scan(db, true) != forward) Fail("backward scan disagrees with forward scan");
  for (uint32_t i = base; i < acked; i++) Apply(MakeOp(seed, i, mode), model);
  uint32_t k = acked;
  if (forward != *model) {
    Apply(MakeOp(seed, acked, mode), model);
    k = acked + 1;
    if (forward != *model) {
      // Name the first difference, for the report.
      std::string what = "?";
      for (uint32_t i = 0; i < kKeys; i++) {
        char key[16];
        std::snprintf(key, sizeof(key), "key%06u", i);
        auto a = forward.find(key);
        auto b = model->find(key);
        std::string have = a == forward.end() ? "(absent)" : a->second.substr(0, 24);
        std::string want = b == model->end() ? "(absent)" : b->second.substr(0, 24);
        if (have != want) {
          what = std::string(key) + " is " + have + ", history says " + want;
          break;
        }
      }
      Fail("after kill -9 the database is no prefix of the acknowledged history: %s (%s)", what,
           std::to_string(acked) + " acknowledged");
    }
    totals->in_flight_applied++;
  }
  // Every key, present or not, by get as well.
  for (uint32_t i = 0; i < kKeys; i++) {
    char key[16];
    std::snprintf(key, sizeof(key), "key%06u", i);
    void* v = nullptr;
    size_t vl = 0;
    const int rc = lsm_get(db, nullptr, key, std::strlen(key), &v, &vl);
    auto want = model->find(key);
    if (want == model->end()) {
      if (rc != LSM_NOT_FOUND) Fail("get %s: expected not found, got %s", key, lsm_strerror(rc));
    } else if (rc != LSM_OK || std::string(static_cast<char*>(v), vl) != want->second) {
      Fail("get %s: wrong or missing value (%s)", key, lsm_strerror(rc));
    }
    lsm_free(v);
  }
  totals->keys_checked += kKeys;
  if (lsm_close(db) != LSM_OK) Fail("close: %s", lsm_last_error());
  return k;
}

void RemoveTree(const std::string& dir) {
  std::string cmd = "rm -rf '" + dir + "'";
  if (std::system(cmd.c_str()) != 0) Fail("cannot remove %s", dir);
}

// One round: `kills` children in a row on one fresh database.
void Round(const std::string& dir, uint64_t seed, std::mt19937_64* rng, Totals* totals) {
  RemoveTree(dir);
  const SyncMode mode = static_cast<SyncMode>((*rng)() % 3);
  const int kills = (*rng)() % 4 == 0 ? 2 + static_cast<int>((*rng)() % 3) : 1;
  Model model;
  uint32_t next = 0;  // the database holds ops [0, next)
  for (int kill_no = 0; kill_no < kills; kill_no++) {
    int fds[2];
    if (pipe(fds) != 0) Fail("pipe: %s", std::strerror(errno));
    const pid_t pid = fork();
    if (pid < 0) Fail("fork: %s", std::strerror(errno));
    if (pid == 0) {
      close(fds[0]);
      RunChild(dir, seed, mode, next, fds[1]);
    }
    close(fds[1]);
    // Kill after a random time: often mid-flush or mid-compaction, since
    // the child fills a 64 KiB write buffer every few milliseconds.
    const auto delay = std::chrono::microseconds(2000 + (*rng)() % 250000);
    std::this_thread::sleep_for(delay);
    kill(pid, SIGKILL);
    uint32_t acked = next, index;
    ssize_t n;
    while ((n = read(fds[0], &index, sizeof(index))) == sizeof(index)) {
      if (index != acked) Fail("acknowledgements out of order");
      acked = index + 1;
    }
    close(fds[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    if (!WIFSIGNALED(status)) {
      Fail("the child exited by itself (status %s) before the kill", std::to_string(status));
    }
    totals->kills++;
    totals->acked += acked - next;
    const bool paranoid = (*rng)() % 2 == 0;
    totals->paranoid_opens += paranoid;
    next = Check(dir, seed, mode, next, acked, paranoid, &model, totals);
  }
  RemoveTree(dir);
}

}  // namespace

int main(int argc, char** argv) {
  int rounds = 60;
  double seconds = 0;
  uint64_t seed =
      static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
  const char* tmp = std::getenv("LSM_TEST_TMPDIR");
  std::string dir =
      std::string(tmp != nullptr ? tmp : "/tmp") + "/crash_test." + std::to_string(getpid());
  for (int i = 1; i < argc; i++) {
    std::string a = argv[i];
    if (a.rfind("--rounds=", 0) == 0) {
      rounds = std::atoi(a.c_str() + 9);
    } else if (a.rfind("--seconds=", 0) == 0) {
      seconds = std::atof(a.c_str() + 10);
    } else if (a.rfind("--seed=", 0) == 0) {
      seed = std::strtoull(a.c_str() + 7, nullptr, 10);
    } else if (a.rfind("--dir=", 0) == 0) {
      dir = a.substr(6);
    } else {
      std::fprintf(stderr,
                   "usage: crash_test [--rounds=N] [--seconds=S] [--seed=N] [--dir=PATH]\n");
      return 2;
    }
  }
  std::printf("crash_test: seed %llu (rerun with --seed=%llu)\n",
              static_cast<unsigned long long>(seed), static_cast<unsigned long long>(seed));
  std::fflush(stdout);
  std::mt19937_64 rng(seed);
  Totals totals;
  const auto start = std::chrono::steady_clock::now();
  int done = 0;
  for (;; done++) {
    const double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (seconds > 0 ? elapsed >= seconds : done >= rounds) break;
    Round(dir, rng(), &rng, &totals);
  }
  std::printf(
      "[crash] %d rounds, %llu kill -9s: %llu writes acknowledged, 0 lost, 0 wrong values "
      "(%llu times the write in flight was there too; %llu paranoid reopens; %llu keys "
      "checked by get)\n",
      done, static_cast<unsigned long long>(totals.kills),
      static_cast<unsigned long long>(totals.acked),
      static_cast<unsigned long long>(totals.in_flight_applied),
      static_cast<unsigned long long>(totals.paranoid_opens),
      static_cast<unsigned long long>(totals.keys_checked));
  return 0;
}
