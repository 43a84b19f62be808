// FaultFS: a FileSystem over the POSIX one for tests that break the disk.
//
// Power loss. It remembers what a power loss would keep, by the contract in
// core/env/file_system.h and POSIX:
//   - bytes appended to a file are durable once the file is synced;
//   - a directory entry (a new file, a rename, a removal) is durable once
//     its directory is synced afterwards.
// PowerOff() (or PowerOffAfter(n) mutating calls) makes every later call
// fail, as if the machine had stopped. After the database is closed,
// ApplyPowerLoss() rewinds the directory to what the disk would show: it
// undoes renames and removals not followed by a directory sync (a removed
// file is kept aside until then, so it can come back), deletes files whose
// creation was never made durable, and cuts every other file back to its
// synced length, or, with keep_some_unsynced, to a random length between
// that and what was written (a disk that wrote some of the tail).
//
// Faults. Calls matching a Fault (an operation set, a path suffix, a
// probability or a countdown) fail with an injected EIO or ENOSPC I/O
// error; a torn append writes a random prefix of its data first, as a full
// disk would. Every injected fault is counted.
//
// Thread-safe: the database calls it from its writer and background
// threads at once.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <vector>

#include "core/env/file_system.h"

namespace lsm {
namespace test {

class FaultFS : public FileSystem {
 public:
  // Operations a Fault can match.
  enum Op : uint32_t {
    kCreate = 1u << 0,  // NewWritableFile
    kAppend = 1u << 1,  // WritableFile::Append and Flush
    kSync = 1u << 2,    // WritableFile::Sync
    kRename = 1u << 3,
    kRemove = 1u << 4,
    kSyncDir = 1u << 5,
    kOpenRead = 1u << 6,  // NewSequentialFile, NewRandomAccessFile
    kRead = 1u << 7,      // reads through those files
    kLock = 1u << 8,
    kClose = 1u << 9,  // WritableFile::Close (which closes the file all the same)
    kMutating = kCreate | kAppend | kSync | kRename | kRemove | kSyncDir,
    kAll = 0x3ff,
  };
  struct Fault {
    uint32_t ops = 0;          // set of Op
    std::string suffix;        // only paths ending so ("" = any)
    double probability = 1.0;  // per matching call
    int countdown = 0;         // > 0: pass that many matching calls first
    int limit = -1;            // faults to inject at most (-1: no limit)
    bool enospc = false;       // ENOSPC rather than EIO
    bool torn = false;         // appends write a random prefix first
  };

  explicit FaultFS(uint32_t seed = 1) : rng_(seed) {}
  ~FaultFS() override;

  // ---- faults
  void SetFault(const Fault& f);
  void ClearFault();
  uint64_t injected() const;
  // Shorthand: appends and syncs (or syncs only) to paths ending in suffix
  // fail with EIO ("" clears).
  void FailWritesTo(const std::string& suffix, bool syncs_only = false);

  // ---- power loss
  void PowerOff();
  // The power goes off at the n-th mutating call from now (that call fails).
  void PowerOffAfter(uint64_t n);
  bool off() const;
  // After the database is closed: rewind to what the disk would show (see
  // above), then forget all state, power back on, faults cleared.
  void ApplyPowerLoss(bool keep_some_unsynced = false);
  // Mutating calls so far (for picking a PowerOffAfter point).
  uint64_t mutating_calls() const;

  // ---- scheduling hooks for targeted tests
  // Table creation (".sst") waits until PowerOff().
  void HoldTables();
  // The next RemoveFile waits until ReleaseRemove() (or 30 s, so that a
  // failing test cannot hang).
  void BlockNextRemove();
  bool WaitRemoveEntered(std::chrono::milliseconds timeout);
  void ReleaseRemove();

  // ---- FileSystem
  Status NewWritableFile(const std::string& path, std::unique_ptr<WritableFile>* out) override;
  Status NewSequentialFile(const std::string& path, std::unique_ptr<SequentialFile>* out) override;
  Status NewRandomAccessFile(const std::string& path,
                             std::unique_ptr<RandomAccessFile>* out) override;
  bool FileExists(const std::string& path) override;
  Status GetFileSize(const std::string& path, uint64_t* size) override;
  Status GetChildren(const std::string& dir, std::vector<std::string>* names) override;
  Status RemoveFile(const std::string& path) override;
  Status RenameFile(const std::string& from, const std::string& to) override;
  Status CreateDir(const std::string& dir) override;
  Status RemoveDir(const std::string& dir) override;
  Status SyncDir(const std::string& dir) override;
  Status LockFile(const std::string& path, std::unique_ptr<FileLock>* out) override;

 private:
  class File;
  class ReadFile;
  class SeqFile;
  struct FileState {
    uint64_t size = 0;    // bytes written
    uint64_t synced = 0;  // bytes durable
    bool entry_durable = false;
  };
  // A directory change not yet made durable by a SyncDir.
  struct DirOp {
    enum Kind { kRenamed, kRemoved } kind;
    std::string path;   // removed path, or rename target
    std::string from;   // rename source
    std::string aside;  // where the removed / overwritten file is kept ("" none)
    bool had_state = false;
    FileState state;  // the source's (rename) or removed file's state
    bool aside_had_state = false;
    FileState aside_state;
  };

  // Returns the error to inject for op on path, or OK. Counts mutating
  // calls and turns the power off when PowerOffAfter says so.
  Status Check(Op op, const std::string& path, bool* torn = nullptr, double* keep = nullptr);
  Status CheckLocked(Op op, const std::string& path, bool* torn, double* keep);
  void NoteAppend(const std::string& path, uint64_t n);
  void NoteSync(const std::string& path);
  std::string AsideName();
  static std::string DirOf(const std::string& path);

  FileSystem* const base_ = FileSystem::Default();
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::mt19937 rng_;
  bool off_ = false;
  uint64_t mutating_ = 0;
  uint64_t off_at_ = 0;  // 0: none
  bool has_fault_ = false;
  Fault fault_;
  int fault_seen_ = 0;
  uint64_t injected_ = 0;
  uint64_t aside_counter_ = 0;
  std::map<std::string, FileState> files_;  // files written through us
  std::vector<DirOp> dir_ops_;
  bool hold_tables_ = false;
  bool block_remove_ = false;
  bool remove_entered_ = false;
  bool remove_released_ = false;
};

}  // namespace test
}  // namespace lsm
