#include "tests/core/test_util.h"

#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <thread>

#include <gtest/gtest.h>

#include "core/db/db.h"
#include "core/db/stats.h"
#include "core/env/file_system.h"
#include "core/log/log_format.h"
#include "core/util/coding.h"

namespace lsm {
namespace test {

void RemoveAll(const std::string& path) {
  nftw(
      path.c_str(),
      [](const char* p, const struct stat*, int, struct FTW*) { return ::remove(p); }, 16,
      FTW_DEPTH | FTW_PHYS);
}

std::string TempDir() {
  const char* base = std::getenv("LSM_TEST_TMPDIR");
  std::string dir = base ? base : "/tmp";
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string name = "lsm-test";
  if (info != nullptr) name = std::string(info->test_suite_name()) + "." + info->name();
  for (char& c : name) {
    if (c == '/') c = '_';
  }
  dir += "/" + name + "." + std::to_string(::getpid());
  RemoveAll(dir);
  ::mkdir(dir.c_str(), 0755);
  return dir;
}

std::string ReadValue(DB* db, const std::string& key, const Snapshot* snap) {
  ReadOptions ro;
  ro.snapshot = snap;
  std::string v;
  Status s = db->Get(ro, key, &v);
  if (s.IsNotFound()) return "NOT_FOUND";
  if (!s.ok()) return s.ToString();
  return v;
}

std::map<std::string, std::string> ReadAll(DB* db, const Snapshot* snap) {
  ReadOptions ro;
  ro.snapshot = snap;
  auto it = db->NewIterator(ro);
  std::map<std::string, std::string> out;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    out[std::string(it->key())] = std::string(it->value());
  }
  EXPECT_TRUE(it->status().ok()) << it->status().ToString();
  return out;
}

::testing::AssertionResult WaitForIdle(DB* db, int level0_trigger) {
  Status s = db->WaitForCompactions();
  if (!s.ok()) return ::testing::AssertionFailure() << "WaitForCompactions: " << s.ToString();
  const DBStats st = db->GetStats();
  bool idle = st.running_compactions == 0 && st.levels[0].files < level0_trigger;
  for (int level = 1; level + 1 < kNumLevels; level++) {
    idle = idle && st.levels[level].bytes < st.levels[level].target_bytes;
  }
  if (idle) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << "after WaitForCompactions, compactions still running or due:\n"
         << FormatStats(st);
}

long long FileSize(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return -1;
  return static_cast<long long>(st.st_size);
}

bool CorruptByte(const std::string& path, long long offset) {
  long long size = FileSize(path);
  if (offset < 0) offset += size;
  if (offset < 0 || offset >= size) return false;
  int fd = ::open(path.c_str(), O_RDWR);
  if (fd < 0) return false;
  unsigned char c;
  bool ok = ::pread(fd, &c, 1, offset) == 1;
  c ^= 0xff;
  ok = ok && ::pwrite(fd, &c, 1, offset) == 1;
  ::close(fd);
  return ok;
}

bool TruncateFile(const std::string& path, long long size) {
  return ::truncate(path.c_str(), size) == 0;
}

std::vector<long long> LogRecordEnds(const std::string& path) {
  std::string data;
  EXPECT_TRUE(ReadFileToString(FileSystem::Default(), path, &data).ok());
  std::vector<long long> ends;
  size_t pos = 0;
  while (data.size() - pos >= kLogHeaderSize) {
    const char* h = data.data() + pos;
    if (std::all_of(h, h + kLogLengthFieldsSize, [](char c) { return c == 0; })) break;
    pos += kLogHeaderSize + DecodeFixed32(h);
    ends.push_back(static_cast<long long>(pos));
  }
  return ends;
}

bool WaitUntilThreadSleeps(long tid) {
  const std::string path = "/proc/self/task/" + std::to_string(tid) + "/stat";
  while (true) {
    std::ifstream in(path);
    std::string stat;
    if (!std::getline(in, stat)) return false;
    // "pid (comm) S ...": comm may hold spaces and parentheses, the state
    // follows the last ')'.
    const size_t close = stat.rfind(')');
    if (close == std::string::npos || close + 2 >= stat.size()) return false;
    if (stat[close + 2] == 'S') return true;
    std::this_thread::yield();
  }
}

void Progress::Add(uint64_t n) {
  count_.fetch_add(n);
  // Sequentially consistent: a waiter that registered before this load saw
  // the old count under mu_ and is waiting or about to (it then sees the
  // new count); taking mu_ here orders the notify after its wait began.
  if (waiters_.load() > 0) {
    std::lock_guard<std::mutex> l(mu_);
    cv_.notify_all();
  }
}

uint64_t Progress::WaitFor(uint64_t target) {
  std::unique_lock<std::mutex> l(mu_);
  waiters_++;
  cv_.wait(l, [&] { return count_.load() >= target || stopped_.load(); });
  waiters_--;
  return count_.load();
}

void Progress::Stop() {
  std::lock_guard<std::mutex> l(mu_);
  stopped_ = true;
  cv_.notify_all();
}

Watchdog::Watchdog(std::chrono::duration<double> limit, std::string what)
    : what_(std::move(what)), thread_([this, limit] {
        std::unique_lock<std::mutex> l(mu_);
        if (!cv_.wait_for(l, limit, [this] { return done_; })) {
          std::fprintf(stderr, "\nWATCHDOG: %s still running after %.0f s: deadlock? aborting\n",
                       what_.c_str(), limit.count());
          std::fflush(stderr);
          std::abort();
        }
      }) {}

Watchdog::~Watchdog() {
  {
    std::lock_guard<std::mutex> l(mu_);
    done_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

}  // namespace test
}  // namespace lsm
