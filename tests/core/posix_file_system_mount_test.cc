// Tests for core/env/posix_file_system.cc's choice of how a write-ahead log
// appends, on real file systems: each test mounts a small image of one file
// system (a loop device; needs root, mount(8) and the mkfs tools from
// btrfs-progs and xfsprogs) or a tmpfs, and skips, saying why, where that
// is impossible. The file system to use is the test's parameter, so ctest
// runs (and reports a skip of) each one on its own.
//
// - With default options the log maps only where a store into reserved
//   blocks cannot fault (ext4, xfs, tmpfs), and says so in its statistics.
// - Filling the file system, then writing: every write either succeeds or
//   fails with a status, never a signal (regression: on btrfs a put died of
//   SIGBUS inside the store into the log's mapping, since a copy-on-write
//   file system allocates when a mapped page is first dirtied, and a full
//   disk cannot). With the space given back, reopening shows every write
//   that was acknowledged.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <ostream>
#include <string>

#include "core/db/db.h"
#include "core/db/stats.h"
#include "tests/core/test_util.h"

namespace lsm {
namespace {

struct Mountable {
  const char* name;       // as mount -t takes it
  const char* mkfs;       // the mkfs command for an image file; null: tmpfs
  int megabytes;          // smallest size its mkfs accepts, or near it
  const char* mapped_as;  // how DBStats::wal_appends starts (the log's append path)
};

void PrintTo(const Mountable& m, std::ostream* os) { *os << m.name; }

class MountedFileSystemTest : public ::testing::TestWithParam<Mountable> {
 protected:
  void SetUp() override {
    dir_ = test::TempDir();
    mnt_ = dir_ + "/mnt";
    const Mountable& m = GetParam();
    std::string why;
    if (::geteuid() != 0) {
      why = "not root";
    } else if (::mkdir(mnt_.c_str(), 0755) != 0) {
      why = "mkdir: " + std::string(std::strerror(errno));
    } else if (m.mkfs == nullptr) {
      const std::string options = "size=" + std::to_string(m.megabytes) + "m";
      if (::mount("tmpfs", mnt_.c_str(), "tmpfs", 0, options.c_str()) != 0) {
        why = "mount -t tmpfs: " + std::string(std::strerror(errno));
      }
    } else {
      const std::string image = dir_ + "/image";
      const std::string log = dir_ + "/mount.log";
      const std::string make = "truncate -s " + std::to_string(m.megabytes) + "M " + image +
                               " && " + m.mkfs + " " + image + " >" + log + " 2>&1";
      const std::string mount = "mount -t " + std::string(m.name) + " -o loop " + image + " " +
                                mnt_ + " >>" + log + " 2>&1";
      if (std::system(make.c_str()) != 0) {
        why = "'" + make + "' failed: " + Slurp(log);
      } else if (std::system(mount.c_str()) != 0) {
        why = "'" + mount + "' failed: " + Slurp(log);
      }
    }
    if (!why.empty()) {
      GTEST_SKIP() << "cannot mount " << m.name << " here (" << why << ")";
    }
    mounted_ = true;
    db_dir_ = mnt_ + "/db";
  }

  void TearDown() override {
    if (mounted_ && ::umount2(mnt_.c_str(), MNT_DETACH) != 0) {
      ADD_FAILURE() << "umount " << mnt_ << ": " << std::strerror(errno);
    }
    test::RemoveAll(dir_);
  }

  static std::string Slurp(const std::string& path) {
    std::ifstream in(path);
    std::string s((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    while (!s.empty() && s.back() == '\n') s.pop_back();
    return s;
  }

  static std::string Key(int i) {
    char buf[16];
    std::snprintf(buf, sizeof(buf), "key%08d", i);
    return buf;
  }
  static std::string Value(int i) { return std::string(1000, static_cast<char>('a' + i % 26)); }

  // Writes a file until the file system refuses more; returns its path.
  std::string Fill() {
    const std::string path = mnt_ + "/filler";
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return path;
    static const char chunk[1 << 16] = {1};
    while (true) {
      const ssize_t n = ::write(fd, chunk, sizeof(chunk));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
    }
    ::fsync(fd);
    ::close(fd);
    return path;
  }

  std::string dir_, mnt_, db_dir_;
  bool mounted_ = false;
};

TEST_P(MountedFileSystemTest, LogMapsOnlyWhereStoresCannotFault) {
  std::unique_ptr<DB> db;
  ASSERT_TRUE(DB::Open(Options(), db_dir_, &db).ok());
  ASSERT_TRUE(db->Put(WriteOptions(), "k", "v").ok());
  const std::string appends = db->GetStats().wal_appends;
  EXPECT_EQ(appends.rfind(GetParam().mapped_as, 0), 0u) << appends;
}

TEST_P(MountedFileSystemTest, FullDiskIsAStatusNeverASignal) {
  const std::string acked_path = dir_ + "/acked";
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    // The child: a few writes, then the disk fills up, then writes until
    // one fails. Exit 0 if one failed with a status; it records how many
    // were acknowledged.
    std::unique_ptr<DB> db;
    if (!DB::Open(Options(), db_dir_, &db).ok()) ::_exit(2);
    int acked = 0;
    for (; acked < 20; acked++) {
      if (!db->Put(WriteOptions(), Key(acked), Value(acked)).ok()) ::_exit(3);
    }
    Fill();
    int code = 4;  // no write failed: the test learns nothing
    for (int i = acked; i < acked + 200000; i++) {
      WriteOptions wo;
      wo.sync = i % 16 == 0;
      Status s = db->Put(wo, Key(i), Value(i));
      if (!s.ok()) {
        code = s.IsIOError() ? 0 : 5;
        if (code != 0) std::fprintf(stderr, "put %d: %s\n", i, s.ToString().c_str());
        break;
      }
      acked = i + 1;
    }
    std::ofstream(acked_path) << acked;
    db.reset();
    ::_exit(code);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_FALSE(WIFSIGNALED(status))
      << GetParam().name << ": the writer died of signal " << WTERMSIG(status) << " ("
      << ::strsignal(WTERMSIG(status)) << ")";
  ASSERT_TRUE(WIFEXITED(status));
  ASSERT_EQ(WEXITSTATUS(status), 0) << "see the child's message above";

  // With the space back, every acknowledged write is there.
  ASSERT_EQ(::unlink((mnt_ + "/filler").c_str()), 0);
  const int acked = std::atoi(Slurp(acked_path).c_str());
  ASSERT_GE(acked, 20);
  std::unique_ptr<DB> db;
  Status s = DB::Open(Options(), db_dir_, &db);
  ASSERT_TRUE(s.ok()) << s.ToString();
  for (int i = 0; i < acked; i++) {
    ASSERT_EQ(test::ReadValue(db.get(), Key(i)), Value(i)) << Key(i) << " of " << acked;
  }
  ASSERT_TRUE(db->Put(WriteOptions(), "after", "space came back").ok());
  ASSERT_TRUE(db->Close().ok());
}

INSTANTIATE_TEST_SUITE_P(
    FileSystems, MountedFileSystemTest,
    ::testing::Values(Mountable{"btrfs", "mkfs.btrfs -q -f", 160, "pwrite(2) (btrfs: "},
                      Mountable{"xfs", "mkfs.xfs -q -f", 320, "stores into a shared mapping (xfs)"},
                      Mountable{"ext4", "mkfs.ext4 -q -F", 64,
                                "stores into a shared mapping (ext4)"},
                      Mountable{"tmpfs", nullptr, 64, "stores into a shared mapping (tmpfs)"}),
    [](const ::testing::TestParamInfo<Mountable>& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace lsm
