// Version: an immutable snapshot of the live table files, per level.
// VersionSet: the current Version and the MANIFEST that records how it came
// to be.
//
// Level 0 holds flushed memtables; its files may overlap and are ordered
// newest first (higher file number = newer data). Levels 1.. hold files with
// disjoint key ranges, ordered by smallest key; a level's data is older than
// any level above it.
//
// File lifetime: each table's FileMetaData is one reference-counted object,
// shared by every Version that lists it (a trivial move passes the same
// object down a level). Readers take a shared_ptr<const Version> and keep
// its tables alive while they hold it. When the last Version listing a
// table dies, the table's count reaches zero and the VersionSet's
// TableReleaser hears of it: the table is obsolete exactly then.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/base/dbformat.h"
#include "core/db/table_cache.h"
#include "core/db/version_edit.h"
#include "core/env/file_system.h"
#include "core/log/log_writer.h"
#include "core/base/iterator.h"

namespace lsm {

// Told when a table's last reference goes (from whichever thread drops it,
// possibly under the database mutex: it must not block).
class TableReleaser {
 public:
  virtual ~TableReleaser() = default;
  virtual void TableReleased(uint64_t number) = 0;
};

// A table as Versions hold it. Armed once the table is part of an installed
// Version (or the one recovered at open): a table made for an edit whose
// MANIFEST write failed is never released, since that edit may yet be on
// disk and name it at the next open.
struct TableFile : FileMetaData {
  TableFile(const FileMetaData& m, TableReleaser* r) : FileMetaData(m), releaser(r) {}
  ~TableFile() {
    if (armed.load(std::memory_order_acquire) && releaser != nullptr) releaser->TableReleased(number);
  }
  TableReleaser* const releaser;
  mutable std::atomic<bool> armed{false};
};

class Version {
 public:
  using FileList = std::vector<std::shared_ptr<const FileMetaData>>;

  Version() = default;
  Version(const Version&) = delete;
  Version& operator=(const Version&) = delete;

  const FileList& files(int level) const { return files_[level]; }
  int NumFiles(int level) const { return static_cast<int>(files_[level].size()); }
  uint64_t LevelBytes(int level) const;

  // Looks key up in the tables. Sets *found when some table holds a version
  // of the key visible at the lookup sequence; then *s is OK with *value, or
  // NotFound for a deletion.
  Status Get(const TableReadOptions& ro, TableCache* tc, const LookupKey& key,
             std::string* value, bool* found) const;

  // One iterator per level-0 file and one per non-empty deeper level.
  void AddIterators(const TableReadOptions& ro, TableCache* tc,
                    std::vector<std::unique_ptr<Iterator>>* out) const;

  // Files of `level` whose user-key range meets [begin, end]; null bounds
  // are open. For level 0 the range grows to cover every file it takes in,
  // until no further file overlaps.
  FileList Overlapping(int level, const std::string* begin, const std::string* end) const;

 private:
  friend class VersionSet;
  FileList files_[kNumLevels];
};

class VersionSet {
 public:
  // releaser (may be null) hears of every table whose last reference goes;
  // it must outlive every Version of this set.
  VersionSet(std::string dir, FileSystem* fs, TableReleaser* releaser = nullptr)
      : dir_(std::move(dir)), fs_(fs), releaser_(releaser),
        current_(std::make_shared<const Version>()) {}

  // Writes the MANIFEST and CURRENT of an empty database.
  Status CreateNew();
  // Rebuilds the current Version from CURRENT and the MANIFEST it names.
  Status Recover();

  // Records edit in the MANIFEST (starting a new MANIFEST, which first
  // snapshots the whole current state, if none is open) and installs the
  // resulting Version. Fills in the edit's next_file_number and
  // last_sequence. REQUIRES: *lock holds the database mutex; it is released
  // while writing and reacquired. Calls are serialized.
  Status LogAndApply(VersionEdit* edit, std::unique_lock<std::mutex>* lock);

  // A reference, so that a look under the mutex (the write path checks
  // level 0 on every write) costs no reference-count update: readers take
  // their copies under the same mutex, and each such update inside it is a
  // cache-line transfer that lengthens the critical section. Copy it to
  // keep the Version past the mutex.
  const std::shared_ptr<const Version>& current() const { return current_; }

  uint64_t NewFileNumber() { return next_file_number_++; }
  // Marks numbers up to n as used (found on disk during recovery).
  void MarkFileNumberUsed(uint64_t n) {
    if (next_file_number_ <= n) next_file_number_ = n + 1;
  }
  uint64_t log_number() const { return log_number_; }
  uint64_t manifest_number() const { return manifest_number_; }
  // Every number handed out so far is below this.
  uint64_t next_file_number() const { return next_file_number_; }
  SequenceNumber last_sequence() const { return last_sequence_; }
  void set_last_sequence(SequenceNumber s) { last_sequence_ = s; }

  Status Close();

 private:
  // The tables the edit adds are new TableFiles (but for trivial moves),
  // listed in *created if given, not yet armed.
  Status Apply(const Version& base, const VersionEdit& edit, std::shared_ptr<Version>* out,
               std::vector<const TableFile*>* created = nullptr) const;
  // An edit listing the whole current state. REQUIRES: the database mutex.
  void EncodeSnapshot(std::string* rec) const;
  Status SetCurrentFile(uint64_t manifest_number);
  void Install(std::shared_ptr<const Version> v);

  const std::string dir_;
  FileSystem* const fs_;
  TableReleaser* const releaser_;

  uint64_t next_file_number_ = 2;
  uint64_t manifest_number_ = 0;
  uint64_t log_number_ = 0;
  SequenceNumber last_sequence_ = 0;

  std::shared_ptr<const Version> current_;
  std::unique_ptr<LogWriter> manifest_;
  bool manifest_busy_ = false;
  std::condition_variable manifest_cv_;
};

}  // namespace lsm
