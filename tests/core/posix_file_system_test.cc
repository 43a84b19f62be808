// Tests for core/env/posix_file_system.cc: log files (NewLogFile), which
// pass appends to the kernel through a shared mapping of the file. What they
// must keep: after Flush the bytes are in the file, past them only zeros,
// the death of the process loses nothing flushed, Close cuts the file to the
// bytes appended, sync appends land on blocks already written (zeros), and
// when no space can be reserved the file falls back to pwrite and still
// holds every byte.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/fiemap.h>
#include <linux/fs.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/env/file_system.h"
#include "core/log/log_reader.h"
#include "core/log/log_writer.h"
#include "core/util/random.h"
#include "tests/core/test_util.h"

namespace lsm {
namespace {

class PosixLogFileTest : public test::TempDirTest {
 protected:
  void SetUp() override {
    TempDirTest::SetUp();
    fs_ = FileSystem::Default();
    path_ = dir_ + "/000007.log";
  }

  std::string Contents() {
    std::string data;
    EXPECT_TRUE(ReadFileToString(fs_, path_, &data).ok());
    return data;
  }

  // Pieces of many sizes: small ones, ones that cross the 1 MiB mapping
  // windows, and ones too large to map (over half a window).
  static std::vector<std::string> Pieces(uint32_t seed, size_t total) {
    Random rnd(seed);
    std::vector<std::string> pieces;
    size_t size = 0;
    while (size < total) {
      size_t len = rnd.OneIn(40) ? 500000 + rnd.Uniform(200000) : 1 + rnd.Uniform(3000);
      std::string p(len, '\0');
      for (auto& c : p) c = static_cast<char>(rnd.Uniform(256));
      p[len - 1] = static_cast<char>(1 + rnd.Uniform(255));  // a piece never ends in a zero
      size += len;
      pieces.push_back(std::move(p));
    }
    return pieces;
  }

  FileSystem* fs_ = nullptr;
  std::string path_;
};

TEST_F(PosixLogFileTest, FlushedBytesAreInTheFileFollowedOnlyByZeros) {
  std::unique_ptr<WritableFile> f;
  ASSERT_TRUE(fs_->NewLogFile(path_, LogMapping::kAlways, &f).ok());
  const std::vector<std::string> pieces = Pieces(1, 5 << 20);
  std::string expect;
  int i = 0;
  for (const auto& p : pieces) {
    ASSERT_TRUE(f->Append(p).ok());
    // Mostly Flush (the mapping), sometimes Sync (pwrite), both in turn
    // within one window.
    Status s = (i++ % 7 == 3) ? f->Sync() : f->Flush();
    ASSERT_TRUE(s.ok()) << s.ToString();
    expect += p;
    if (i % 50 == 0 || &p == &pieces.back()) {
      const std::string got = Contents();
      ASSERT_GE(got.size(), expect.size());
      ASSERT_EQ(got.compare(0, expect.size(), expect), 0) << "after piece " << i;
      ASSERT_TRUE(std::all_of(got.begin() + static_cast<long>(expect.size()), got.end(),
                              [](char c) { return c == 0; }));
    }
  }
  // The reservation is visible before Close and gone after it.
  ASSERT_TRUE(f->Append("end").ok());
  ASSERT_TRUE(f->Flush().ok());
  expect += "end";
  EXPECT_GT(f->bytes_mapped(), 0u);
  EXPECT_GT(static_cast<uint64_t>(test::FileSize(path_)), expect.size());
  ASSERT_TRUE(f->Close().ok());
  EXPECT_EQ(static_cast<uint64_t>(test::FileSize(path_)), expect.size());
  EXPECT_EQ(Contents(), expect);
}

// Sync writes go through pwrite, into reserved space as well (fdatasync
// then commits no change of the file's size).
TEST_F(PosixLogFileTest, SyncedAppendsLandInReservedSpace) {
  std::unique_ptr<WritableFile> f;
  ASSERT_TRUE(fs_->NewLogFile(path_, LogMapping::kAlways, &f).ok());
  std::string expect;
  for (int i = 0; i < 20; i++) {
    const std::string record(100 + i, static_cast<char>('a' + i));
    ASSERT_TRUE(f->Append(record).ok());
    ASSERT_TRUE((i % 2 == 0 ? f->FlushForSync() : f->Sync()).ok());
    ASSERT_TRUE(f->Sync().ok());
    expect += record;
  }
  EXPECT_EQ(f->bytes_mapped(), 0u);
  EXPECT_GT(static_cast<uint64_t>(test::FileSize(path_)), expect.size());
  const std::string got = Contents();
  ASSERT_GE(got.size(), expect.size());
  EXPECT_EQ(got.substr(0, expect.size()), expect);
  ASSERT_TRUE(f->Close().ok());
  EXPECT_EQ(Contents(), expect);
}

// The file's extents that the file system reports unwritten (reserved,
// reading as zeros, never written); -1 where it cannot say (no FIEMAP). The
// file is synced first (FIEMAP_FLAG_SYNC).
int UnwrittenExtents(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0) return -1;
  constexpr int kMax = 256;
  std::vector<char> buf(sizeof(fiemap) + kMax * sizeof(fiemap_extent), 0);
  auto* map = reinterpret_cast<fiemap*>(buf.data());
  map->fm_start = 0;
  map->fm_length = FIEMAP_MAX_OFFSET;
  map->fm_flags = FIEMAP_FLAG_SYNC;
  map->fm_extent_count = kMax;
  const int r = ::ioctl(fd, FS_IOC_FIEMAP, map);
  ::close(fd);
  if (r != 0 || map->fm_mapped_extents == 0) return -1;
  int unwritten = 0;
  for (uint32_t i = 0; i < map->fm_mapped_extents; i++) {
    if (map->fm_extents[i].fe_flags & FIEMAP_EXTENT_UNWRITTEN) unwritten++;
  }
  return unwritten;
}

// Sync appends land on zeros written ahead of them, not on blocks merely
// reserved: ext4 marks reserved blocks unwritten, and an fdatasync that is
// the first to reach one must also commit its change to written. After
// each sync append, the reservation ahead of it holds written zeros.
TEST_F(PosixLogFileTest, SyncAppendsLandOnWrittenZeros) {
  std::unique_ptr<WritableFile> f;
  ASSERT_TRUE(fs_->NewLogFile(path_, LogMapping::kAlways, &f).ok());
  std::string expect;
  for (int i = 0; expect.size() < (3u << 20) / 2; i++) {
    const std::string record(3000 + i % 100, static_cast<char>('a' + i % 26));
    ASSERT_TRUE(f->Append(record).ok());
    ASSERT_TRUE(f->Sync().ok());
    expect += record;
    if (i % 100 == 0) {
      const int unwritten = UnwrittenExtents(path_);
      if (unwritten < 0) GTEST_SKIP() << "the file system does not report extents (FIEMAP)";
      ASSERT_EQ(unwritten, 0) << "after " << expect.size() << " bytes";
    }
  }
  const std::string got = Contents();
  ASSERT_GT(got.size(), expect.size());
  EXPECT_EQ(got.substr(0, expect.size()), expect);
  EXPECT_TRUE(std::all_of(got.begin() + static_cast<long>(expect.size()), got.end(),
                          [](char c) { return c == 0; }));
  ASSERT_TRUE(f->Close().ok());
  EXPECT_EQ(Contents(), expect);
}

TEST_F(PosixLogFileTest, AppendsWithoutFlushReachTheFileAtClose) {
  std::unique_ptr<WritableFile> f;
  ASSERT_TRUE(fs_->NewLogFile(path_, LogMapping::kAlways, &f).ok());
  std::string expect;
  for (const auto& p : Pieces(2, 300000)) {
    ASSERT_TRUE(f->Append(p).ok());
    expect += p;
  }
  ASSERT_TRUE(f->Close().ok());
  EXPECT_EQ(Contents(), expect);
}

TEST_F(PosixLogFileTest, EmptyLogFileClosesEmpty) {
  std::unique_ptr<WritableFile> f;
  ASSERT_TRUE(fs_->NewLogFile(path_, LogMapping::kAlways, &f).ok());
  ASSERT_TRUE(f->Flush().ok());
  ASSERT_TRUE(f->Close().ok());
  EXPECT_EQ(test::FileSize(path_), 0);
  EXPECT_TRUE(f->Close().ok());  // a second Close is harmless
}

// What kill -9 leaves: every flushed record, then the reservation's zeros,
// which the log reader takes as a torn tail, not damage.
TEST_F(PosixLogFileTest, ProcessKilledAfterFlushLosesNothing) {
  std::vector<std::string> records;
  for (int i = 0; i < 3000; i++) records.push_back(std::string(1 + i % 300, static_cast<char>('a' + i % 26)));
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    std::unique_ptr<WritableFile> f;
    if (!FileSystem::Default()->NewLogFile(path_, LogMapping::kAlways, &f).ok()) ::_exit(2);
    LogWriter w(std::move(f));
    for (const auto& r : records) {
      if (!w.AddRecord(r, false).ok()) ::_exit(3);
    }
    ::kill(::getpid(), SIGKILL);
    ::_exit(4);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFSIGNALED(status)) << "child exited with " << WEXITSTATUS(status);
  ASSERT_EQ(WTERMSIG(status), SIGKILL);

  std::unique_ptr<SequentialFile> file;
  ASSERT_TRUE(fs_->NewSequentialFile(path_, &file).ok());
  LogReader reader(std::move(file));
  std::vector<std::string> got;
  std::string rec;
  while (reader.ReadRecord(&rec)) got.push_back(rec);
  EXPECT_EQ(got, records);
  EXPECT_TRUE(reader.io_status().ok());
  EXPECT_TRUE(reader.corruption().ok()) << reader.corruption().ToString();
  EXPECT_GT(reader.torn_tail_bytes(), 0u);  // the reserved zeros
}

// With the file size limited, the second window cannot be reserved (nor
// zeroed, for the sync appends among them): the file goes on with pwrite
// and holds every byte appended.
TEST_F(PosixLogFileTest, FallsBackToPwriteWhenSpaceCannotBeReserved) {
  std::vector<std::string> pieces;
  std::string expect;
  for (int i = 0; expect.size() < 1300000; i++) {
    pieces.push_back(std::string(1000 + i % 100, static_cast<char>('A' + i % 26)));
    expect += pieces.back();
  }
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::signal(SIGXFSZ, SIG_IGN);  // past the limit, fail with EFBIG instead
    struct rlimit limit = {1600000, 1600000};
    if (::setrlimit(RLIMIT_FSIZE, &limit) != 0) ::_exit(2);
    std::unique_ptr<WritableFile> f;
    if (!FileSystem::Default()->NewLogFile(path_, LogMapping::kAlways, &f).ok()) ::_exit(3);
    int i = 0;
    for (const auto& p : pieces) {
      if (!f->Append(p).ok() || !(i++ % 5 == 0 ? f->Sync() : f->Flush()).ok()) ::_exit(4);
    }
    ::_exit(f->Close().ok() ? 0 : 5);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  ASSERT_EQ(WEXITSTATUS(status), 0);
  ASSERT_LT(expect.size(), 1600000u);
  ASSERT_GT(expect.size(), 1u << 20);
  EXPECT_EQ(Contents(), expect);
}

// wal_mmap off: appends go through pwrite, never a mapping, and the file
// holds them all.
TEST_F(PosixLogFileTest, NeverMapsWhenMappingIsOff) {
  std::unique_ptr<WritableFile> f;
  ASSERT_TRUE(fs_->NewLogFile(path_, LogMapping::kNever, &f).ok());
  std::string expect;
  for (const auto& p : Pieces(3, 3 << 20)) {
    ASSERT_TRUE(f->Append(p).ok());
    ASSERT_TRUE(f->Flush().ok());
    expect += p;
  }
  EXPECT_EQ(f->bytes_mapped(), 0u);
  EXPECT_EQ(f->append_path().rfind("pwrite(2) (", 0), 0u) << f->append_path();
  EXPECT_NE(f->append_path().find("wal_mmap is off"), std::string::npos) << f->append_path();
  ASSERT_TRUE(f->Close().ok());
  EXPECT_EQ(Contents(), expect);
}

// ------------------------------------------------------------ LockFile

class PosixLockTest : public test::TempDirTest {
 protected:
  void SetUp() override {
    TempDirTest::SetUp();
    fs_ = FileSystem::Default();
    path_ = dir_ + "/LOCK";
  }

  // Whether another open file description can take the lock now, as
  // another process would try.
  bool FreeForOthers() {
    const int fd = ::open(path_.c_str(), O_RDWR | O_CLOEXEC);
    if (fd < 0) return false;
    const bool got = ::flock(fd, LOCK_EX | LOCK_NB) == 0;
    ::close(fd);  // releases what it got
    return got;
  }

  // Runs child(to_parent, from_parent) in a forked process while the
  // parent runs parent(to_child, from_child), the four being the ends of
  // two pipes for one-byte go-aheads (Send, Await); returns the child's
  // exit status, or 100 + the signal that killed it.
  template <typename Child, typename Parent>
  int Forked(Child child, Parent parent) {
    int down[2], up[2];
    EXPECT_EQ(::pipe(down), 0);
    EXPECT_EQ(::pipe(up), 0);
    const pid_t pid = ::fork();
    if (pid == 0) {
      ::close(down[1]);
      ::close(up[0]);
      ::_exit(child(up[1], down[0]));
    }
    ::close(down[0]);
    ::close(up[1]);
    parent(down[1], up[0]);
    ::close(down[1]);
    ::close(up[0]);
    int status = 0;
    EXPECT_EQ(::waitpid(pid, &status, 0), pid);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 100 + WTERMSIG(status);
  }

  static bool Send(int fd) { return ::write(fd, "x", 1) == 1; }
  static bool Await(int fd) {
    char c;
    return ::read(fd, &c, 1) == 1;
  }

  FileSystem* fs_ = nullptr;
  std::string path_;
};

TEST_F(PosixLockTest, SecondLockInThisProcessIsBusyAndSaysSo) {
  std::unique_ptr<FileLock> lock;
  ASSERT_TRUE(fs_->LockFile(path_, &lock).ok());
  const std::string link = dir_ + "-link";
  ASSERT_EQ(::symlink(dir_.c_str(), link.c_str()), 0);
  // Regression: through another spelling of the path, the second open was
  // told the database was "locked by another process".
  for (const std::string& p : {path_, dir_ + "//LOCK", dir_ + "/./LOCK", link + "/LOCK"}) {
    std::unique_ptr<FileLock> again;
    Status s = fs_->LockFile(p, &again);
    EXPECT_TRUE(s.IsBusy()) << p << ": " << s.ToString();
    EXPECT_NE(s.message().find("already open in this process"), std::string::npos) << s.message();
  }
  EXPECT_FALSE(FreeForOthers());
  lock.reset();
  EXPECT_TRUE(FreeForOthers());
  ASSERT_TRUE(fs_->LockFile(link + "/LOCK", &lock).ok());
  lock.reset();
  ::unlink(link.c_str());
}

// Regression: after fork, the child found its parent's entry in the
// process-wide set of locked paths and was refused ("already open in this
// process") for ever, even once the parent had released the database.
TEST_F(PosixLockTest, ChildOfAForkLocksOnceTheParentReleases) {
  std::unique_ptr<FileLock> lock;
  ASSERT_TRUE(fs_->LockFile(path_, &lock).ok());
  const std::string parent_pid = std::to_string(::getpid());
  const int code = Forked(
      [&](int to_parent, int from_parent) {
        std::unique_ptr<FileLock> mine;
        Status s = FileSystem::Default()->LockFile(path_, &mine);
        // The parent holds it: another process, whose pid the LOCK names.
        if (!s.IsBusy()) return 10;
        if (s.message().find("locked by another process (pid " + parent_pid) == std::string::npos) {
          return 11;
        }
        if (!Send(to_parent) || !Await(from_parent)) return 12;
        s = FileSystem::Default()->LockFile(path_, &mine);
        return s.ok() ? 0 : 13;
      },
      [&](int to_child, int from_child) {
        ASSERT_TRUE(Await(from_child));
        lock.reset();
        ASSERT_TRUE(Send(to_child));
      });
  EXPECT_EQ(code, 0);
}

// Regression: a child that let go of the lock it inherited (a DB object
// destroyed in the child) unlocked the parent's database, because the open
// file description, and its flock, are shared across fork.
TEST_F(PosixLockTest, ChildDroppingAnInheritedLockLeavesTheParentsLocked) {
  std::unique_ptr<FileLock> lock;
  ASSERT_TRUE(fs_->LockFile(path_, &lock).ok());
  const int code = Forked(
      [&](int, int) {
        lock.reset();
        return 0;
      },
      [](int, int) {});
  EXPECT_EQ(code, 0);
  EXPECT_FALSE(FreeForOthers());
  std::unique_ptr<FileLock> again;
  EXPECT_TRUE(fs_->LockFile(path_, &again).IsBusy());
  lock.reset();
  EXPECT_TRUE(FreeForOthers());
}

}  // namespace
}  // namespace lsm
