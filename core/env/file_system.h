// FileSystem: the one door through which the engine touches files. The
// engine never calls open(2) or friends directly, so tests can substitute a
// file system that injects faults or forgets unsynced data (a power loss).
//
// Contract for implementations:
// - WritableFile::Append buffers at most internally; Flush() hands every
//   appended byte to the operating system (after Flush returns, the bytes
//   survive a crash of this process); Sync() additionally makes them
//   durable (survive power loss).
// - Creating, renaming or removing a file is durable only after SyncDir()
//   on its directory.
// - All methods are safe to call from several threads on different files.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/util/status.h"

namespace lsm {

// Whether a log file (FileSystem::NewLogFile) may hand appends to the
// kernel by stores into a shared mapping. A store cannot return an error:
// where the file system must still allocate space or read the page when
// it happens (copy-on-write file systems such as btrfs and ZFS, network
// and FUSE file systems), a full disk or an I/O error raises SIGBUS.
//   kAuto:   map only where the file system is known to reserve the blocks
//            fallocate asked for (ext4, xfs, tmpfs); write(2) elsewhere
//   kNever:  always write(2)
//   kAlways: map wherever fallocate and mmap succeed
enum class LogMapping { kAuto, kNever, kAlways };

class WritableFile {
 public:
  virtual ~WritableFile() = default;
  virtual Status Append(std::string_view data) = 0;
  virtual Status Flush() = 0;
  virtual Status Sync() = 0;  // Flush, then fdatasync.
  // Flush, for a caller that calls Sync next (and may do other work in
  // between); a file may hand the bytes over differently then.
  virtual Status FlushForSync() { return Flush(); }
  virtual Status Close() = 0;
  // Bytes handed to the kernel by stores into a shared mapping of the file
  // rather than by write(2) (see NewLogFile); for accounting only.
  virtual uint64_t bytes_mapped() const { return 0; }
  // How appends reach the kernel, for "lsm.stats": e.g. "write(2)", or
  // "stores into a shared mapping (ext4)".
  virtual std::string append_path() const { return "write(2)"; }
};

class SequentialFile {
 public:
  virtual ~SequentialFile() = default;
  // Reads up to n bytes into scratch; *result points into scratch (or at
  // file data) and is empty at end of file.
  virtual Status Read(size_t n, char* scratch, std::string_view* result) = 0;
};

class RandomAccessFile {
 public:
  virtual ~RandomAccessFile() = default;
  // Reads up to n bytes at offset; fewer only at end of file. Thread-safe.
  virtual Status Read(uint64_t offset, size_t n, char* scratch,
                      std::string_view* result) const = 0;
  // A hint that [offset, offset + n) will be read soon: the file may start
  // reading it (into the OS page cache) without waiting. Thread-safe.
  virtual void Prefetch(uint64_t /*offset*/, size_t /*n*/) const {}
};

// Held while a process owns a database directory.
class FileLock {
 public:
  virtual ~FileLock() = default;
};

class FileSystem {
 public:
  virtual ~FileSystem() = default;

  // Creates or truncates.
  virtual Status NewWritableFile(const std::string& path,
                                 std::unique_ptr<WritableFile>* out) = 0;
  // Creates or truncates a file that is only appended to and Flushed after
  // each record, like a write-ahead log. It may reserve space past the
  // appended bytes: if the process dies before Close, the file can end in
  // zeros, which the log reader takes as the end. mapping says whether it
  // may append through a shared mapping (see LogMapping). By default, the
  // same as NewWritableFile.
  virtual Status NewLogFile(const std::string& path, LogMapping /*mapping*/,
                            std::unique_ptr<WritableFile>* out) {
    return NewWritableFile(path, out);
  }
  virtual Status NewSequentialFile(const std::string& path,
                                   std::unique_ptr<SequentialFile>* out) = 0;
  virtual Status NewRandomAccessFile(const std::string& path,
                                     std::unique_ptr<RandomAccessFile>* out) = 0;

  virtual bool FileExists(const std::string& path) = 0;
  virtual Status GetFileSize(const std::string& path, uint64_t* size) = 0;
  // Names (not paths) of the entries in dir, without "." and "..".
  virtual Status GetChildren(const std::string& dir, std::vector<std::string>* names) = 0;
  virtual Status RemoveFile(const std::string& path) = 0;
  // Atomically replaces `to` with `from`.
  virtual Status RenameFile(const std::string& from, const std::string& to) = 0;
  // Succeeds if the directory already exists.
  virtual Status CreateDir(const std::string& dir) = 0;
  virtual Status RemoveDir(const std::string& dir) = 0;
  // Makes creations, renames and removals in dir durable.
  virtual Status SyncDir(const std::string& dir) = 0;

  // Takes an exclusive lock on path (created if missing). A second lock of
  // the same path, from this process or another, fails with Busy until the
  // first is released by destroying the returned FileLock.
  virtual Status LockFile(const std::string& path, std::unique_ptr<FileLock>* out) = 0;

  // The process-wide POSIX file system.
  static FileSystem* Default();
};

// Convenience: writes data to path, syncs the file, and closes it.
Status WriteStringToFileSync(FileSystem* fs, std::string_view data, const std::string& path);
Status ReadFileToString(FileSystem* fs, const std::string& path, std::string* data);

}  // namespace lsm
