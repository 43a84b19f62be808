// POSIX implementation of FileSystem: pwrite(2)/pread(2)/fdatasync(2),
// flock(2) for the database lock. Writable files keep a small user-space
// buffer that Flush() drains with pwrite(2), so a caller that Appends and
// Flushes once per operation costs one system call.
//
// Log files (NewLogFile) skip even that: Flush copies the buffer into a
// shared mapping of a 1 MiB window of the file, whose blocks fallocate
// reserved beforehand. The bytes are in the kernel's page cache once the
// copy ends, as after write(2), so they survive the death of the process;
// Sync writes with pwrite, into reserved space over which it has written
// zeros ahead (ZeroAhead), and calls fdatasync. Past the appended bytes the
// file holds the zeros of the reservation until Close cuts it to size.
//
// A store into a mapping has no way to fail but SIGBUS, so a log maps only
// where a store into reserved blocks needs neither space nor a read: on
// ext4, xfs and tmpfs, fallocate allocates the blocks (unwritten extents
// read as zeros without touching the disk). On copy-on-write file systems
// (btrfs, ZFS) a store into a reserved block still allocates a new one
// when the page is first dirtied, and a full disk then kills the process;
// on network and FUSE file systems nothing is known. There (LogMapping
// kAuto) the log appends with pwrite, and a full disk is an error status.
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <map>
#include <mutex>
#include <string>

#include "core/env/file_system.h"

namespace lsm {
namespace {

Status PosixError(const std::string& context, int err) {
  std::string msg = context + ": " + std::strerror(err);
  if (err == ENOENT) return Status::NotFound(msg);
  if (err == ENOMEM) return Status::NoMemory(msg);
  return Status::IOError(msg);
}

// The file system under fd, from fstatfs: its name ("" if unknown or
// fstatfs failed), and whether a store into blocks fallocate reserved
// there cannot fault (see the top of this file).
struct FileSystemKind {
  std::string name;
  bool reserves_blocks = false;
};

FileSystemKind KindOf(int fd) {
  struct statfs st;
  if (::fstatfs(fd, &st) != 0) return {};
  // Magic numbers from linux/magic.h (ext4's is also ext2's and ext3's,
  // which the ext4 driver serves).
  static constexpr struct {
    unsigned long magic;
    const char* name;
    bool reserves_blocks;
  } kKinds[] = {
      {0xEF53UL, "ext4", true},      {0x58465342UL, "xfs", true},
      {0x01021994UL, "tmpfs", true}, {0x9123683EUL, "btrfs", false},
      {0x2FC12FC1UL, "zfs", false},  {0x6969UL, "nfs", false},
      {0xFF534D42UL, "cifs", false}, {0x794C7630UL, "overlay", false},
      {0x65735546UL, "fuse", false}, {0xF2F52010UL, "f2fs", false},
  };
  const unsigned long magic = static_cast<unsigned long>(st.f_type) & 0xffffffffUL;
  for (const auto& k : kKinds) {
    if (k.magic == magic) return {k.name, k.reserves_blocks};
  }
  char buf[32];
  std::snprintf(buf, sizeof(buf), "file system type 0x%lx", magic);
  return {buf, false};
}

class PosixWritableFile final : public WritableFile {
 public:
  // log: a file from NewLogFile, whose Flush goes through a shared mapping
  // (above) where mapping and the file system allow; the descriptor must be
  // open for reading and writing.
  PosixWritableFile(std::string path, int fd, bool log, LogMapping mapping = LogMapping::kNever)
      : path_(std::move(path)), fd_(fd), log_(log) {
    if (!log) return;
    const FileSystemKind kind = KindOf(fd);
    fs_name_ = kind.name.empty() ? "an unknown file system" : kind.name;
    mapping_ =
        mapping == LogMapping::kAlways || (mapping == LogMapping::kAuto && kind.reserves_blocks);
    // Reserving blocks ahead speeds up fdatasync where fallocate allocates
    // them; on a copy-on-write file system it would only write twice.
    reserving_.store(mapping_ || kind.reserves_blocks, std::memory_order_relaxed);
    why_not_mapped_ = mapping == LogMapping::kNever ? "wal_mmap is off"
                      : mapping_                    ? "mmap or fallocate failed"
                                 : "a store into a mapping there could raise SIGBUS";
  }
  ~PosixWritableFile() override {
    // Closed without Close(): the owner gave up on the file (an error
    // path); whatever Close() would report changes nothing then.
    if (fd_ >= 0) Close().Ignore();
  }

  Status Append(std::string_view data) override {
    if (buf_.size() + data.size() <= kBufferSize) {
      buf_.append(data.data(), data.size());
      return Status::OK();
    }
    Status s = Flush();
    if (!s.ok()) return s;
    if (data.size() <= kBufferSize) {
      buf_.append(data.data(), data.size());
      return Status::OK();
    }
    return Write(data, /*may_map=*/true);
  }

  Status Flush() override { return Drain(/*may_map=*/true); }

  // Through pwrite, not the mapping: fdatasync leaves the pages it wrote
  // clean and write-protected, and the next store into one would fault (a
  // loop of 140-byte appends and fdatasync took 53-55 us a round with
  // pwrite, 57-62 us with stores into a mapping).
  Status FlushForSync() override { return Drain(/*may_map=*/false); }

  Status Sync() override {
    Status s = FlushForSync();
    if (!s.ok()) return s;
    if (::fdatasync(fd_) != 0) return PosixError(path_, errno);
    return Status::OK();
  }

  uint64_t bytes_mapped() const override { return bytes_mapped_; }

  std::string append_path() const override {
    if (!log_) return "write(2)";
    if (mapping_ && reserving_.load(std::memory_order_relaxed))
      return "stores into a shared mapping (" + fs_name_ + ")";
    return "pwrite(2) (" + fs_name_ + ": " + why_not_mapped_ + ")";
  }

  Status Close() override {
    Status s = Flush();
    Unmap();
    // Give back the reserved space past the appended bytes.
    if (log_ && fd_ >= 0 && ::ftruncate(fd_, static_cast<off_t>(offset_)) != 0 && s.ok()) {
      s = PosixError(path_, errno);
    }
    if (fd_ >= 0 && ::close(fd_) != 0 && s.ok()) s = PosixError(path_, errno);
    fd_ = -1;
    return s;
  }

 private:
  static constexpr size_t kBufferSize = 64 * 1024;
  // Bytes mapped at once; a multiple of any page size. Appends larger than
  // half of it go through pwrite.
  static constexpr size_t kWindow = 1024 * 1024;

  bool reserving() const { return reserving_.load(std::memory_order_relaxed); }

  Status Drain(bool may_map) {
    if (buf_.empty()) return Status::OK();
    Status s = Write(buf_, may_map);
    buf_.clear();
    return s;
  }

  Status Write(std::string_view data, bool may_map) {
    if (may_map && mapping_ && reserving() && data.size() <= kWindow / 2) {
      if (map_ != nullptr && offset_ + data.size() <= map_start_ + kWindow) {
        StoreAscending(map_ + (offset_ - map_start_), data);
        offset_ += data.size();
        bytes_mapped_ += data.size();
        return Status::OK();
      }
      if (Remap()) return Write(data, may_map);
      // No space to reserve, or no mapping: this file uses pwrite from now
      // on, as every file did before; a full disk then fails only the
      // appends that do not fit.
      Unmap();
      reserving_.store(false, std::memory_order_relaxed);
    }
    // A log's pwrites (sync writes) land in reserved space too: fdatasync
    // then has no file size to commit, and took 54 us here instead of 78
    // (a loop of 140-byte pwrite + fdatasync on ext4). Sync writes also
    // land on zeros written beforehand (see ZeroAhead).
    if (reserving() &&
        !(may_map ? Reserve(offset_ + data.size()) : ZeroAhead(offset_ + data.size()))) {
      reserving_.store(false, std::memory_order_relaxed);
    }
    const char* p = data.data();
    size_t left = data.size();
    while (left > 0) {
      ssize_t n = ::pwrite(fd_, p, left, static_cast<off_t>(offset_));
      if (n < 0) {
        if (errno == EINTR) continue;
        return PosixError(path_, errno);
      }
      p += n;
      left -= static_cast<size_t>(n);
      offset_ += static_cast<uint64_t>(n);
    }
    return Status::OK();
  }

  // Maps the window that starts at the page holding offset_ (so it has room
  // for any append Write maps), reserving its blocks first. fallocate, not
  // ftruncate: with the blocks reserved, a full disk shows here as an error,
  // not later as SIGBUS on a store into a hole.
  bool Remap() {
    Unmap();
    static const uint64_t page = static_cast<uint64_t>(::sysconf(_SC_PAGESIZE));
    if (page == 0 || page > kWindow / 2 || (page & (page - 1)) != 0) return false;
    const uint64_t start = offset_ & ~(page - 1);
    if (!Reserve(start + kWindow)) return false;
    void* p = ::mmap(nullptr, kWindow, PROT_READ | PROT_WRITE, MAP_SHARED, fd_, static_cast<off_t>(start));
    if (p == MAP_FAILED) return false;
    map_ = static_cast<char*>(p);
    map_start_ = start;
    return true;
  }

  // Reserves the file's blocks up to at least end, a window at a time.
  bool Reserve(uint64_t end) {
    if (end <= reserved_) return true;
    const uint64_t to = std::max(end, reserved_ + kWindow);
    if (::fallocate(fd_, 0, static_cast<off_t>(reserved_), static_cast<off_t>(to - reserved_)) != 0) {
      return false;
    }
    reserved_ = to;
    return true;
  }

  // Writes zeros over the reserved bytes from offset_ (or the end of those
  // zeroed before) to at least end, a window at a time. ext4 marks the
  // blocks fallocate reserves "unwritten", and an fdatasync after data
  // first lands in such a block must also commit the journal entry that
  // marks it written: in fillsync, syncs whose append reached a new 4 KiB
  // page took 82-104 us, the others 42-49. Zeros written over a window are
  // written back by the next fdatasync (one slower sync per window), and
  // every later sync append into the window finds written blocks.
  bool ZeroAhead(uint64_t end) {
    if (end <= zeroed_) return true;
    const uint64_t from = std::max(zeroed_, offset_);
    const uint64_t to = std::max(end, from + kWindow);
    if (!Reserve(to)) return false;
    static const char kZeros[64 * 1024] = {};
    for (uint64_t at = from; at < to;) {
      const size_t n = static_cast<size_t>(std::min<uint64_t>(sizeof(kZeros), to - at));
      const ssize_t w = ::pwrite(fd_, kZeros, n, static_cast<off_t>(at));
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) return false;
      at += static_cast<uint64_t>(w);
    }
    zeroed_ = to;
    return true;
  }

  void Unmap() {
    if (map_ != nullptr) ::munmap(map_, kWindow);
    map_ = nullptr;
  }

  // Copies with stores in ascending address order, so that a process killed
  // mid-copy leaves a prefix of data followed by the zeros already there:
  // the shape of a torn write(2), which the log reader's rules expect
  // (docs/format.md). volatile keeps the compiler from reordering them.
  static void StoreAscending(char* dst, std::string_view src) {
    volatile char* d = dst;
    const size_t n = src.size();
    size_t i = 0;
    for (; i < n && (reinterpret_cast<uintptr_t>(dst + i) & 7) != 0; i++) d[i] = src[i];
    for (; i + 8 <= n; i += 8) {
      uint64_t word;
      std::memcpy(&word, src.data() + i, 8);
      *reinterpret_cast<volatile uint64_t*>(dst + i) = word;
    }
    for (; i < n; i++) d[i] = src[i];
  }

  std::string path_;
  int fd_;
  const bool log_;
  bool mapping_ = false;  // a log that may append through a mapping (LogMapping, file system)
  // A log reserving space ahead (and mapping it if mapping_); false once
  // either failed. Atomic only because append_path() may read it from a
  // thread other than the appending one.
  std::atomic<bool> reserving_{false};
  std::string fs_name_;
  const char* why_not_mapped_ = "";
  std::string buf_;
  uint64_t offset_ = 0;    // bytes appended and handed to the kernel
  uint64_t reserved_ = 0;  // the file's size as extended by fallocate
  uint64_t zeroed_ = 0;    // past offset_, the file holds written zeros up to here
  char* map_ = nullptr;    // kWindow bytes of the file from map_start_
  uint64_t map_start_ = 0;
  uint64_t bytes_mapped_ = 0;
};

class PosixSequentialFile final : public SequentialFile {
 public:
  PosixSequentialFile(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  ~PosixSequentialFile() override { ::close(fd_); }

  Status Read(size_t n, char* scratch, std::string_view* result) override {
    while (true) {
      ssize_t r = ::read(fd_, scratch, n);
      if (r < 0) {
        if (errno == EINTR) continue;
        return PosixError(path_, errno);
      }
      *result = std::string_view(scratch, static_cast<size_t>(r));
      return Status::OK();
    }
  }

 private:
  std::string path_;
  int fd_;
};

class PosixRandomAccessFile final : public RandomAccessFile {
 public:
  PosixRandomAccessFile(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  ~PosixRandomAccessFile() override { ::close(fd_); }

  Status Read(uint64_t offset, size_t n, char* scratch,
              std::string_view* result) const override {
    size_t got = 0;
    while (got < n) {
      ssize_t r = ::pread(fd_, scratch + got, n - got, static_cast<off_t>(offset + got));
      if (r < 0) {
        if (errno == EINTR) continue;
        return PosixError(path_, errno);
      }
      if (r == 0) break;
      got += static_cast<size_t>(r);
    }
    *result = std::string_view(scratch, got);
    return Status::OK();
  }

  // Starts the kernel's read of the range, and returns (errors are moot: a
  // hint that fails leaves the later Read to do the work).
  void Prefetch(uint64_t offset, size_t n) const override {
    ::posix_fadvise(fd_, static_cast<off_t>(offset), static_cast<off_t>(n), POSIX_FADV_WILLNEED);
  }

 private:
  std::string path_;
  int fd_;
};

// flock(2) locks belong to the open file description, so a second open of
// the same database in this process would fail too, but as "locked by
// another process"; the registry below tells the two apart (and guards
// file systems where flock is advisory-only or emulated). It is keyed by
// the LOCK file's device and inode, so "dir", "dir/" and a symlink to dir
// are one database, and each entry names the process that holds it: after
// fork(2) a child finds its parent's entries, which are not its own (the
// child holds no database until it opens one).
struct LockedFile {
  dev_t dev;
  ino_t ino;
  bool operator<(const LockedFile& o) const { return dev != o.dev ? dev < o.dev : ino < o.ino; }
};

std::mutex& LockedMutex() {
  static std::mutex* mu = [] {
    auto* m = new std::mutex();  // never destroyed: locks may be released at exit
    // A fork while another thread holds the mutex would leave it locked
    // for ever in the child: hold it across fork(2) instead.
    ::pthread_atfork([] { LockedMutex().lock(); }, [] { LockedMutex().unlock(); },
                     [] { LockedMutex().unlock(); });
    return m;
  }();
  return *mu;
}

std::map<LockedFile, pid_t>& LockedFiles() {
  static auto* files = new std::map<LockedFile, pid_t>();
  return *files;
}

class PosixFileLock final : public FileLock {
 public:
  PosixFileLock(LockedFile id, int fd) : id_(id), fd_(fd), owner_(::getpid()) {}
  ~PosixFileLock() override {
    // In a child of the locking process (see above) the open file
    // description, and so the lock, is the parent's: unlocking it would
    // release the parent's database. Only the descriptor is the child's.
    if (::getpid() != owner_) {
      ::close(fd_);
      return;
    }
    ::flock(fd_, LOCK_UN);
    ::close(fd_);
    std::lock_guard<std::mutex> l(LockedMutex());
    auto it = LockedFiles().find(id_);
    if (it != LockedFiles().end() && it->second == owner_) LockedFiles().erase(it);
  }

 private:
  const LockedFile id_;
  const int fd_;
  const pid_t owner_;
};

class PosixFileSystem final : public FileSystem {
 public:
  Status NewWritableFile(const std::string& path, std::unique_ptr<WritableFile>* out) override {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return PosixError(path, errno);
    out->reset(new PosixWritableFile(path, fd, /*log=*/false));
    return Status::OK();
  }

  Status NewLogFile(const std::string& path, LogMapping mapping,
                    std::unique_ptr<WritableFile>* out) override {
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return PosixError(path, errno);
    out->reset(new PosixWritableFile(path, fd, /*log=*/true, mapping));
    return Status::OK();
  }

  Status NewSequentialFile(const std::string& path,
                           std::unique_ptr<SequentialFile>* out) override {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return PosixError(path, errno);
    out->reset(new PosixSequentialFile(path, fd));
    return Status::OK();
  }

  Status NewRandomAccessFile(const std::string& path,
                             std::unique_ptr<RandomAccessFile>* out) override {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return PosixError(path, errno);
    out->reset(new PosixRandomAccessFile(path, fd));
    return Status::OK();
  }

  bool FileExists(const std::string& path) override { return ::access(path.c_str(), F_OK) == 0; }

  Status GetFileSize(const std::string& path, uint64_t* size) override {
    struct stat st;
    if (::stat(path.c_str(), &st) != 0) return PosixError(path, errno);
    *size = static_cast<uint64_t>(st.st_size);
    return Status::OK();
  }

  Status GetChildren(const std::string& dir, std::vector<std::string>* names) override {
    names->clear();
    DIR* d = ::opendir(dir.c_str());
    if (d == nullptr) return PosixError(dir, errno);
    while (struct dirent* e = ::readdir(d)) {
      if (std::strcmp(e->d_name, ".") == 0 || std::strcmp(e->d_name, "..") == 0) continue;
      names->emplace_back(e->d_name);
    }
    ::closedir(d);
    return Status::OK();
  }

  Status RemoveFile(const std::string& path) override {
    if (::unlink(path.c_str()) != 0) return PosixError(path, errno);
    return Status::OK();
  }

  Status RenameFile(const std::string& from, const std::string& to) override {
    if (::rename(from.c_str(), to.c_str()) != 0) return PosixError(from, errno);
    return Status::OK();
  }

  Status CreateDir(const std::string& dir) override {
    if (::mkdir(dir.c_str(), 0755) != 0) {
      if (errno == EEXIST) {
        struct stat st;
        if (::stat(dir.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) return Status::OK();
        return Status::IOError(dir + ": exists and is not a directory");
      }
      return PosixError(dir, errno);
    }
    return Status::OK();
  }

  Status RemoveDir(const std::string& dir) override {
    if (::rmdir(dir.c_str()) != 0) return PosixError(dir, errno);
    return Status::OK();
  }

  Status SyncDir(const std::string& dir) override {
    int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return PosixError(dir, errno);
    Status s;
    if (::fsync(fd) != 0) s = PosixError(dir, errno);
    ::close(fd);
    return s;
  }

  Status LockFile(const std::string& path, std::unique_ptr<FileLock>* out) override {
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return PosixError(path, errno);
    struct stat st;
    if (::fstat(fd, &st) != 0) {
      const int err = errno;
      ::close(fd);
      return PosixError(path, err);
    }
    const LockedFile id{st.st_dev, st.st_ino};
    const pid_t self = ::getpid();
    {
      std::lock_guard<std::mutex> l(LockedMutex());
      auto [it, inserted] = LockedFiles().emplace(id, self);
      if (!inserted) {
        if (it->second == self) {
          ::close(fd);  // another description: the lock of the first stays
          return Status::Busy(path + ": database is already open in this process");
        }
        it->second = self;  // a parent's entry, inherited across fork
      }
    }
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      const int err = errno;
      const std::string holder = err == EWOULDBLOCK ? LockHolder(fd) : "";
      ::close(fd);
      {
        std::lock_guard<std::mutex> l(LockedMutex());
        LockedFiles().erase(id);
      }
      if (err == EWOULDBLOCK) {
        return Status::Busy(path + ": database is locked by another process" + holder);
      }
      return PosixError(path, err);
    }
    // The holder's pid, for the message above; the lock works without it.
    const std::string pid = std::to_string(self) + "\n";
    if (::ftruncate(fd, 0) == 0) {
      [[maybe_unused]] ssize_t n = ::pwrite(fd, pid.data(), pid.size(), 0);
    }
    out->reset(new PosixFileLock(id, fd));
    return Status::OK();
  }

 private:
  // " (pid N, or a process it forked)" from the pid the holder wrote into
  // the LOCK file; "" if it holds none.
  static std::string LockHolder(int fd) {
    char buf[24] = {};
    const ssize_t n = ::pread(fd, buf, sizeof(buf) - 1, 0);
    if (n <= 0) return "";
    long pid = 0;
    for (ssize_t i = 0; i < n && buf[i] != '\n'; i++) {
      if (buf[i] < '0' || buf[i] > '9' || pid > 1'000'000'000) return "";
      pid = pid * 10 + (buf[i] - '0');
    }
    if (pid <= 0) return "";
    return " (pid " + std::to_string(pid) + ", or a process it started)";
  }
};

}  // namespace

FileSystem* FileSystem::Default() {
  static PosixFileSystem* fs = new PosixFileSystem();  // never destroyed: used at exit
  return fs;
}

Status WriteStringToFileSync(FileSystem* fs, std::string_view data, const std::string& path) {
  std::unique_ptr<WritableFile> f;
  Status s = fs->NewWritableFile(path, &f);
  if (!s.ok()) return s;
  s = f->Append(data);
  if (s.ok()) s = f->Sync();
  Status c = f->Close();
  if (s.ok()) s = c;
  if (!s.ok()) fs->RemoveFile(path).Ignore();  // s is the error that matters
  return s;
}

Status ReadFileToString(FileSystem* fs, const std::string& path, std::string* data) {
  data->clear();
  std::unique_ptr<SequentialFile> f;
  Status s = fs->NewSequentialFile(path, &f);
  if (!s.ok()) return s;
  constexpr size_t kChunk = 64 * 1024;
  std::string scratch(kChunk, '\0');
  while (true) {
    std::string_view got;
    s = f->Read(kChunk, scratch.data(), &got);
    if (!s.ok() || got.empty()) return s;
    data->append(got.data(), got.size());
  }
}

}  // namespace lsm
