// Gate and GatedFS: deterministic hand-offs between a test and the engine's
// threads. A test arms a Gate with a predicate over (operation, path); the
// file operations of a GatedFS that match it block until the test opens the
// gate, and the test can wait until one is blocked. That replaces "sleep and
// hope the background thread got there": the test knows it did.
//
// Operations a Gate sees: "create" (NewWritableFile), "append", "sync"
// (WritableFile), "read" (RandomAccessFile::Read). Everything else passes
// straight through to the POSIX file system.
//
// Thread-safe. A held operation waits without a time limit; tests that hold
// one keep a Watchdog (test_util.h) so a missed Open() fails the run.
#pragma once

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/env/file_system.h"

namespace lsm {
namespace test {

// Set on threads whose file operations a Gate may hold (a predicate reads
// it; the Gate itself does not).
inline thread_local bool t_gated_thread = false;
// Set on the test's own threads (as opposed to the engine's).
inline thread_local bool t_test_thread = false;

// Sets a thread-local flag for a scope.
class FlagScope {
 public:
  explicit FlagScope(bool* flag) : flag_(flag), old_(*flag) { *flag_ = true; }
  ~FlagScope() { *flag_ = old_; }
  FlagScope(const FlagScope&) = delete;
  FlagScope& operator=(const FlagScope&) = delete;

 private:
  bool* flag_;
  bool old_;
};

// Holds the file operations it matches until opened.
class Gate {
 public:
  using Match = std::function<bool(const std::string& op, const std::string& path)>;

  // Holds what m matches from now on (closes the gate).
  void Arm(Match m);
  // Lets every held operation go and holds nothing more.
  void Open();
  // True once some operation is held (false after `seconds`).
  bool WaitForHeld(double seconds);
  // Operations held so far since Arm (those let go included).
  int held_total() const;
  // Called by the file system before op on path: blocks while the gate is
  // armed, closed and matches.
  void Pass(const std::string& op, const std::string& path);

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool armed_ = false;
  bool open_ = false;
  int held_ = 0;
  int held_total_ = 0;
  Match match_;
};

// A Match for op on paths ending in suffix, from any thread (say, "create"
// of ".sst" by a background flush).
Gate::Match OpOn(std::string op, std::string suffix);
// The same, only from threads that set t_gated_thread (say, the test's
// compactor thread).
Gate::Match OpOnGatedThread(std::string op, std::string suffix);

// Opens a gate when it goes out of scope, so that a test that returns early
// (a failed assertion) with an operation held does not hang closing the
// database. Declare it after what closes the database.
class OpenOnExit {
 public:
  explicit OpenOnExit(Gate* gate) : gate_(gate) {}
  ~OpenOnExit() { gate_->Open(); }
  OpenOnExit(const OpenOnExit&) = delete;
  OpenOnExit& operator=(const OpenOnExit&) = delete;

 private:
  Gate* gate_;
};

// A FileSystem over the POSIX one whose creates, appends, syncs and reads
// pass through a Gate first.
class GatedFS : public FileSystem {
 public:
  explicit GatedFS(Gate* gate) : gate_(gate) {}

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
  class RFile;

  FileSystem* const base_ = FileSystem::Default();
  Gate* const gate_;
};

}  // namespace test
}  // namespace lsm
