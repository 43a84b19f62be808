// Version: an immutable snapshot of the live table files, per level.
// VersionSet: the current Version and the MANIFEST that records how it came
// to be.
//
// Level 0 holds flushed memtables; its files may overlap and are ordered
// newest first (higher file number = newer data). Levels 1.. hold files with
// disjoint key ranges, ordered by smallest key; a level's data is older than
// any level above it.
//
// Readers take a shared_ptr<const Version> and keep its files alive for as
// long as they hold it; a file is deleted only once no live Version lists it.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "core/db/dbformat.h"
#include "core/db/table_cache.h"
#include "core/db/version_edit.h"
#include "core/env/file_system.h"
#include "core/log/log_writer.h"
#include "core/table/iterator.h"

namespace lsm {

class Version {
 public:
  using FileList = std::vector<std::shared_ptr<const FileMetaData>>;

  Version() = default;
  Version(const Version&) = delete;
  Version& operator=(const Version&) = delete;
  ~Version() { destroyed_.fetch_add(1, std::memory_order_seq_cst); }

  // How many Versions this process has destroyed. Whoever drops a
  // reference can tell by reading it before and after whether a Version
  // died meanwhile (its own, or another: then a needless check follows);
  // shared_ptr's use_count() cannot tell, since two holders letting go at
  // once may each still see the other's reference.
  static uint64_t Destroyed() { return destroyed_.load(std::memory_order_seq_cst); }

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
  static inline std::atomic<uint64_t> destroyed_{0};
};

class VersionSet {
 public:
  VersionSet(std::string dir, FileSystem* fs)
      : dir_(std::move(dir)), fs_(fs), current_(std::make_shared<const Version>()) {}

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

  std::shared_ptr<const Version> current() const { return current_; }

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

  // Numbers of every file listed by a Version some reader still holds. A
  // Version whose last other holder lets go while this walk holds it dies in
  // the walk's hands, and its files must not count: then the walk starts
  // over. REQUIRES: the database mutex (no Version is installed meanwhile).
  void AddLiveFiles(std::set<uint64_t>* live);

  Status Close();

 private:
  Status Apply(const Version& base, const VersionEdit& edit, std::shared_ptr<Version>* out) const;
  // An edit listing the whole current state. REQUIRES: the database mutex.
  void EncodeSnapshot(std::string* rec) const;
  Status SetCurrentFile(uint64_t manifest_number);
  void Install(std::shared_ptr<const Version> v);

  const std::string dir_;
  FileSystem* const fs_;

  uint64_t next_file_number_ = 2;
  uint64_t manifest_number_ = 0;
  uint64_t log_number_ = 0;
  SequenceNumber last_sequence_ = 0;

  std::shared_ptr<const Version> current_;
  std::list<std::weak_ptr<const Version>> live_versions_;
  std::unique_ptr<LogWriter> manifest_;
  bool manifest_busy_ = false;
  std::condition_variable manifest_cv_;
};

}  // namespace lsm
